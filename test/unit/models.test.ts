import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { evaluateFloat, parseOnnx, runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { FEATURES } from '../../models/pool-risk/features.ts'
import { gradeFor } from '../../models/pool-risk/grade.ts'
import { heldOut } from '../../models/pool-risk/train.ts'

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
  for (const m of ['pool-risk', 'tiny-conv', 'risk-sigmoid']) {
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
