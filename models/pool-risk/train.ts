/**
 * Trains the pool-risk MLP (12→16→8→1) on the synthetic pools and exports it to ONNX.
 * Deterministic: the same seeds give the same bytes.
 *
 * Run: npx tsx models/pool-risk/train.ts
 * Writes: model.onnx, samples.json (32 held-out pools, the calibration set), metrics.json.
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel, parseOnnx, evaluateFloat, runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { foldStandardization, forward, initMlp, mlpToOnnxSpec, train } from '../lib/mlp.ts'
import { generatePools } from './generate.ts'
import { gradeFor } from './grade.ts'

export const DATA_SEED = 1
export const N_POOLS = 4000
export const N_TRAIN = 3200

/** The held-out split: the last 800 pools of the seeded data set. */
export function heldOut() {
  const { x, y } = generatePools(N_POOLS, DATA_SEED)
  return { x: x.slice(N_TRAIN), y: y.slice(N_TRAIN) }
}

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  const { x, y } = generatePools(N_POOLS, DATA_SEED)
  const xTrain = x.slice(0, N_TRAIN)
  const yTrain = y.slice(0, N_TRAIN)
  const mean = xTrain[0]!.map((_, j) => xTrain.reduce((s, r) => s + r[j]!, 0) / xTrain.length)
  const sd = xTrain[0]!.map((_, j) => Math.sqrt(xTrain.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / xTrain.length) || 1)
  const norm = (r: number[]) => r.map((v, j) => (v - mean[j]!) / sd[j]!)

  const net = initMlp([12, 16, 8, 1], ['relu', 'relu', 'linear'], 2)
  const t0 = Date.now()
  train(net, xTrain.map(norm), yTrain.map((v) => [v / 100]), { epochs: 60, lr: 3e-3, batch: 32, seed: 3, loss: 'mse', l2: 1e-5 })
  const trainMs = Date.now() - t0
  // Undo the target scaling and the input standardization inside the weights: the ONNX takes raw features, returns 0–100.
  const last = net[net.length - 1]!
  last.W = last.W.map((row) => row.map((w) => w * 100))
  last.b = last.b.map((b) => b * 100)
  foldStandardization(net, mean, sd)

  const bytes = buildOnnxModel({ ...mlpToOnnxSpec(net, 'pool-risk'), docString: 'Yield-pool risk score 0-100 (higher = riskier). See MODEL_CARD.md.' })
  writeFileSync(`${dir}model.onnx`, bytes)

  const test = heldOut()
  const preds = test.x.map((r) => forward(net, r)[0]!)
  const mae = preds.reduce((s, p, i) => s + Math.abs(p - test.y[i]!), 0) / preds.length
  const rmse = Math.sqrt(preds.reduce((s, p, i) => s + (p - test.y[i]!) ** 2, 0) / preds.length)
  const gradeAcc = preds.filter((p, i) => gradeFor(p) === gradeFor(test.y[i]!)).length / preds.length
  const within1 = preds.filter((p, i) => Math.abs('ABCDEF'.indexOf(gradeFor(p)) - 'ABCDEF'.indexOf(gradeFor(test.y[i]!))) <= 1).length / preds.length
  const baselineMae = test.y.reduce((s, v) => s + Math.abs(v - yTrain.reduce((a, b) => a + b, 0) / yTrain.length), 0) / test.y.length

  const graph = parseOnnx(bytes)
  let ortGap = 0
  for (const r of test.x.slice(0, 100)) {
    const ort = (await runOnnxruntime(bytes, { features: { data: Float32Array.from(r), dims: [1, 12] } })).score![0]!
    const f64 = evaluateFloat(graph, { features: Float64Array.from(r) }).get('score')!.data[0]!
    ortGap = Math.max(ortGap, Math.abs(ort - f64))
  }
  const samples = test.x.slice(0, 32).map((r) => r.map((v) => Number(v.toFixed(6))))
  writeFileSync(`${dir}samples.json`, `${JSON.stringify(samples)}\n`)
  const metrics = {
    heldOut: test.x.length,
    mae: Number(mae.toFixed(3)),
    rmse: Number(rmse.toFixed(3)),
    gradeAccuracy: Number(gradeAcc.toFixed(4)),
    gradeWithinOne: Number(within1.toFixed(4)),
    baselineMae: Number(baselineMae.toFixed(3)),
    maxAbsOrtMinusFloat64: Number(ortGap.toExponential(2)),
    params: net.reduce((s, L) => s + L.W.length * L.W[0]!.length + L.b.length, 0),
  }
  writeFileSync(`${dir}metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`)
  console.log(`trained in ${trainMs} ms`, metrics)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
