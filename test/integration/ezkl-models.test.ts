// The other two bundled models, and a model the R1CS backend refuses, through ezkl: compile
// (logrows ≤ 12, a few calibration samples to keep it short), prove, verify, and refuse the same
// proof for another round. Real ezkl wheel from .venv.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '../../src/errors/index.ts'
import { compileModel, sha256Hex } from '../../src/compiler/index.ts'
import { buildOnnxModel } from '../../src/compiler/onnx/buildOnnxModel.ts'
import { compileEzkl, ezklBridge, loadEzklCircuit, proveEzkl, verifyEzkl } from '../../src/compiler/ezkl/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'ezkl-models-'))
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await ezklBridge().close()
})

async function roundTrip(name: string, onnx: Uint8Array, samples: number[][], srsPath?: string) {
  const out = join(dir, name)
  const { manifest } = await compileEzkl({ onnx, name, calibration: samples.slice(0, 6), outDir: out, maxLogrows: 12, ...(srsPath ? { srsPath } : {}) })
  assert.equal(manifest.backend, 'ezkl')
  const c = await loadEzklCircuit(out)
  const r = await proveEzkl(c, samples[0]!, { subject: 7n, round: 3n })
  assert.equal(await verifyEzkl(c, r.proof, r.publicSignals), true)
  const round4 = r.publicSignals.map((s, i) => (i === r.publicSignals.length - 1 ? '4' : s))
  assert.equal(await verifyEzkl(c, r.proof, round4), false, 'the proof is bound to round 3')
  return { manifest, r }
}

for (const name of ['tiny-conv', 'risk-sigmoid']) {
  test(`bundled ${name} compiles, proves and verifies through ezkl`, { timeout: 300_000 }, async () => {
    const m = new URL(`../../models/${name}/`, import.meta.url).pathname
    const samples = JSON.parse(readFileSync(join(m, 'samples.json'), 'utf8')) as number[][]
    const { manifest } = await roundTrip(name, readFileSync(join(m, 'model.onnx')), samples)
    assert.ok(manifest.fidelity.maxAbsError < 0.05, `max error ${manifest.fidelity.maxAbsError}`)
  })
}

test('a model the R1CS backend refuses (Tanh) compiles, proves and verifies through ezkl', { timeout: 300_000 }, async () => {
  const onnx = buildOnnxModel({
    name: 'tanh-head', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: { W: { dims: [4, 2], data: [0.5, -0.25, 0.75, 0.1, -0.5, 0.3, 0.2, -0.6] }, b: { dims: [2], data: [0.1, -0.2] } } as never,
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'] },
      { opType: 'Tanh', inputs: ['h'], outputs: ['y'] },
    ],
  })
  const samples = Array.from({ length: 6 }, (_, k) => [0.1 * k, -0.2 + 0.05 * k, 0.3, 1 - 0.1 * k])
  await assert.rejects(
    compileModel({ onnx, name: 'tanh-head', calibration: samples, backend: 'groth16', outDir: join(dir, 'r1cs') }),
    (e: unknown) => e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_OP',
  )
  // --srs: an SRS file made elsewhere (standing in for a ceremony's) is copied and hashed, not regenerated.
  const srs = join(dir, 'ceremony.srs')
  await ezklBridge().request('gen_srs', { srs_path: srs, logrows: 12 })
  const { manifest, r } = await roundTrip('tanh-head', onnx, samples, srs)
  assert.deepEqual(manifest.ezkl!.srs, { provenance: 'file', logrows: manifest.ezkl!.settings.logrows, source: 'ceremony.srs' })
  assert.equal(manifest.artifacts.srs!.sha256, sha256Hex(readFileSync(srs)))
  assert.equal(manifest.outputs[0]!.shape.join(), '1,2')
  const want = samples[0]!.reduce((acc, x, i) => acc.map((a, j) => a + x * [0.5, -0.25, 0.75, 0.1, -0.5, 0.3, 0.2, -0.6][i * 2 + j]!), [0.1, -0.2]).map(Math.tanh)
  r.outputs.forEach((o, j) => assert.ok(Math.abs(o - want[j]!) < 0.02, `output ${j}: ${o} vs tanh ${want[j]}`))
})
