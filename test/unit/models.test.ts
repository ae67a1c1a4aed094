import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { evaluateFloat, parseOnnx, runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { FEATURES } from '../../models/pool-risk/features.ts'
import { gradeFor } from '../../models/pool-risk/grade.ts'
import { heldOut } from '../../models/pool-risk/train.ts'
import { heldOut as apyHeldOut, WINDOW } from '../../models/lstm-forecast/build.ts'
import { PROVED_IN_BENCH } from '../../models/lib/bundled.ts'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from '../../src/compiler/circuit/index.ts'
import { mod, toSigned } from '../../src/compiler/field.ts'
import { lowerGraph, referenceAlgebra } from '../../src/compiler/lower/index.ts'
import { calibrate, dequantize, quantizeInput } from '../../src/compiler/quantize/index.ts'

const load = (m: string) => ({
  bytes: readFileSync(`models/${m}/model.onnx`),
  samples: JSON.parse(readFileSync(`models/${m}/samples.json`, 'utf8')) as number[][],
  metrics: JSON.parse(readFileSync(`models/${m}/metrics.json`, 'utf8')) as Record<string, number>,
})

test('bundled models have the documented shapes and ops', () => {
  const shapes: Record<string, [number[], number[], string[]]> = {
    'pool-risk': [[1, 12], [1, 1], ['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']],
    'tiny-conv': [[1, 1, 6, 6], [1, 1], ['Conv', 'Relu', 'Flatten', 'Gemm']],
    'risk-sigmoid': [[1, 6], [1, 1], ['Gemm', 'Relu', 'Gemm', 'Sigmoid']],
    'lstm-forecast': [[12, 1, 1], [1, 1], ['LSTM', 'Reshape', 'Gemm']],
  }
  for (const [m, [inp, out, ops]] of Object.entries(shapes)) {
    const g = parseOnnx(load(m).bytes)
    assert.deepEqual(g.inputs[0]!.shape, inp, m)
    assert.deepEqual(g.outputs[0]!.shape, out, m)
    assert.deepEqual(g.nodes.map((n) => n.opType), ops, m)
  }
  assert.equal(FEATURES.length, 12)
})

test('float64 evaluation equals onnxruntime-node on every calibration sample', async () => {
  for (const m of ['pool-risk', 'tiny-conv', 'risk-sigmoid', 'lstm-forecast']) {
    const { bytes, samples } = load(m)
    const g = parseOnnx(bytes)
    const [inp] = g.inputs
    for (const s of samples) {
      const ours = evaluateFloat(g, { [inp!.name]: Float64Array.from(s) }).get(g.outputs[0]!.name)!.data[0]!
      const ort = (await runOnnxruntime(bytes, { [inp!.name]: { data: Float32Array.from(s), dims: inp!.shape } }))[g.outputs[0]!.name]![0]!
      assert.ok(Math.abs(ours - ort) < 1e-4, `${m}: ${ours} vs ${ort}`)
    }
  }
})

test('pool-risk: the model card\'s held-out MAE is what the committed ONNX scores on the regenerated held-out pools', async () => {
  const { bytes, metrics } = load('pool-risk')
  const g = parseOnnx(bytes)
  const { x, y } = heldOut()
  let err = 0
  for (let i = 0; i < x.length; i++) err += Math.abs(evaluateFloat(g, { features: Float64Array.from(x[i]!) }).get('score')!.data[0]! - y[i]!)
  assert.ok(Math.abs(err / x.length - metrics.mae!) < 0.005, `MAE ${err / x.length} vs card ${metrics.mae}`)
  assert.match(readFileSync('models/pool-risk/MODEL_CARD.md', 'utf8'), new RegExp(`MAE \\| ${metrics.mae}`))
})

test('grade bands: edges belong to the riskier grade', () => {
  assert.deepEqual([0, 19.99, 20, 34.99, 35, 50, 64.99, 65, 80, 100].map(gradeFor), ['A', 'A', 'B', 'B', 'C', 'D', 'D', 'E', 'F', 'F'])
})

test("lstm-forecast: the card's held-out MAE reproduces; its circuit (proved in bench/) satisfies its R1CS, equals the reference and matches onnxruntime", async () => {
  const { bytes, samples, metrics } = load('lstm-forecast')
  const g = parseOnnx(bytes)
  const { x, y } = apyHeldOut()
  let err = 0
  for (let i = 0; i < x.length; i++) err += Math.abs(evaluateFloat(g, { apy_history: Float64Array.from(x[i]!) }).get('apy_next')!.data[0]! - y[i]!)
  assert.ok(Math.abs(err / x.length - metrics.mae!) < 0.005, `MAE ${err / x.length} vs metrics ${metrics.mae}`)
  assert.ok(metrics.mae! < metrics.naiveLastValueMae!, 'beats the last-value forecast')
  assert.match(readFileSync('models/lstm-forecast/MODEL_CARD.md', 'utf8'), new RegExp(`MAE \\| ${metrics.mae}`))
  // what compileModel does, short of the Groth16 setup (too slow for the suite: PROVED_IN_BENCH says why)
  const { params, tolerance } = calibrate(g, samples)
  const { circuit, publicSignals } = buildModelCircuit(g, params)
  const constraints = circuit.r1cs.constraints.length
  assert.match(PROVED_IN_BENCH['lstm-forecast']!, new RegExp(constraints.toLocaleString('en-US')), 'the reason states the constraint count')
  for (const s of samples.slice(0, 3)) {
    assert.equal(s.length, WINDOW)
    const qin = quantizeInput(g, s, params.scaleBits)
    const w = runWitnessProgram(circuit.program, [...qin.flatMap((t) => t.data.map(mod)), 1n, 1n])
    assert.equal(firstUnsatisfied(circuit.r1cs, w), -1)
    const got = toSigned(w[circuit.outputWires[0]!]!)
    assert.deepEqual([got], lowerGraph(g, referenceAlgebra, qin, params).flatMap((o) => o.data))
    const ort = (await runOnnxruntime(bytes, { apy_history: { data: Float32Array.from(s), dims: [12, 1, 1] } })).apy_next![0]!
    const yq = dequantize(got, (publicSignals.find((p) => p.kind === 'output') as { scaleBits: number }).scaleBits)
    assert.ok(Math.abs(yq - ort) <= tolerance, `circuit ${yq} vs onnxruntime ${ort} (tolerance ${tolerance})`)
  }
})
