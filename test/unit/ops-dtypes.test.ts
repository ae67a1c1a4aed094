// Data types: int64 and bool inputs stay exact (scale 0, bools proved 0/1), integer initializers
// fold exactly, and the fidelity check feeds onnxruntime the model's declared input types.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel, loadCircuit, proveInference, verifyInference } from '../../src/compiler/index.ts'
import { buildOnnxModel, parseOnnx, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { quantizeInput } from '../../src/compiler/quantize/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { conform } from './ops-harness.ts'

after(terminateSnark)

/** A model with float, bool and int64 inputs: y = Where(flag, x, float(k) / 4). */
const mixed: OnnxModelSpec = {
  name: 'mixed-dtypes',
  inputs: [{ name: 'x', shape: [1, 3] }, { name: 'flag', shape: [1, 3], dtype: 'bool' }, { name: 'k', shape: [1, 3], dtype: 'int64' }],
  outputs: [{ name: 'y', shape: [1, 3] }],
  initializers: { four: { dims: [], data: Float64Array.of(4) } },
  nodes: [
    { opType: 'Cast', inputs: ['k'], outputs: ['kf'], attributes: { to: 1 } },
    { opType: 'Div', inputs: ['kf', 'four'], outputs: ['kq'] },
    { opType: 'Where', inputs: ['flag', 'x', 'kq'], outputs: ['y'] },
  ],
}

describe('int64 and bool inputs', () => {
  test('compile, prove and match onnxruntime fed bool and int64 tensors', async () => {
    const { graph } = await conform(mixed, { prove: true, samples: 8 })
    assert.deepEqual(graph.inputs.map((i) => [i.dtype, i.onnxType]), [[undefined, undefined], ['bool', 'bool'], ['int', 'int64']])
  })

  test('compileModel measures fidelity on a bool-input model (onnxruntime gets the declared types)', async () => {
    const samples = [[0.5, -1, 2, 1, 0, 1, 3, -2, 7], [1.25, 0.5, -0.75, 0, 0, 1, -4, 5, 1]]
    const { manifest, dir } = await compileModel({
      onnx: buildOnnxModel(mixed), name: 'mixed', calibration: samples, backend: 'groth16', outDir: mkdtempSync(join(tmpdir(), 'zkml-dtypes-')),
    })
    // the prover path quantizes from the manifest: bool and int inputs must stay exact there too
    assert.deepEqual(manifest.inputs.map((i) => i.dtype), [undefined, 'bool', 'int'])
    const c = await loadCircuit(dir)
    const res = await proveInference(c, samples[0]!, { subject: 1n, round: 2n })
    assert.equal(await verifyInference(c, res.proof, res.publicSignals), true)
    assert.deepEqual(c.computeWitness(samples[0]!, { subject: 1n, round: 2n }).outputs, [0.5, -0.5, 2])
    assert.ok(manifest.fidelity.maxAbsError < 0.01, `max error ${manifest.fidelity.maxAbsError}`)
    const inputSignals = manifest.publicSignals.filter((p) => p.kind === 'input') as { name: string; scaleBits: number }[]
    assert.deepEqual(inputSignals.map((p) => p.scaleBits), [...Array(3).fill(manifest.quantization.scaleBits), 0, 0, 0, 0, 0, 0], 'bool and int inputs are exact integers')
  })

  test('float64 and int32 inputs: onnxruntime gets double and int32 tensors, the circuit quantizes and keeps them exact', async () => {
    const { graph } = await conform({
      name: 'f64-i32', inputs: [{ name: 'x', shape: [1, 2], dtype: 'float64' }, { name: 'n', shape: [1, 2], dtype: 'int32' }],
      outputs: [{ name: 'y', shape: [1, 2], dtype: 'float64' }], initializers: {},
      nodes: [{ opType: 'Cast', inputs: ['n'], outputs: ['nf'], attributes: { to: 11 } }, { opType: 'Mul', inputs: ['x', 'nf'], outputs: ['y'] }],
    }, { range: 3 })
    assert.deepEqual(graph.inputs.map((i) => [i.dtype, i.onnxType]), [['float', 'double'], ['int', 'int32']])
  })

  test('large int64 inputs with small float activations still fit the range checks', async () => {
    // x is tiny, so floats alone would size B at about s + 1 bits; k (about 10^6) needs 21
    const spec: OnnxModelSpec = {
      name: 'big-ints', inputs: [{ name: 'x', shape: [1, 2] }, { name: 'k', shape: [1, 2], dtype: 'int64' }],
      outputs: [{ name: 'y', shape: [1, 2] }], initializers: { t: { dims: [], data: Float64Array.of(500000), int64: true } },
      nodes: [{ opType: 'Greater', inputs: ['k', 't'], outputs: ['c'] }, { opType: 'Neg', inputs: ['x'], outputs: ['nx'] }, { opType: 'Where', inputs: ['c', 'x', 'nx'], outputs: ['y'] }],
    }
    const { params } = await conform(spec, { data: [[0.1, -0.2, 1000000, -25000], [0.3, 0.05, 12345, 900000]] })
    assert.ok(params.activationBits >= 21)
  })

  test('a bool input that is not 0/1, or a fractional int64 input, is refused with INPUT_INVALID', () => {
    const g = parseOnnx(buildOnnxModel(mixed))
    assert.throws(() => quantizeInput(g, [0, 0, 0, 2, 0, 1, 0, 0, 0], 8), (e: unknown) => e instanceof BaseError && e.code === 'INPUT_INVALID' && /expected 0 or 1 for flag\[0\], got 2/.test(e.message))
    assert.throws(() => quantizeInput(g, [0, 0, 0, 1, 0, 1, 0.5, 0, 0], 8), (e: unknown) => e instanceof BaseError && e.code === 'INPUT_INVALID' && /whole numbers for k\[0\]/.test(e.message))
  })
})
