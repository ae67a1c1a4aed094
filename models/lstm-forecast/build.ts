/**
 * lstm-forecast: a 12-step univariate forecaster. Task: from a pool's last 12 daily APYs (in percent)
 * predict the next day's APY. Data: synthetic pools (`apySeries`): log-APY mean-reverts (AR(1),
 * φ = 0.85) towards the pool's own level (2–25%), with daily noise and occasional reward-emission
 * spikes that decay. Architecture: ONNX LSTM (hidden 4, default Sigmoid/Tanh/Tanh, forward) → last
 * hidden state → Gemm 4→1. Trained here by backpropagation through time (models/lib/lstm.ts, seeded
 * Adam on MSE of standardized values; the standardization is folded into the exported weights).
 *
 * Run: npx tsx models/lstm-forecast/build.ts   Writes model.onnx, samples.json, metrics.json.
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { foldLstmScaling, initLstm, lstmToOnnxSpec, predictLstm, trainLstm } from '../lib/lstm.ts'
import { rng } from '../lib/random.ts'

export const WINDOW = 12
export const HIDDEN = 4

/** `n` pools' daily APY series (percent), `days` long each. @example apySeries(1, 40, 7)[0].length // 40 */
export function apySeries(n: number, days: number, seed: number): number[][] {
  const r = rng(seed)
  return Array.from({ length: n }, () => {
    const level = Math.log(r.between(2, 25))
    let z = level + r.normal(0, 0.2)
    let spike = 0
    return Array.from({ length: days }, () => {
      z = level + 0.85 * (z - level) + r.normal(0, 0.06)
      spike = r.uniform() < 0.03 ? r.between(0.3, 0.9) : spike * 0.7
      return Number(Math.exp(z + spike).toFixed(4))
    })
  })
}

/** Sliding windows of 12 days → the 13th, every 3 days. @example windows(apySeries(1, 40, 7)).x[0].length // 12 */
export function windows(series: number[][]): { x: number[][]; y: number[] } {
  const x: number[][] = []
  const y: number[] = []
  for (const s of series) for (let t = 0; t + WINDOW < s.length; t += 3) (x.push(s.slice(t, t + WINDOW)), y.push(s[t + WINDOW]!))
  return { x, y }
}

/** Held-out windows: pools the trainer never saw. */
export const heldOut = () => windows(apySeries(60, 40, 902))

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  const train = windows(apySeries(240, 40, 901))
  const test = heldOut()
  const all = train.x.flat()
  const mx = all.reduce((a, b) => a + b, 0) / all.length
  const sx = Math.sqrt(all.reduce((a, b) => a + (b - mx) ** 2, 0) / all.length)
  const net = initLstm(HIDDEN, 903)
  trainLstm(net, train.x.map((w) => w.map((v) => (v - mx) / sx)), train.y.map((v) => (v - mx) / sx), { epochs: 25, lr: 1e-2, batch: 32, seed: 904 })
  foldLstmScaling(net, mx, sx, mx, sx)
  const mae = (f: (w: number[]) => number) => test.x.reduce((s, w, i) => s + Math.abs(f(w) - test.y[i]!), 0) / test.x.length
  const metrics = {
    trainWindows: train.x.length,
    heldOut: test.x.length,
    mae: Number(mae((w) => predictLstm(net, w)).toFixed(4)),
    naiveLastValueMae: Number(mae((w) => w[WINDOW - 1]!).toFixed(4)),
    meanOfWindowMae: Number(mae((w) => w.reduce((a, b) => a + b, 0) / WINDOW).toFixed(4)),
  }
  writeFileSync(`${dir}model.onnx`, buildOnnxModel({ ...lstmToOnnxSpec(net, WINDOW, 'lstm-forecast', 'apy_history', 'apy_next'), opset: 14 }))
  writeFileSync(`${dir}samples.json`, `${JSON.stringify(test.x.filter((_, i) => i % 7 === 0).slice(0, 32))}\n`)
  writeFileSync(`${dir}metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`)
  console.log(metrics)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
