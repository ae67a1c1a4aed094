import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '../../src/errors/index.ts'
import { EzklBridge } from '../../src/compiler/ezkl/bridge.ts'
import { EZKL_VERSION } from '../../src/compiler/ezkl/venv.ts'

// Real Python, real ezkl wheel (installed into .venv on first use).
const model = new URL('../../models/pool-risk/model.onnx', import.meta.url).pathname
const sample = (JSON.parse(readFileSync(new URL('../../models/pool-risk/samples.json', import.meta.url), 'utf8')) as number[][])[0]!

test('ezkl bridge: real ezkl 23 answers typed requests; a Python exception is EZKL_FAILED with expected/got', async () => {
  const b = new EzklBridge()
  try {
    const v = await b.request('version', {})
    assert.equal(v.ezkl, EZKL_VERSION)
    const dir = mkdtempSync(join(tmpdir(), 'ezkl-bridge-'))
    const settings = join(dir, 'settings.json')
    assert.equal(await b.request('gen_settings', { model, output: settings, run_args: { input_visibility: 'public', output_visibility: 'public', param_visibility: 'fixed', logrows: 12, input_scale: 7, param_scale: 7 } }), true)
    const s = JSON.parse(readFileSync(settings, 'utf8')) as { run_args: { logrows: number; input_visibility: string } }
    assert.equal(s.run_args.logrows, 12)
    assert.equal(s.run_args.input_visibility, 'Public')
    const compiled = join(dir, 'network.ezkl')
    assert.equal(await b.request('compile_circuit', { model, compiled_circuit: compiled, settings_path: settings }), true)
    writeFileSync(join(dir, 'input.json'), JSON.stringify({ input_data: [sample] }))
    const w = await b.request('gen_witness', { data: join(dir, 'input.json'), model: compiled, output: join(dir, 'witness.json') })
    assert.equal(w.inputs[0]!.length, 12)
    assert.equal(w.outputs[0]!.length, 1)
    // 17.188887 at scale 2^7 is 2200 = 0x898, little-endian hex.
    assert.equal(w.inputs[0]![0], `9808${'0'.repeat(60)}`)
    await assert.rejects(
      b.request('compile_circuit', { model: join(dir, 'missing.onnx'), compiled_circuit: compiled, settings_path: settings }),
      (e: unknown) => e instanceof BaseError && e.code === 'EZKL_FAILED' && e.meta?.op === 'compile_circuit' && /expected ezkl\.compile_circuit to succeed, got \w+/.test(e.details ?? ''),
    )
    // The bridge survives a failed call.
    assert.equal((await b.request('version', {})).ezkl, EZKL_VERSION)
    assert.equal(b.starts, 1)
  } finally {
    await b.close()
  }
})

test('ezkl bridge: a killed bridge fails the request in flight with EZKL_BRIDGE_CRASHED and is restarted', async () => {
  const b = new EzklBridge()
  try {
    await b.request('version', {})
    const dir = mkdtempSync(join(tmpdir(), 'ezkl-bridge-'))
    const inFlight = b.request('gen_srs', { srs_path: join(dir, 'kzg.srs'), logrows: 20 })
    process.kill(b.pid!, 'SIGKILL')
    await assert.rejects(inFlight, (e: unknown) => e instanceof BaseError && e.code === 'EZKL_BRIDGE_CRASHED' && /expected a JSON answer to gen_srs, got: the bridge exited/.test(e.details ?? ''))
    assert.equal((await b.request('version', {})).ezkl, EZKL_VERSION)
    assert.equal(b.starts, 2)
  } finally {
    await b.close()
  }
})

test('ezkl venv: without python3 on PATH the error is EZKL_UNAVAILABLE and names the command to run', async () => {
  const { spawnSync } = await import('node:child_process')
  const venv = join(mkdtempSync(join(tmpdir(), 'ezkl-novenv-')), 'venv')
  const script = `import('./src/compiler/ezkl/venv.ts').then((m) => m.ensureEzklVenv()).then(() => process.exit(0), (e) => { console.log(JSON.stringify({ code: e.code, details: e.details })); process.exit(3) })`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: new URL('../../', import.meta.url).pathname,
    env: { ...process.env, PATH: '/nonexistent', ZKML_EZKL_VENV: venv },
    encoding: 'utf8',
  })
  assert.equal(r.status, 3, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: string; details: string }
  assert.equal(out.code, 'EZKL_UNAVAILABLE')
  assert.match(out.details, /expected python3 with the venv module on PATH, got .*; run: npx tsx scripts\/ezkl-venv\.mts .*pip install ezkl==23\.0\.5/)
})
