/**
 * risk-sigmoid: a model with a Sigmoid output, for the compiler's proved-sigmoid path.
 * Task: the probability that a pool is exploited within a year, from 6 of the pool-risk features
 * (reward_share, apy_volatility, oracle_deviation, oracle_staleness, audit_score,
 * depositor_concentration). Labels are Bernoulli draws with p = σ((riskScore − 55) / 8) over the
 * pool-risk generator's pools (see ../pool-risk/generate.ts).
 * Architecture: Gemm(6→8) → Relu → Gemm(8→1) → Sigmoid; trained with BCE (seeded Adam).
 *
 * Run: npx tsx models/risk-sigmoid/build.ts   Writes model.onnx, samples.json, metrics.json.
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { foldStandardization, forward, initMlp, mlpToOnnxSpec, train } from '../lib/mlp.ts'
import { rng } from '../lib/random.ts'
import { generatePools, riskScore } from '../pool-risk/generate.ts'

export const COLUMNS = [3, 4, 7, 8, 9, 11]

export function exploitData(n: number, seed: number) {
  const { x } = generatePools(n, seed)
  const r = rng(seed + 1)
  return { x: x.map((row) => COLUMNS.map((c) => row[c]!)), y: x.map((row) => (r.uniform() < 1 / (1 + Math.exp(-(riskScore(row) - 55) / 8)) ? 1 : 0)) }
}

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  const { x, y } = exploitData(3000, 21)
  const xt = x.slice(0, 2400)
  const mean = xt[0]!.map((_, j) => xt.reduce((s, r) => s + r[j]!, 0) / xt.length)
  const sd = xt[0]!.map((_, j) => Math.sqrt(xt.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / xt.length) || 1)
  const net = initMlp([6, 8, 1], ['relu', 'sigmoid'], 22)
  train(net, xt.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!)), y.slice(0, 2400).map((v) => [v]), { epochs: 40, lr: 3e-3, batch: 32, seed: 23, loss: 'bce' })
  foldStandardization(net, mean, sd)
  const test = x.slice(2400)
  const p = test.map((r) => forward(net, r)[0]!)
  const yTest = y.slice(2400)
  const accuracy = p.filter((v, i) => (v > 0.5 ? 1 : 0) === yTest[i]).length / p.length
  const logLoss = -p.reduce((s, v, i) => s + (yTest[i] ? Math.log(Math.max(v, 1e-9)) : Math.log(Math.max(1 - v, 1e-9))), 0) / p.length
  writeFileSync(`${dir}model.onnx`, buildOnnxModel({ ...mlpToOnnxSpec(net, 'risk-sigmoid', 'features', 'p_exploit') }))
  writeFileSync(`${dir}samples.json`, `${JSON.stringify(test.slice(0, 32).map((r) => r.map((v) => Number(v.toFixed(6)))))}\n`)
  const metrics = { heldOut: p.length, accuracy: Number(accuracy.toFixed(4)), logLoss: Number(logLoss.toFixed(4)), positives: Number((yTest.filter(Boolean).length / yTest.length).toFixed(3)) }
  writeFileSync(`${dir}metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`)
  console.log(metrics)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
