import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { parseManifest } from '../../src/compiler/manifest.ts'
import { DEFAULT_PTAU_PATH, readPtauProvenance, terminateSnark } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'

// Issue #11 item 14: the manifest records the ptau's hash, contributors and a testOnly flag; `zkml compile`
// warns loudly on the bundled test ptau and `--production` refuses it.
const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'zkml-ptau-'))
const STACK = /^\s+at .+:\d+:\d+\)?$/m
const zkml = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ZKML_DEBUG: '' } })
const compileArgs = (out: string, extra: string[] = []) =>
  ['compile', join(dir, 'g.onnx'), '--calibrate', join(dir, 'samples.json'), '--out', join(dir, out), ...extra]

before(() => {
  writeFileSync(join(dir, 'g.onnx'), buildOnnxModel({
    name: 'g', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 1] }],
    initializers: { W: { dims: [2, 1], data: Float64Array.from([0.5, 1]) }, b: { dims: [1], data: Float64Array.from([0]) } },
    nodes: [{ opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'] }],
  }))
  writeFileSync(join(dir, 'samples.json'), JSON.stringify([[1, 2], [0.5, -1], [0.2, 0.3]]))
})
after(async () => {
  await terminateSnark()
  rmSync(dir, { recursive: true, force: true })
})

test('readPtauProvenance: the bundled file is testOnly with its hash and its two contributions; a copy of it is too', async () => {
  const p = await readPtauProvenance(DEFAULT_PTAU_PATH)
  assert.equal(p.testOnly, true)
  assert.equal(p.power, 15)
  assert.equal(p.sha256, '0xb226dc707f4b227118ea2822c2d0678b36bed589d4a1a464896c28656e29726a') // fixtures/ptau/README.md
  assert.deepEqual(p.contributors.map((c) => [c.name, c.beacon]), [['zkml-oracle test contribution', false], ['zkml-oracle final beacon', true]])
  copyFileSync(DEFAULT_PTAU_PATH, join(dir, 'renamed.ptau'))
  assert.equal((await readPtauProvenance(join(dir, 'renamed.ptau'))).testOnly, true, 'same bytes under another name')
  rmSync(join(dir, 'renamed.ptau'))
  writeFileSync(join(dir, 'junk.ptau'), 'not a ptau at all')
  await assert.rejects(readPtauProvenance(join(dir, 'junk.ptau')), (e) => e instanceof BaseError && e.code === 'PTAU_INVALID' && /expected magic "ptau"/.test(e.message))
})

test('zkml compile on the bundled ptau warns loudly and records it; --production refuses it with PTAU_TEST_ONLY', () => {
  const dev = zkml(compileArgs('dev'))
  assert.equal(dev.status, 0, dev.stderr)
  assert.match(dev.stderr, /!! WARNING: NOT FOR PRODUCTION: no ptau was given, so the bundled test-only .*pot15_final\.ptau .* was used/)
  const m = parseManifest(JSON.parse(readFileSync(join(dir, 'dev', 'manifest.json'), 'utf8')))
  assert.equal(m.ptau?.testOnly, true)
  assert.equal(m.ptau?.sha256, '0xb226dc707f4b227118ea2822c2d0678b36bed589d4a1a464896c28656e29726a')
  assert.equal(m.ptau?.contributors.length, 2)

  for (const extra of [['--production'], ['--production', '--ptau', DEFAULT_PTAU_PATH]]) {
    const prod = zkml(compileArgs('prod', extra))
    assert.equal(prod.status, 1, prod.stderr)
    assert.match(prod.stderr, /Code: PTAU_TEST_ONLY/)
    assert.match(prod.stderr, /expected --ptau <ceremony file>/)
    assert.doesNotMatch(prod.stderr, STACK)
    assert.doesNotMatch(prod.stderr, /calibrat/, 'refused before any work')
  }
})

test('zkml compile --production with another ptau: no warning, its own hash and contributors in the manifest', () => {
  const made = spawnSync('bash', [join(root, 'scripts/make-ptau.sh'), '7', join(dir, 'own')], { cwd: root, encoding: 'utf8', timeout: 240_000 })
  assert.equal(made.status, 0, made.stderr)
  const ptau = join(dir, 'own', 'pot7_final.ptau')
  const r = zkml(compileArgs('own', ['--production', '--ptau', ptau]))
  assert.equal(r.status, 0, r.stderr)
  assert.doesNotMatch(r.stderr, /WARNING/)
  const m = parseManifest(JSON.parse(readFileSync(join(dir, 'own', 'manifest.json'), 'utf8')))
  assert.equal(m.ptau?.testOnly, false)
  assert.equal(m.ptau?.power, 7)
  assert.notEqual(m.ptau?.sha256, '0xb226dc707f4b227118ea2822c2d0678b36bed589d4a1a464896c28656e29726a')
  assert.deepEqual(m.ptau?.contributors.map((c) => c.name), ['zkml-oracle test contribution', 'zkml-oracle final beacon'])
})
