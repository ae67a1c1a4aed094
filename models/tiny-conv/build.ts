/**
 * tiny-conv: a small convolutional net for the compiler's Conv path.
 * Task: does a 6×6 grey image contain a bright vertical bar? (target 1) or not (target 0).
 * Architecture: Conv(2 filters 3×3, stride 1, no padding, bias) → Relu → Flatten(32) → Gemm(32→1).
 * The two filters are fixed, documented detectors (a vertical-bar and a horizontal-bar kernel);
 * the linear head is trained (seeded Adam, MSE) on their rectified responses.
 *
 * Run: npx tsx models/tiny-conv/build.ts   Writes model.onnx, samples.json, metrics.json.
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { forward, initMlp, train } from '../lib/mlp.ts'
import { rng } from '../lib/random.ts'

const KERNELS = [
  [-0.5, 1, -0.5, -0.5, 1, -0.5, -0.5, 1, -0.5], // vertical bar: bright centre column, dark sides
  [-0.5, -0.5, -0.5, 1, 1, 1, -0.5, -0.5, -0.5], // horizontal bar
]
const BIAS = [-0.2, -0.2]

export function images(n: number, seed: number): { x: number[][]; y: number[] } {
  const r = rng(seed)
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const img = Array.from({ length: 36 }, () => Math.max(0, r.normal(0.2, 0.15)))
    const kind = Math.floor(r.uniform() * 3) // 0 none, 1 vertical bar, 2 horizontal bar (a distractor)
    const at = 1 + Math.floor(r.uniform() * 4)
    for (let k = 0; k < 6; k++) {
      if (kind === 1) img[k * 6 + at] = img[k * 6 + at]! + 0.8
      if (kind === 2) img[at * 6 + k] = img[at * 6 + k]! + 0.8
    }
    x.push(img.map((v) => Number(v.toFixed(4))))
    y.push(kind === 1 ? 1 : 0)
  }
  return { x, y }
}

function convFeatures(img: number[]): number[] {
  const out: number[] = []
  for (let f = 0; f < 2; f++)
    for (let oy = 0; oy < 4; oy++)
      for (let ox = 0; ox < 4; ox++) {
        let s = BIAS[f]!
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) s += img[(oy + ky) * 6 + ox + kx]! * KERNELS[f]![ky * 3 + kx]!
        out.push(Math.max(0, s))
      }
  return out
}

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  const { x, y } = images(1200, 11)
  const feats = x.map(convFeatures)
  const head = initMlp([32, 1], ['linear'], 12)
  train(head, feats.slice(0, 1000), y.slice(0, 1000).map((v) => [v]), { epochs: 40, lr: 1e-2, batch: 32, seed: 13, loss: 'mse' })
  const preds = feats.slice(1000).map((f) => forward(head, f)[0]!)
  const accuracy = preds.filter((p, i) => (p > 0.5 ? 1 : 0) === y[1000 + i]).length / preds.length
  const W = head[0]!.W[0]!
  const bytes = buildOnnxModel({
    name: 'tiny-conv',
    inputs: [{ name: 'image', shape: [1, 1, 6, 6] }],
    outputs: [{ name: 'bar', shape: [1, 1] }],
    initializers: {
      kernels: { dims: [2, 1, 3, 3], data: Float64Array.from(KERNELS.flat()) },
      kernel_bias: { dims: [2], data: Float64Array.from(BIAS) },
      head_w: { dims: [32, 1], data: Float64Array.from(W) },
      head_b: { dims: [1], data: Float64Array.from(head[0]!.b) },
    },
    nodes: [
      { name: 'conv', opType: 'Conv', inputs: ['image', 'kernels', 'kernel_bias'], outputs: ['c'], attributes: { kernel_shape: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0] } },
      { name: 'relu', opType: 'Relu', inputs: ['c'], outputs: ['r'] },
      { name: 'flatten', opType: 'Flatten', inputs: ['r'], outputs: ['f'], attributes: { axis: 1 } },
      { name: 'head', opType: 'Gemm', inputs: ['f', 'head_w', 'head_b'], outputs: ['bar'] },
    ],
  })
  writeFileSync(`${dir}model.onnx`, bytes)
  writeFileSync(`${dir}samples.json`, `${JSON.stringify(x.slice(1000, 1032))}\n`)
  const metrics = { heldOut: preds.length, accuracy: Number(accuracy.toFixed(4)), params: 2 * 9 + 2 + 33 }
  writeFileSync(`${dir}metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`)
  console.log(metrics)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
