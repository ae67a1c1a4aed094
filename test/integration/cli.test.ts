import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { compileModel } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'

// The CLI as a user runs it: each test spawns `zkml` (moved here from test/unit/cli-errors.test.ts and
// test/unit/oracle-config.test.ts: unit tests spawn nothing). Issue #11 item 11: the CLI never prints a
// raw stack trace; each known case gets a code and "expected X, got Y".
const root = fileURLToPath(new URL('../..', import.meta.url))
const gemm = (W: number[]) =>
  buildOnnxModel({
    name: 'g', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 1] }],
    initializers: { W: { dims: [2, 1], data: Float64Array.from(W) }, b: { dims: [1], data: Float64Array.from([0]) } },
    nodes: [{ opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['y'] }],
  })
const zkml = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ZKML_DEBUG: '', ...env },
  })
after(() => terminateSnark())
/** A port nothing listens on: bound, then released. */
const closedPort = () =>
  new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => res(port))
    })
  })
const STACK = /^\s+at .+:\d+:\d+\)?$/m

test('zkml compile of a NaN-weight model and zkml register with the API down: a code, non-zero exit, no stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-cli-errors-'))
  writeFileSync(join(dir, 'nan.onnx'), gemm([NaN, 1]))
  writeFileSync(join(dir, 'samples.json'), JSON.stringify([[1, 2], [0.5, -1]]))
  const c = zkml(['compile', join(dir, 'nan.onnx'), '--calibrate', join(dir, 'samples.json'), '--out', join(dir, 'nan')])
  assert.equal(c.status, 1, c.stderr)
  assert.match(c.stderr, /Code: ONNX_NONFINITE_VALUE/)
  assert.doesNotMatch(c.stderr, STACK)

  await compileModel({ onnx: gemm([0.5, 1]), name: 'g', calibration: [[1, 2], [0.5, -1]], backend: 'groth16', outDir: join(dir, 'ok') })
  const api = `http://127.0.0.1:${await closedPort()}`
  const r = zkml(['register', join(dir, 'ok'), '--api', api], { ZKML_API_KEY: 'k' })
  assert.equal(r.status, 1, r.stderr)
  assert.ok(r.stderr.includes(`Could not reach the prover network at ${api}.`), r.stderr)
  assert.ok(r.stderr.includes(`expected an API answering at ${api}/circuits (is zkml serve running?), got ECONNREFUSED`), r.stderr)
  assert.match(r.stderr, /Code: PROVER_API_ERROR/)
  assert.doesNotMatch(r.stderr, STACK)
  const missing = zkml(['register', join(dir, 'nowhere'), '--api', 'http://127.0.0.1:9'], { ZKML_API_KEY: 'k' })
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /Code: ARTIFACT_NOT_FOUND/)
  assert.doesNotMatch(missing.stderr, STACK)
})

test('zkml oracle: --help exits 0, a missing config exits 2 with usage', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'oracle', ...args], { cwd: root, encoding: 'utf8' })
  const help = run(['--help'])
  assert.equal(help.status, 0)
  assert.match(help.stdout, /usage: zkml oracle --config/)
  assert.equal(run([]).status, 2)
})
