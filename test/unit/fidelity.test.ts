// Fidelity at compile time (issue #14): a model whose quantized error exceeds its tolerance fails
// with FIDELITY_EXCEEDED naming the layer where the error grew; the per-layer errors are recorded.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel } from '../../src/compiler/index.ts'
import { inspectModel } from '../../src/compiler/inspectModel.ts'
import { buildOnnxModel, parseOnnx, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { calibrate, locateFidelityLoss, MAX_LAYER_SAMPLES, measureLayerFidelity } from '../../src/compiler/quantize/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'

const work = mkdtempSync(join(tmpdir(), 'zkml-fidelity-'))
after(async () => {
  await terminateSnark()
  rmSync(work, { recursive: true, force: true })
})

const W0 = [0.9, -0.3, 0.2, 0.5, 0.1, 0.8, -0.4, 0.3, -0.2, 0.4, 0.7, -0.1, 0.3, 0.2, -0.5, 0.6]
const W1 = [1, -0.5, 0.7, 0.9, -0.8, 0.4, 0.6, 1.1]

/**
 * x[4] → MatMul "dense" → Relu "act" → MatMul "shrink" (weights × tiny) → Mul "gain" (× gain) → y[2].
 * With tiny = 1e-5 and gain = 1e5 the float model is the same as with 1 and 1, but "shrink"'s
 * outputs are about 1e-5: at one global scale (2^16 at most) they keep a bit or two, and "gain"
 * multiplies what was lost.
 */
const lossy = (tiny: number, gain: number): OnnxModelSpec => ({
  name: 'lossy', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 2] }],
  initializers: {
    W0: { dims: [4, 4], data: Float64Array.from(W0) },
    W1: { dims: [4, 2], data: Float64Array.from(W1.map((w) => w * tiny)) },
    G: { dims: [1], data: Float64Array.of(gain) },
  },
  nodes: [
    { name: 'dense', opType: 'MatMul', inputs: ['x', 'W0'], outputs: ['h0'] },
    { name: 'act', opType: 'Relu', inputs: ['h0'], outputs: ['h'] },
    { name: 'shrink', opType: 'MatMul', inputs: ['h', 'W1'], outputs: ['t'] },
    { name: 'gain', opType: 'Mul', inputs: ['t', 'G'], outputs: ['y'] },
  ],
})

/** The loss at the first node instead: x → MatMul "squeeze" (tiny weights) → Mul "amplify" → Relu "act" → y. */
const lossyFirst: OnnxModelSpec = {
  name: 'lossy-first', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 4] }],
  initializers: { W: { dims: [4, 4], data: Float64Array.from(W0.map((w) => w * 1e-5)) }, G: { dims: [1], data: Float64Array.of(1e5) } },
  nodes: [
    { name: 'squeeze', opType: 'MatMul', inputs: ['x', 'W'], outputs: ['s'] },
    { name: 'amplify', opType: 'Mul', inputs: ['s', 'G'], outputs: ['a'] },
    { name: 'act', opType: 'Relu', inputs: ['a'], outputs: ['y'] },
  ],
}

const samples = Array.from({ length: 12 }, (_, i) => [0, 1, 2, 3].map((j) => Math.sin(i * 4 + j + 1)))
const isFidelity = (node: string, op: string) => (e: unknown) => {
  assert.ok(e instanceof BaseError, String(e))
  assert.equal(e.code, 'FIDELITY_EXCEEDED')
  assert.equal(e.shortMessage, `The quantized model misses its tolerance; precision is lost at ${op} "${node}".`)
  assert.equal(e.meta?.node, node)
  assert.equal(e.meta?.op, op)
  return true
}

test('a model that loses precision in one layer fails to compile, naming that layer with expected vs got', async () => {
  const outDir = join(work, 'lossy')
  const err = await compileModel({ onnx: buildOnnxModel(lossy(1e-5, 1e5)), name: 'lossy', calibration: samples, backend: 'groth16', outDir }).catch((e: unknown) => e)
  assert.ok(isFidelity('shrink', 'MatMul')(err))
  const e = err as BaseError
  // the output's miss, then the layer's own: its tensor, scale, error against its range, an element's expected and got
  assert.match(e.details!, /^expected \|quantized − float\| ≤ 0\.0131 on every output, got 1\.14 at the best scale 2\^16 \(of 2\^4…2\^16\): output y\[1\] of sample 11 expected 0\.382, got 1\.53;/)
  assert.match(e.details!, /at MatMul "shrink" \(output "t", scale 2\^16\): max \|error\| 0\.0000114 on values up to 0\.0000131 \(87\.2%\), at \[1\] of sample 11 expected 0\.00000382, got 0\.0000153/)
  assert.ok((e.meta!.relError as number) > (e.meta!.relBudget as number))
  assert.equal(existsSync(outDir), false, 'nothing is written')
  // the same test holds wherever the loss is
  await assert.rejects(compileModel({ onnx: buildOnnxModel(lossyFirst), name: 'first', calibration: samples, backend: 'groth16', outDir }), isFidelity('squeeze', 'MatMul'))
})

test('every layer before the named one is within its budget; the named one and what follows are not', () => {
  const g = parseOnnx(buildOnnxModel(lossy(1e-5, 1e5)))
  const cal = calibrate(g, samples)
  const report = measureLayerFidelity(g, samples, cal)
  assert.deepEqual(report.layers.map((l) => `${l.op} ${l.node} → ${l.output}`), ['Input x → x', 'MatMul dense → h0', 'Relu act → h', 'MatMul shrink → t', 'Mul gain → y'])
  assert.deepEqual(report.layers.map((l) => l.relError > report.relBudget), [false, false, false, true, true])
  assert.equal(locateFidelityLoss(report)?.node, 'shrink')
  // bounded: 8 of the 12 samples, the output's worst among them, so the output layer sees the miss calibration saw
  assert.equal(report.samples.length, MAX_LAYER_SAMPLES)
  assert.ok(report.samples.includes(cal.chosen.worst.sample))
  assert.equal(report.layers.at(-1)!.maxAbsError, cal.chosen.maxAbsError)
  // the same float model with sensible weights: every tensor within budget at the most accurate scale
  const fine = parseOnnx(buildOnnxModel(lossy(1, 1)))
  const ok = measureLayerFidelity(fine, samples, calibrate(fine, samples, { target: 'accuracy' }))
  assert.ok(ok.layers.every((l) => l.relError < ok.relBudget / 10), JSON.stringify(ok.layers.map((l) => l.relError)))
})

test('a sigmoid left outside the circuit is compared after the reader applies it', () => {
  const g = parseOnnx(buildOnnxModel({
    name: 'logit', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'p', shape: [1, 1] }],
    initializers: { W: { dims: [2, 1], data: Float64Array.of(1.5, -2) } },
    nodes: [{ name: 'score', opType: 'MatMul', inputs: ['x', 'W'], outputs: ['z'] }, { name: 'prob', opType: 'Sigmoid', inputs: ['z'], outputs: ['p'] }],
  }))
  const cal = calibrate(g, samples.map((s) => s.slice(0, 2).map((x) => 3 * x)), { sigmoid: 'outside' })
  const sig = measureLayerFidelity(g, samples.map((s) => s.slice(0, 2).map((x) => 3 * x)), cal).layers.find((l) => l.node === 'prob')!
  assert.ok(sig.floatMaxAbs <= 1 && sig.maxAbsError < 0.01, JSON.stringify(sig))
})

test('with a tolerance it meets, the lossy model compiles and its manifest shows where the precision went', async () => {
  const { manifest, calibration } = await compileModel({ onnx: buildOnnxModel(lossy(1e-5, 1e5)), name: 'lossy', calibration: samples, backend: 'groth16', tolerance: 2, outDir: join(work, 'tolerant') })
  const f = manifest.fidelity
  assert.equal(f.requiredTolerance, 2)
  assert.equal(calibration.tolerance, 2)
  assert.ok(f.maxAbsError <= 2)
  const layers = f.layers!
  assert.equal(layers.samples, MAX_LAYER_SAMPLES)
  assert.deepEqual(layers.tensors.map((t) => t.node), ['x', 'dense', 'act', 'shrink', 'gain'])
  assert.equal(layers.omitted, undefined)
  // shrink loses its values and gain carries the loss to the output; the layers before hold theirs
  assert.deepEqual([...layers.tensors].sort((a, b) => b.relError - a.relError).slice(0, 2).map((t) => t.node).sort(), ['gain', 'shrink'])
  assert.ok(layers.tensors.find((t) => t.node === 'dense')!.relError < layers.relBudget)
  const shrink = layers.tensors.find((t) => t.node === 'shrink')!
  assert.ok(shrink.relError > 0.5 && shrink.floatMaxAbs < 1e-4, JSON.stringify(shrink))
  // the recorded output error is the reference's (float64) on the worst sample; onnxruntime's float32 agrees closely
  assert.ok(Math.abs(layers.tensors.at(-1)!.maxAbsError - f.maxAbsError) < 1e-3 * f.maxAbsError + 1e-4, `${layers.tensors.at(-1)!.maxAbsError} vs ${f.maxAbsError}`)
})

test('zkml inspect --calibrate shows each node\'s error vs range and names the layer a compile would refuse', () => {
  const r = inspectModel(buildOnnxModel(lossy(1e-5, 1e5)), samples)
  assert.deepEqual(r.fidelity?.exceeded, { node: 'shrink', op: 'MatMul' })
  assert.ok(r.nodes.find((n) => n.name === 'dense')!.relError! < r.fidelity!.relBudget)
  assert.ok(r.nodes.find((n) => n.name === 'shrink')!.relError! > r.fidelity!.relBudget)
  const ok = inspectModel(buildOnnxModel(lossy(1, 1)), samples)
  assert.equal(ok.fidelity?.exceeded, undefined)
  assert.ok(ok.fidelity!.maxAbsError <= ok.fidelity!.tolerance)
  assert.equal(inspectModel(buildOnnxModel(lossy(1, 1))).fidelity, undefined, 'no samples, no fidelity')
})
