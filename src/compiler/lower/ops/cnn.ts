import { averageDivisor, batchNormCoefficients, convTaps, convTransposeTaps, poolKernel, poolWindows } from '../../onnx/ops/index.ts'
import type { OnnxNode } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { maxOf } from './compare.ts'
import { foldNode, q } from './shared.ts'

function pool(kind: 'max' | 'avg'): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const v = ctx.get(node, 0)
    // Max keeps the input's scale (nothing is multiplied); an average needs scale s for 1/n.
    const x = kind === 'max' && v.kind === 'q' ? v.t : ctx.activation(node, 0)
    const { dims, windows } = poolWindows(node, x.dims, poolKernel(node, x.dims))
    const { alg } = ctx
    if (kind === 'max' && node.outputs[1]) return maxWithIndices(ctx, node, x, windows)
    const data = windows.map((w, o) => {
      const xs = w.filter((i) => i >= 0).map((i) => x.data[i]!)
      if (kind === 'max') return xs.slice(1).reduce<V>((acc, e, k) => maxOf(ctx, acc, e, `${node.name}[${o}] ${k}`), xs[0]!)
      const c = ctx.quant(1 / averageDivisor(node, w), ctx.s)
      return alg.rescale(alg.affine(xs, xs.map(() => c), 0n), ctx.s, ctx.B, `${node.name}[${o}]`)
    })
    return [q({ dims, scale: x.scale, data })]
  }
}

/**
 * MaxPool with its Indices output: the running maximum carries the flat input index of the element it
 * holds through the same selects ArgMax uses. A candidate wins only when strictly greater (the proved
 * sign bit of candidate − best − 1), so ties keep the first in window order, as onnxruntime does.
 * B + 4 per window element beyond the first (comparison B + 2, value and index selects).
 */
function maxWithIndices<V>(ctx: LowerContext<V>, node: OnnxNode, x: QTensor<V>, windows: number[][]): LValue<V>[] {
  const { alg } = ctx
  const vals: V[] = []
  const idxs: V[] = []
  windows.forEach((w, o) => {
    const at = w.filter((i) => i >= 0)
    let best: V = x.data[at[0]!]!
    let idx: V = alg.constant(BigInt(at[0]!))
    at.slice(1).forEach((i, k) => {
      const what = `${node.name}[${o}] ${k}`
      const cand = x.data[i]!
      const c = alg.isNonNegative(alg.affine([cand, best], [1n, -1n], -1n), ctx.B + 1, `${what} compare`)
      best = alg.affine([best, alg.mul(c, alg.affine([cand, best], [1n, -1n], 0n), `${what} value`)], [1n, 1n], 0n)
      idx = alg.affine([idx, alg.mul(c, alg.affine([idx], [-1n], BigInt(i)), `${what} index`)], [1n, 1n], 0n)
    })
    vals.push(best)
    idxs.push(idx)
  })
  const dims = poolWindows(node, x.dims, poolKernel(node, x.dims)).dims
  return [q({ dims, scale: x.scale, data: vals }), q({ dims, scale: 0, data: idxs })]
}

/** Inference batch norm: one per-channel affine map and one rescale per element. */
function batchNorm<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const consts = [1, 2, 3, 4].map((i) => ctx.constOperand(node, i, ['scale', 'bias', 'mean', 'variance'][i - 1]!))
  const { a, b } = batchNormCoefficients(node, [undefined, ...consts])
  const C = x.dims[1] ?? 1
  const inner = x.dims.slice(2).reduce((p, d) => p * d, 1)
  const data = x.data.map((v, i) => {
    const c = Math.floor(i / inner) % C
    return ctx.alg.rescale(ctx.alg.affine([v], [ctx.quant(a[c]!, ctx.s)], ctx.quant(b[c]!, 2 * ctx.s)), ctx.s, ctx.B, `${node.name}[${i}]`)
  })
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/** Pooling and batch norm, by op type. */
export const cnnOps: Record<string, OpLowering> = {
  MaxPool: pool('max'),
  GlobalMaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: pool('avg'),
  BatchNormalization: batchNorm,
  // the same weighted sums as Conv, over the transposed geometry
  ConvTranspose: (ctx, node) => [convGeneral(ctx, node)],
}

/**
 * Any Conv (1-D/3-D, groups, dilations, auto_pad) with a constant kernel: each output is one
 * linear combination of its taps, weights as coefficients, and one rescale. s + B + 1 per output.
 */
export function convGeneral<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V> {
  const x = ctx.activation(node, 0)
  const W = ctx.constOperand(node, 1, 'kernel')
  const bias = ctx.has(node, 2) ? ctx.constOperand(node, 2, 'bias') : undefined
  const { dims, taps } = (node.opType === 'ConvTranspose' ? convTransposeTaps : convTaps)(node, x.dims, W.dims)
  const per = taps.length / dims[1]!
  const data = taps.map((t, o) =>
    ctx.alg.rescale(
      ctx.alg.affine(t.map(([i]) => x.data[i]!), t.map(([, k]) => ctx.quant(W.data[k]!, ctx.s)), bias ? ctx.quant(bias.data[Math.floor(o / per)]!, 2 * ctx.s) : 0n),
      ctx.s, ctx.B, `${node.name}[${o}]`,
    ),
  )
  return q({ dims, scale: ctx.s, data })
}
