import { attrInt, normAxis, reduceAxes, reduceGroups, topkSwaps } from '../../onnx/ops/index.ts'
import type { OnnxNode } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { booleans, commonScale, foldNode, q, zipBroadcast } from './shared.ts'

/**
 * max(a, b): the difference is range-checked to B + 1 bits and its sign bit selects, b + c·(a − b).
 * min(a, b) selects the other way. B + 3 constraints; the select is free if a − b is constant.
 *
 * @example
 * ```ts
 * const m = maxOf(ctx, a, b, 'pool[0]') // ctx.alg may be the circuit's or the reference's
 * ```
 */
export function maxOf<V>(ctx: LowerContext<V>, a: V, b: V, what: string, min = false): V {
  const { alg } = ctx
  const d = alg.affine([a, b], [1n, -1n], 0n)
  const c = alg.isNonNegative(d, ctx.B + 1, `${what} difference`)
  // max: b + c·(a − b); min: a − c·(a − b)
  return alg.affine([min ? a : b, alg.mul(c, d, `${what} select`)], [1n, min ? -1n : 1n], 0n)
}

function extremes(min: boolean): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const ts = commonScale(ctx, node, node.inputs.map((_, i) => i).filter((i) => ctx.has(node, i)))
    const out = zipBroadcast(node, ts, (xs, i) => xs.slice(1).reduce<V>((acc, x, k) => maxOf(ctx, acc, x, `${node.name}[${i}] ${k}`, min), xs[0]!))
    return [q({ ...out, scale: ts[0]!.scale })]
  }
}

/** Comparison bit of quantized a, b at one scale: a < b ⇔ b − a − 1 ≥ 0 on integers, and so on. */
function comparison(op: 'Less' | 'LessOrEqual' | 'Greater' | 'GreaterOrEqual' | 'Equal'): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const { alg } = ctx
    const ts = commonScale(ctx, node, [0, 1])
    const out = zipBroadcast(node, ts, ([a, b], i) => {
      const what = `${node.name}[${i}]`
      if (op === 'Equal') return alg.isZero(alg.affine([a!, b!], [1n, -1n], 0n), what)
      const [x, y, strict] = op === 'Less' ? [b!, a!, true] : op === 'LessOrEqual' ? [b!, a!, false] : op === 'Greater' ? [a!, b!, true] : [a!, b!, false]
      return alg.isNonNegative(alg.affine([x, y], [1n, -1n], strict ? -1n : 0n), ctx.B + 1, what)
    })
    return [q({ ...out, scale: 0, boolean: true })]
  }
}

function logic(op: 'Not' | 'And' | 'Or' | 'Xor'): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const { alg } = ctx
    const ts = node.inputs.map((_, i) => booleans(ctx, node, i))
    const out = zipBroadcast(node, ts, ([a, b], i) => {
      if (op === 'Not') return alg.affine([a!], [-1n], 1n)
      const ab = alg.mul(a!, b!, `${node.name}[${i}]`)
      if (op === 'And') return ab
      return alg.affine([a!, b!, ab], [1n, 1n, op === 'Or' ? -1n : -2n], 0n)
    })
    return [q({ ...out, scale: 0, boolean: true })]
  }
}

function where<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const c = booleans(ctx, node, 0)
  const [x, y] = commonScale(ctx, node, [1, 2]) as [QTensor<V>, QTensor<V>]
  const { alg } = ctx
  const out = zipBroadcast(node, [c, x, y], ([p, a, b], i) => alg.affine([b!, alg.mul(p!, alg.affine([a!, b!], [1n, -1n], 0n), `${node.name}[${i}] select`)], [1n, 1n], 0n))
  return [q({ ...out, scale: x.scale, ...(x.boolean && y.boolean ? { boolean: true as const } : {}) })]
}

function clip<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const bound = (i: number, attr: string) => {
    if (ctx.has(node, i)) return ctx.constOperand(node, i, attr).data[0]
    const a = node.attributes[attr]
    return typeof a === 'number' ? a : undefined
  }
  const lo = bound(1, 'min')
  const hi = bound(2, 'max')
  const x = ctx.activation(node, 0)
  const data = x.data.map((v, i) => {
    let r = v
    if (lo !== undefined) r = maxOf(ctx, r, ctx.alg.constant(ctx.quant(lo, x.scale)), `${node.name}[${i}] min bound`)
    if (hi !== undefined) r = maxOf(ctx, r, ctx.alg.constant(ctx.quant(hi, x.scale)), `${node.name}[${i}] max bound`, true)
    return r
  })
  return [q({ dims: x.dims, scale: x.scale, data })]
}

function abs<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const { alg } = ctx
  // |x| = 2·c·x − x with c = (x ≥ 0)
  const data = x.data.map((v, i) => {
    const c = alg.isNonNegative(v, ctx.B, `${node.name}[${i}] sign`)
    return alg.affine([alg.mul(c, v, `${node.name}[${i}]`), v], [2n, -1n], 0n)
  })
  return [q({ dims: x.dims, scale: x.scale, data })]
}

/** sign(x) = 2·(x ≥ 0) − 1 − (x = 0), an exact integer at scale 0: B + 3 per element. */
function sign<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const v = ctx.get(node, 0)
  const x = v.kind === 'q' ? v.t : ctx.activation(node, 0)
  const { alg } = ctx
  const data = x.data.map((e, i) => alg.affine([alg.isNonNegative(e, ctx.B, `${node.name}[${i}] sign`), alg.isZero(e, `${node.name}[${i}] zero`)], [2n, -1n], -1n))
  return [q({ dims: x.dims, scale: 0, data })]
}

/** alpha·x + (1 − alpha)·relu(x), alpha per element (LeakyRelu: an attribute; PRelu: a constant slope). */
function leaky(slope: (ctx: LowerContext<unknown>, node: OnnxNode, dims: number[]) => (i: number) => number): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const a = slope(ctx as LowerContext<unknown>, node, x.dims)
    const { alg } = ctx
    const data = x.data.map((v, i) => {
      const r = alg.relu(v, ctx.B, `${node.name}[${i}] relu`)
      return alg.rescale(alg.affine([v, r], [ctx.quant(a(i), ctx.s), ctx.quant(1 - a(i), ctx.s)], 0n), ctx.s, ctx.B, `${node.name}[${i}]`)
    })
    return [q({ dims: x.dims, scale: x.scale, data })]
  }
}

/** clip(alpha·x + beta, 0, 1) at scale s; HardSwish multiplies x by it. */
function hardSigmoid<V>(ctx: LowerContext<V>, node: OnnxNode, x: QTensor<V>, alpha: number, beta: number): V[] {
  const { alg } = ctx
  const one = alg.constant(1n << BigInt(ctx.s))
  return x.data.map((v, i) => {
    const t = alg.rescale(alg.affine([v], [ctx.quant(alpha, ctx.s)], ctx.quant(beta, 2 * ctx.s)), ctx.s, ctx.B, `${node.name}[${i}] affine`)
    return maxOf(ctx, alg.relu(t, ctx.B, `${node.name}[${i}] floor`), one, `${node.name}[${i}] ceiling`, true)
  })
}

function argExtreme(min: boolean): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const { alg } = ctx
    const last = attrInt(node, 'select_last_index', 0) === 1
    const ax = normAxis(node, attrInt(node, 'axis', 0), x.dims.length)
    const { dims, groups } = reduceGroups(x.dims, [ax], attrInt(node, 'keepdims', 1) === 1)
    const data = groups.map((g, gi) => {
      let best: V = x.data[g[0]!]!
      let idx: V = alg.constant(0n)
      for (let k = 1; k < g.length; k++) {
        const cand = x.data[g[k]!]!
        const what = `${node.name}[${gi}] ${k}`
        // the candidate wins when strictly better (first index on ties) or, with select_last_index, when not worse
        const [p, r] = min ? [best, cand] : [cand, best]
        const c = alg.isNonNegative(alg.affine([p, r], [1n, -1n], last ? 0n : -1n), ctx.B + 1, `${what} compare`)
        best = alg.affine([best, alg.mul(c, alg.affine([cand, best], [1n, -1n], 0n), `${what} value`)], [1n, 1n], 0n)
        idx = alg.affine([idx, alg.mul(c, alg.affine([idx], [-1n], BigInt(k)), `${what} index`)], [1n, 1n], 0n)
      }
      return idx
    })
    return [q({ dims, scale: 0, data })]
  }
}

function reduceExtreme(min: boolean): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const v = ctx.get(node, 0)
    const x = v.kind === 'q' ? v.t : ctx.activation(node, 0)
    const axes = ctx.has(node, 1) ? ctx.constOperand(node, 1, 'axes') : undefined
    const { dims, groups } = reduceGroups(x.dims, reduceAxes(node, [undefined, axes], x.dims.length), attrInt(node, 'keepdims', 1) === 1)
    const data = groups.map((g, gi) => g.slice(1).reduce<V>((acc, k, j) => maxOf(ctx, acc, x.data[k]!, `${node.name}[${gi}] ${j}`, min), x.data[g[0]!]!))
    return [q({ dims, scale: x.scale, data })]
  }
}

/**
 * TopK as k bubble passes of compare-swaps (onnx/ops topkSwaps): each swap proves which of two values
 * is larger with one comparison bit and moves values and indices with one select each: B + 4.
 */
function topk<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const k = ctx.constOperand(node, 1, 'k').data[0]!
  const ax = normAxis(node, attrInt(node, 'axis', -1), x.dims.length)
  const n = x.dims[ax]!
  const largest = attrInt(node, 'largest', 1) === 1
  const { alg } = ctx
  const { groups } = reduceGroups(x.dims, [ax], true)
  const dims = x.dims.map((d, i) => (i === ax ? k : d))
  const st = dims.slice(ax + 1).reduce((a, b) => a * b, 1)
  const vals: V[] = new Array(groups.length * k)
  const idxs: V[] = new Array(groups.length * k)
  groups.forEach((g, gi) => {
    const v: V[] = g.map((i) => x.data[i]!)
    const ix: V[] = g.map((_, i) => alg.constant(BigInt(i)))
    topkSwaps(n, k).forEach(([a, b], si) => {
      const what = `${node.name}[${gi}] swap ${si}`
      // swap when the later one is strictly better: ties keep the lower index first
      const c = alg.isNonNegative(alg.affine(largest ? [v[b]!, v[a]!] : [v[a]!, v[b]!], [1n, -1n], -1n), ctx.B + 1, `${what} compare`)
      const dv = alg.mul(c, alg.affine([v[b]!, v[a]!], [1n, -1n], 0n), `${what} value`)
      const di = alg.mul(c, alg.affine([ix[b]!, ix[a]!], [1n, -1n], 0n), `${what} index`)
      ;[v[a], v[b]] = [alg.affine([v[a]!, dv], [1n, 1n], 0n), alg.affine([v[b]!, dv], [1n, -1n], 0n)]
      ;[ix[a], ix[b]] = [alg.affine([ix[a]!, di], [1n, 1n], 0n), alg.affine([ix[b]!, di], [1n, -1n], 0n)]
    })
    const outer = Math.floor(gi / st)
    const inner = gi % st
    for (let j = 0; j < k; j++) {
      vals[(outer * k + j) * st + inner] = v[j]!
      idxs[(outer * k + j) * st + inner] = ix[j]!
    }
  })
  return [q({ dims, scale: x.scale, data: vals }), q({ dims, scale: 0, data: idxs })]
}

/** Comparisons, selection and piecewise-linear functions, by op type. */
export const compareOps: Record<string, OpLowering> = {
  Max: extremes(false),
  Min: extremes(true),
  Less: comparison('Less'),
  LessOrEqual: comparison('LessOrEqual'),
  Greater: comparison('Greater'),
  GreaterOrEqual: comparison('GreaterOrEqual'),
  Equal: comparison('Equal'),
  Not: logic('Not'),
  And: logic('And'),
  Or: logic('Or'),
  Xor: logic('Xor'),
  Where: where,
  Clip: clip,
  Abs: abs,
  Sign: sign,
  LeakyRelu: leaky((_, node) => {
    const a = typeof node.attributes.alpha === 'number' ? node.attributes.alpha : 0.01
    return () => a
  }),
  PRelu: leaky((ctx, node, dims) => {
    const slope = ctx.constOperand(node, 1, 'slope')
    const t = { dims: slope.dims, data: slope.data }
    return (i) => {
      // unidirectional broadcast of the slope to the input
      const pad = dims.length - t.dims.length
      let j = 0
      let stride = 1
      for (let d = dims.length - 1; d >= 0; d--) {
        const own = t.dims[d - pad]
        const coord = Math.floor(i / dims.slice(d + 1).reduce((a, b) => a * b, 1)) % dims[d]!
        if (own !== undefined) {
          j += (own === 1 ? 0 : coord) * stride
          stride *= own
        }
      }
      return t.data[j]!
    }
  }),
  HardSigmoid: <V>(ctx: LowerContext<V>, node: OnnxNode) => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const a = typeof node.attributes.alpha === 'number' ? node.attributes.alpha : 0.2
    const b = typeof node.attributes.beta === 'number' ? node.attributes.beta : 0.5
    return [q({ dims: x.dims, scale: ctx.s, data: hardSigmoid(ctx, node, x, a, b) })]
  },
  HardSwish: <V>(ctx: LowerContext<V>, node: OnnxNode) => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const h = hardSigmoid(ctx, node, x, 1 / 6, 0.5)
    const data = x.data.map((v, i) => ctx.alg.rescale(ctx.alg.mul(v, h[i]!, `${node.name}[${i}] product`), ctx.s, ctx.B, `${node.name}[${i}]`))
    return [q({ dims: x.dims, scale: ctx.s, data })]
  },
  TopK: topk,
  ArgMax: argExtreme(false),
  ArgMin: argExtreme(true),
  ReduceMax: reduceExtreme(false),
  ReduceMin: reduceExtreme(true),
}
