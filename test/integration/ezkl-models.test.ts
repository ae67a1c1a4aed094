// The other two bundled models, and a model the R1CS backend refuses, through ezkl: compile
// (logrows ≤ 12, a few calibration samples to keep it short), prove, verify, and refuse the same
// proof for another round; the two bundled ones also through the network (an in-process ezkl worker
// and the coordinator on the real Redis). Real ezkl wheel from .venv.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '../../src/errors/index.ts'
import { compileModel, sha256Hex } from '../../src/compiler/index.ts'
import { buildOnnxModel } from '../../src/compiler/onnx/buildOnnxModel.ts'
import { compileEzkl, ezklBridge, loadEzklCircuit, proveEzkl, verifyEzkl } from '../../src/compiler/ezkl/index.ts'
import { CircuitCache, CircuitRegistry, Coordinator, connectRedis, LocalArtifactStore, ProverQueue } from '../../src/network/index.ts'
import { detectHardware, ezklEngine, ProverWorker } from '../../src/prover/index.ts'
import { deletePrefix, registerBody, testPrefix, until } from './prover-helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'ezkl-models-'))

// One small network for the bundled models: registry, coordinator and one ezkl worker, in process.
const redis = await connectRedis()
const prefix = testPrefix('ezkl-models')
const store = new LocalArtifactStore(join(dir, 'store'))
const registry = new CircuitRegistry(redis, prefix, store)
const engine = await ezklEngine()
const coordinator = new Coordinator({ redis, prefix, circuits: new CircuitCache({ registry, store, engine, workDir: join(dir, 'coord') }), engine })
const queue = new ProverQueue({ redis, prefix, registry, attempts: 3, backoffMs: 200 })
const conn = redis.duplicate()
const worker = new ProverWorker({
  redis: conn, prefix, store, engine, hardware: await detectHardware({ noGpu: true }), id: 'ezkl-models-w',
  lockDurationMs: 30_000, stalledIntervalMs: 5_000, pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 300,
})
coordinator.start()
await worker.start()
after(async () => {
  await worker.stop().catch(() => {})
  await coordinator.close().catch(() => {})
  await queue.close().catch(() => {})
  await deletePrefix(redis, prefix)
  conn.disconnect()
  redis.disconnect()
  rmSync(dir, { recursive: true, force: true })
  await ezklBridge().close()
  // A compile that reaches the Groth16 setup starts snarkjs's thread pool, which would keep this file's process alive.
  const { terminateSnark } = await import('../../src/compiler/snark/index.ts')
  await terminateSnark()
})

/** Registers a compiled ezkl circuit and proves `input` through the network: the verified job's record. */
async function throughNetwork(out: string, input: number[]) {
  const body = await registerBody(out)
  const bytes = Object.fromEntries(Object.entries(body.artifacts).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]))
  const { id } = await registry.register(body.manifest, bytes)
  const { jobId } = await queue.submit({ circuitId: id, input, subject: '7', round: '3' })
  return until(async () => {
    const j = await coordinator.jobs.get(jobId)
    if (j?.status === 'failed') throw new Error(`job failed: ${j.reason}`)
    return j?.status === 'verified' && j
  }, 240_000, `ezkl job ${jobId} verified`)
}

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
  test(`bundled ${name} compiles, proves and verifies through ezkl`, { timeout: 900_000 }, async () => {
    const m = new URL(`../../models/${name}/`, import.meta.url).pathname
    const samples = JSON.parse(readFileSync(join(m, 'samples.json'), 'utf8')) as number[][]
    const { manifest, r } = await roundTrip(name, readFileSync(join(m, 'model.onnx')), samples)
    assert.ok(manifest.fidelity.maxAbsError < 0.05, `max error ${manifest.fidelity.maxAbsError}`)
    // Through the network: the worker's proof, verified by the coordinator, states what the local one does.
    const job = await throughNetwork(join(dir, name), samples[0]!)
    assert.equal(job.status, 'verified')
    assert.deepEqual(job.result!.publicSignals, r.publicSignals)
  })
}

test('a model the R1CS backend refuses (Atan) compiles, proves and verifies through ezkl', { timeout: 900_000 }, async () => {
  const onnx = buildOnnxModel({
    name: 'atan-head', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: { W: { dims: [4, 2], data: [0.5, -0.25, 0.75, 0.1, -0.5, 0.3, 0.2, -0.6] }, b: { dims: [2], data: [0.1, -0.2] } } as never,
    nodes: [
      { opType: 'Gemm', inputs: ['x', 'W', 'b'], outputs: ['h'] },
      { opType: 'Atan', inputs: ['h'], outputs: ['y'] },
    ],
  })
  const samples = Array.from({ length: 6 }, (_, k) => [0.1 * k, -0.2 + 0.05 * k, 0.3, 1 - 0.1 * k])
  await assert.rejects(
    compileModel({ onnx, name: 'atan-head', calibration: samples, backend: 'groth16', outDir: join(dir, 'r1cs') }),
    (e: unknown) => e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_OP',
  )
  // --srs: an SRS file made elsewhere (standing in for a ceremony's) is copied and hashed, not regenerated.
  const srs = join(dir, 'ceremony.srs')
  await ezklBridge().request('gen_srs', { srs_path: srs, logrows: 12 })
  const { manifest, r } = await roundTrip('atan-head', onnx, samples, srs)
  assert.deepEqual(manifest.ezkl!.srs, { provenance: 'file', logrows: manifest.ezkl!.settings.logrows, source: 'ceremony.srs' })
  assert.equal(manifest.artifacts.srs!.sha256, sha256Hex(readFileSync(srs)))
  assert.equal(manifest.outputs[0]!.shape.join(), '1,2')
  const want = samples[0]!.reduce((acc, x, i) => acc.map((a, j) => a + x * [0.5, -0.25, 0.75, 0.1, -0.5, 0.3, 0.2, -0.6][i * 2 + j]!), [0.1, -0.2]).map(Math.atan)
  r.outputs.forEach((o, j) => assert.ok(Math.abs(o - want[j]!) < 0.02, `output ${j}: ${o} vs atan ${want[j]}`))
})
