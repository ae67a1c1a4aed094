import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel, loadCircuit, proveInference, verifyInference } from '../../src/compiler/index.ts'
import { compileCached } from './prover-helpers.ts'
import { buildOnnxModel, runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { plonkGateCount, terminateSnark, verificationKeyHash } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { modelRegistration } from '../../src/chain/modelRegistration.ts'
import { PROVED_IN_BENCH } from '../../models/lib/bundled.ts'

// PROVED_IN_BENCH models (too large a setup for the suite) are proved by bench/compile-prove.ts.
const models = readdirSync('models').filter((m) => existsSync(join('models', m, 'model.onnx')) && existsSync(join('models', m, 'samples.json')) && !(m in PROVED_IN_BENCH))
const work = mkdtempSync(join(tmpdir(), 'zkml-compile-'))
after(async () => {
  await terminateSnark()
  rmSync(work, { recursive: true, force: true })
})

test('at least three bundled models: an MLP, a conv net and a sigmoid-output model', () => {
  assert.ok(models.length >= 3, `found ${models.join(', ')}`)
})

for (const model of models) {
  describe(`bundled model ${model}`, () => {
    const onnx = readFileSync(join('models', model, 'model.onnx'))
    const samples = JSON.parse(readFileSync(join('models', model, 'samples.json'), 'utf8')) as number[][]
    // PLONK setup is the slow one on 2 cores: prove every model with Groth16, the flagship with both.
    const backends = model === 'pool-risk' ? (['groth16', 'plonk'] as const) : (['groth16'] as const)
    for (const backend of backends) {
      test(`${backend}: compiles, proves, verifies, and matches onnxruntime within the reported tolerance`, async () => {
        const outDir = join(work, `${model}-${backend}`)
        // Through the run's compile cache: later files (oracle-e2e, vault) prove these same circuits.
        const { manifest } = await compileCached({ onnx, name: model, calibration: samples, backend, outDir })
        assert.equal(manifest.backend, backend)
        assert.ok(manifest.constraints > 0)
        // What PLONK proving (and its quote) scales with; snark-r1cs-roundtrip checks the count against snarkjs's setup.
        assert.equal(manifest.plonkGates, plonkGateCount(readFileSync(join(outDir, manifest.artifacts.r1cs.file))))
        assert.ok(manifest.plonkGates! > manifest.constraints)
        if (backend === 'plonk') assert.equal(manifest.plonkGates, plonkZkeyGates(readFileSync(join(outDir, manifest.artifacts.zkey.file))), "snarkjs's own gate count")
        assert.ok(manifest.fidelity.maxAbsError <= manifest.fidelity.tolerance)
        // The verifier is bound to this setup: the manifest's vkHash is the key file's, and what the verifier reports.
        assert.equal(manifest.vkHash, verificationKeyHash(JSON.parse(readFileSync(join(outDir, manifest.artifacts.vkey.file), 'utf8'))))
        assert.match(readFileSync(join(outDir, manifest.artifacts.verifier.file), 'utf8'), new RegExp(`VK_HASH = ${manifest.vkHash}`))
        assert.deepEqual(manifest.postprocessing, { output: 'value', function: 'none' }, 'compiled with the sigmoid proved')
        const c = await loadCircuit(outDir)
        for (const input of samples.slice(0, 2)) {
          const res = await proveInference(c, input, { subject: 42n, round: 3n })
          assert.equal(await verifyInference(c, res.proof, res.publicSignals), true)
          const feeds = { [manifest.inputs[0]!.name]: { data: Float32Array.from(input), dims: manifest.inputs[0]!.shape } }
          const ort = Array.from((await runOnnxruntime(onnx, feeds))[manifest.outputs[0]!.name]!)
          res.outputs.forEach((y, i) => assert.ok(Math.abs(y - ort[i]!) <= manifest.fidelity.tolerance, `${y} vs onnxruntime ${ort[i]}`))
          // The context is bound: the same proof does not verify for another subject or round.
          const n = res.publicSignals.length
          const other = [...res.publicSignals]
          other[n - 2] = '43'
          assert.equal(await verifyInference(c, res.proof, other), false)
          // The inputs are bound: the proof does not verify for other inputs.
          const moved = [...res.publicSignals]
          const firstInput = manifest.publicSignals.findIndex((p) => p.kind === 'input')
          moved[firstInput] = String(BigInt(moved[firstInput]!) + 1n)
          assert.equal(await verifyInference(c, res.proof, moved), false)
        }
        assert.throws(() => c.computeWitness(samples[0]!.slice(1), { subject: 1n, round: 1n }), (e: unknown) => e instanceof BaseError && e.code === 'INPUT_INVALID' && /expected \d+ finite numbers, got \d+ values/.test(e.message))
        assert.throws(() => c.computeWitness(samples[0]!.map((x) => x * 1e6 + 1e6), { subject: 1n, round: 1n }), (e: unknown) => e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW')
      })
    }
  })
}

test('--sigmoid outside: the manifest declares that the outputs are logits, and the registry entry says so', async () => {
  const onnx = readFileSync(join('models', 'risk-sigmoid', 'model.onnx'))
  const samples = JSON.parse(readFileSync(join('models', 'risk-sigmoid', 'samples.json'), 'utf8')) as number[][]
  const { manifest } = await compileModel({ onnx, name: 'risk-logits', calibration: samples, backend: 'groth16', sigmoid: 'outside', outDir: join(work, 'risk-logits') })
  assert.deepEqual(manifest.postprocessing, { output: 'logits', function: 'sigmoid' })
  assert.equal(modelRegistration(manifest).postprocess, 1, 'ModelRegistry.Postprocess.Sigmoid')
})

// The CLI path on the smallest bundled model: the loop above already compiles and proves pool-risk.
test('CLI: zkml compile, prove and verify a bundled model; bad input exits non-zero with a clear error', () => {
  const dir = join(work, 'cli')
  const zkml = (args: string[]) => execFileSync(process.execPath, ['bin/zkml.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const out = zkml(['compile', 'models/risk-sigmoid/model.onnx', '--calibrate', 'models/risk-sigmoid/samples.json', '--backend', 'groth16', '--out', dir])
  assert.match(out, /constraints\s+\d+/)
  assert.match(out, /fidelity\s+max \|error\|/)
  assert.match(out, /layers\s+largest error vs range: \w+ "[^"]+" [\d.]+%/)
  const input = join(work, 'input.json')
  writeFileSync(input, JSON.stringify(JSON.parse(readFileSync('models/risk-sigmoid/samples.json', 'utf8'))[0]))
  const proof = join(work, 'proof.json')
  assert.match(zkml(['prove', dir, '--input', input, '--subject', '7', '--round', '1', '--out', proof]), /self-check ok/)
  assert.match(zkml(['verify', dir, proof]), /proof OK/)
  const doc = JSON.parse(readFileSync(proof, 'utf8'))
  doc.publicSignals[0] = String(BigInt(doc.publicSignals[0]) + 1n)
  writeFileSync(proof, JSON.stringify(doc))
  assert.throws(() => zkml(['verify', dir, proof]), (e: { status: number; stdout: string }) => e.status === 1 && /proof INVALID/.test(e.stdout))
  writeFileSync(input, JSON.stringify([1, 2, 3]))
  assert.throws(() => zkml(['prove', dir, '--input', input]), (e: { status: number; stderr: string }) => e.status === 1 && /expected 6 finite numbers, got 3 values/.test(e.stderr))
  const bad = join(work, 'bad.onnx')
  writeFileSync(bad, 'not a model')
  assert.throws(() => zkml(['compile', bad, '--calibrate', 'models/pool-risk/samples.json', '--out', join(work, 'bad')]), (e: { status: number; stderr: string }) => e.status === 1 && /ONNX_MALFORMED/.test(e.stderr))
  // A model that loses precision in one layer (tiny weights, then a large gain) is refused, naming the layer.
  const lossy = join(work, 'lossy.onnx')
  writeFileSync(lossy, buildOnnxModel({
    name: 'lossy', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 1] }],
    initializers: { W: { dims: [2, 1], data: Float64Array.of(1e-5, -2e-5) }, G: { dims: [1], data: Float64Array.of(1e5) } },
    nodes: [{ name: 'shrink', opType: 'MatMul', inputs: ['x', 'W'], outputs: ['t'] }, { name: 'gain', opType: 'Mul', inputs: ['t', 'G'], outputs: ['y'] }],
  }))
  const lossySamples = join(work, 'lossy.json')
  writeFileSync(lossySamples, JSON.stringify([[0.3, -0.7], [0.9, 0.2], [-0.5, 0.4]]))
  assert.throws(
    () => zkml(['compile', lossy, '--calibrate', lossySamples, '--out', join(work, 'lossy')]),
    (e: { status: number; stderr: string }) => e.status === 1 && /FIDELITY_EXCEEDED/.test(e.stderr) && /precision is lost at MatMul "shrink"/.test(e.stderr),
  )
})

/**
 * nConstraints (gates) from a snarkjs PLONK .zkey: "zkey", version u32, nSections u32, then sections
 * (type u32, size u64, data); section 1 holds the protocol (2 = PLONK), section 2 the header
 * n8q u32, q, n8r u32, r, nVars u32, nPublic u32, domainSize u32, nAdditions u32, nConstraints u32, ….
 */
function plonkZkeyGates(zkey: Uint8Array): number {
  const v = new DataView(zkey.buffer, zkey.byteOffset, zkey.byteLength)
  assert.equal(new TextDecoder().decode(zkey.subarray(0, 4)), 'zkey')
  const sections = new Map<number, number>()
  for (let off = 12, i = 0; i < v.getUint32(8, true); i++) {
    sections.set(v.getUint32(off, true), off + 12)
    off += 12 + Number(v.getBigUint64(off + 4, true))
  }
  assert.equal(v.getUint32(sections.get(1)!, true), 2, 'a PLONK zkey')
  let p = sections.get(2)!
  p += 4 + v.getUint32(p, true) // n8q, q
  p += 4 + v.getUint32(p, true) // n8r, r
  return v.getUint32(p + 16, true) // after nVars, nPublic, domainSize, nAdditions
}
