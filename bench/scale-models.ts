/**
 * The models bench/compile-prove.ts --scale compiles: a CNN of at least 2^18 constraints and a model
 * of at least 2^20, built here with onnx-proto (seeded random weights; the point is size, not a task).
 * Not a test.
 */
import { buildOnnxModel, type OnnxModelSpec } from '../src/compiler/onnx/index.ts'
import { rng } from '../models/lib/random.ts'

export type ScaleModel = { name: string; onnx: Uint8Array; samples: number[][] }

const size = (d: number[]) => d.reduce((a, b) => a * b, 1)

/** conv(3×3, c1) → ReLU → conv(3×3, c2) → ReLU → global average pool → dense(2) on a side×side image. */
export function scaleCnn(name: string, side: number, c1: number, c2: number): ScaleModel {
  const r = rng(side * 1000 + c1 * 10 + c2)
  const w = (...dims: number[]) => ({ dims, data: Float64Array.from({ length: size(dims) }, () => r.normal(0, 1 / Math.sqrt(size(dims.slice(1)) || 1))) })
  const spec: OnnxModelSpec = {
    name,
    inputs: [{ name: 'x', shape: [1, 1, side, side] }],
    outputs: [{ name: 'y', shape: [1, 2] }],
    initializers: { K1: w(c1, 1, 3, 3), b1: w(c1), K2: w(c2, c1, 3, 3), b2: w(c2), W: w(c2, 2), c: w(2) },
    nodes: [
      { opType: 'Conv', inputs: ['x', 'K1', 'b1'], outputs: ['h1'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { opType: 'Relu', inputs: ['h1'], outputs: ['r1'] },
      { opType: 'Conv', inputs: ['r1', 'K2', 'b2'], outputs: ['h2'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { opType: 'Relu', inputs: ['h2'], outputs: ['r2'] },
      { opType: 'GlobalAveragePool', inputs: ['r2'], outputs: ['g'] },
      { opType: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { opType: 'Gemm', inputs: ['f', 'W', 'c'], outputs: ['y'] },
    ],
  }
  const samples = Array.from({ length: 4 }, () => Array.from({ length: side * side }, () => r.between(0, 1)))
  return { name, onnx: buildOnnxModel(spec), samples }
}
