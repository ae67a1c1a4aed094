import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrError, attrInt, attrInts, poolWindows, size } from './helpers.ts'

/** Kernel shape of a pooling node; Global* pools take the whole spatial extent. */
export function poolKernel(node: OnnxNode, dims: readonly number[]): number[] {
  if (dims.length < 3) throw attrError(node, 'expected an input [N, C, spatial…].', `got [${dims}]`)
  if (node.opType.startsWith('Global')) return dims.slice(2)
  const k = attrInts(node, 'kernel_shape', [])
  if (k.length === 0) throw attrError(node, 'no kernel_shape.', 'expected the kernel_shape attribute')
  if (node.opType === 'MaxPool' && attrInt(node, 'storage_order', 0) !== 0) throw attrError(node, 'storage_order 1 is not supported.', 'expected storage_order 0')
  return k
}

/** Valid entries of a window (not padding) and the divisor AveragePool uses for it. */
export function averageDivisor(node: OnnxNode, window: readonly number[]): number {
  const includePad = attrInt(node, 'count_include_pad', 0) === 1
  return includePad ? window.filter((i) => i !== -2).length : window.filter((i) => i >= 0).length
}

function pool(kind: 'max' | 'avg'): FloatOp {
  return (node, [x]) => {
    const t = x!
    const { dims, windows } = poolWindows(node, t.dims, poolKernel(node, t.dims))
    if (node.outputs.length > 1 && node.outputs[1]) throw attrError(node, 'the Indices output is not supported.', 'expected MaxPool with one output')
    const data = Float64Array.from(windows, (w) => {
      const vals = w.filter((i) => i >= 0).map((i) => t.data[i]!)
      return kind === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / averageDivisor(node, w)
    })
    return [{ dims, data }]
  }
}

/**
 * Inference batch norm as a per-channel affine map y = a_c·x + b_c, a_c = γ/√(σ²+ε), b_c = β − μ·a_c.
 * The lowering uses the same coefficients, so both sides agree on rounding.
 */
export function batchNormCoefficients(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): { a: number[]; b: number[] } {
  const [, g, beta, mean, v] = inputs
  const eps = typeof node.attributes.epsilon === 'number' ? node.attributes.epsilon : 1e-5
  const C = g!.data.length
  const a = Array.from({ length: C }, (_, c) => g!.data[c]! / Math.sqrt(v!.data[c]! + eps))
  return { a, b: a.map((ac, c) => beta!.data[c]! - mean!.data[c]! * ac) }
}

function batchNorm(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const x = inputs[0]!
  if (attrInt(node, 'training_mode', 0) !== 0) throw attrError(node, 'training mode.', 'expected training_mode 0 (inference)')
  const { a, b } = batchNormCoefficients(node, inputs)
  const C = x.dims[1] ?? 1
  if (a.length !== C) throw attrError(node, 'scale length differs from channels.', `expected ${C} values, got ${a.length}`)
  const inner = size(x.dims.slice(2))
  return { dims: x.dims, data: x.data.map((v, i) => a[Math.floor(i / inner) % C]! * v + b[Math.floor(i / inner) % C]!) }
}

/** Pooling and batch norm in float64. */
export const cnnOps: Record<string, FloatOp> = {
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalMaxPool: pool('max'),
  GlobalAveragePool: pool('avg'),
  BatchNormalization: (node, i) => [batchNorm(node, i)],
}
