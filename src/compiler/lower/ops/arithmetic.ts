import { attrInt, broadcastIndices, broadcastShape, einsumPlan, matmulShapes, normAxis, reduceAxes, reduceGroups, strides } from '../../onnx/ops/index.ts'
import type { OnnxNode, Tensor } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { castComputed } from './quantize.ts'
import { divComputed } from './nonlinear.ts'
import { commonScale, foldNode, q, refuse, zipBroadcast } from './shared.ts'

const num = (node: OnnxNode, name: string, dflt: number) => (typeof node.attributes[name] === 'number' ? (node.attributes[name] as number) : dflt)

/**
 * x·y of two computed tensors (broadcast): one product each, then one rescale back to s. A product
 * with a proved boolean or an exact integer at scale 0 needs no rescale at all.
 * Cost per element: 1 + (s + B + 1), or 1 when one side is at scale 0.
 *
 * @example
 * ```ts
 * const y = mulComputed(ctx, node) // node: Mul of two computed tensors
 * ```
 */
export function mulComputed<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V> {
  const [a, b] = [0, 1].map((i) => {
    const v = ctx.get(node, i)
    if (v.kind === 'const') return { dims: v.t.dims, scale: ctx.s, data: Array.from(v.t.data, (x) => ctx.alg.constant(ctx.quant(x, ctx.s))) } as QTensor<V>
    return v.t.scale === 0 ? v.t : ctx.atScale(v.t, ctx.s, node.name)
  }) as [QTensor<V>, QTensor<V>]
  const prodScale = a.scale + b.scale
  const target = prodScale === 0 ? 0 : ctx.s
  const out = zipBroadcast(node, [a, b], ([x, y], i) => {
    const p = ctx.alg.mul(x!, y!, `${node.name}[${i}] product`)
    return prodScale > target ? ctx.alg.rescale(p, prodScale - target, ctx.B, `${node.name}[${i}]`) : p
  })
  return q({ ...out, scale: target })
}

/** Σ coeffs·xs (reals) rescaled to s: one rescale; the coefficients are free. */
function weighted<V>(ctx: LowerContext<V>, xs: V[], coeffs: number[], what: string): V {
  return ctx.alg.rescale(ctx.alg.affine(xs, coeffs.map((c) => ctx.quant(c, ctx.s)), 0n), ctx.s, ctx.B, what)
}

function div<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const d = ctx.get(node, 1)
  if (d.kind !== 'const') {
    if (d.t.scale === 0 && (ctx.get(node, 0).t as { scale?: number }).scale === 0)
      throw refuse(node, 'integer division of computed tensors.', `expected real-valued operands (ONNX truncates integer quotients; not supported), got "${node.inputs[0]}" and "${node.inputs[1]}" at scale 1`)
    return divComputed(ctx, node)
  }
  if (d.t.data.some((x) => x === 0)) throw refuse(node, 'division by zero.', `expected a non-zero divisor, got 0 in "${node.inputs[1]}"`)
  // Division by a constant is a multiplication by its reciprocal, quantized, and a proved rescale.
  const x = ctx.activation(node, 0)
  const dims = broadcastShape(node, x.dims, d.t.dims)
  const ix = broadcastIndices(x.dims, dims)
  const id = broadcastIndices(d.t.dims, dims)
  const data = Array.from(ix, (k, i) => weighted(ctx, [x.data[k]!], [1 / d.t.data[id[i]!]!], `${node.name}[${i}]`))
  return [q({ dims, scale: ctx.s, data })]
}

function nary(mean: boolean): OpLowering {
  return <W>(ctx: LowerContext<W>, node: OnnxNode): LValue<W>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const idx = node.inputs.map((_, i) => i).filter((i) => ctx.has(node, i))
    const ts = mean ? idx.map((i) => ctx.activation(node, i)) : commonScale(ctx, node, idx)
    const n = ts.length
    const out = zipBroadcast(node, ts, (xs, i) =>
      mean ? weighted(ctx, xs, xs.map(() => 1 / n), `${node.name}[${i}]`) : ctx.alg.affine(xs, xs.map(() => 1n), 0n),
    )
    return [q({ ...out, scale: ts[0]!.scale })]
  }
}

function reduceLinear(kind: 'sum' | 'mean' | 'sumsq'): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const v = ctx.get(node, 0)
    const x = kind === 'sum' && v.kind === 'q' ? v.t : ctx.activation(node, 0)
    const axesIn = ctx.has(node, 1) ? ctx.constOperand(node, 1, 'axes') : undefined
    const { dims, groups } = reduceGroups(x.dims, reduceAxes(node, [undefined, axesIn], x.dims.length), attrInt(node, 'keepdims', 1) === 1)
    const data = groups.map((g, i) => {
      const xs = g.map((k) => x.data[k]!)
      if (kind === 'sum') return ctx.alg.affine(xs, xs.map(() => 1n), 0n)
      if (kind === 'mean') return weighted(ctx, xs, xs.map(() => 1 / g.length), `${node.name}[${i}]`)
      const sq = xs.map((e, k) => ctx.alg.mul(e, e, `${node.name}[${i}] square ${k}`))
      return ctx.alg.rescale(ctx.alg.affine(sq, sq.map(() => 1n), 0n), x.scale, ctx.B, `${node.name}[${i}]`)
    })
    return [q({ dims, scale: x.scale, data })]
  }
}

function cumsum<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const ax = normAxis(node, ctx.constOperand(node, 1, 'axis').data[0]!, x.dims.length)
  const excl = attrInt(node, 'exclusive', 0) === 1
  const rev = attrInt(node, 'reverse', 0) === 1
  const st = strides(x.dims)[ax]!
  const n = x.dims[ax]!
  const data = x.data.map((_, i) => {
    const c = Math.floor(i / st) % n
    const xs: V[] = []
    for (let k = 0; k < n; k++) if (rev ? (excl ? k > c : k >= c) : excl ? k < c : k <= c) xs.push(x.data[i + (k - c) * st]!)
    return ctx.alg.affine(xs, xs.map(() => 1n), 0n)
  })
  return [q({ dims: x.dims, scale: x.scale, data })]
}

/** An operand of a matrix product: constant reals or quantized values, with a transpose applied. */
type Operand<V> = { dims: number[]; c?: Float64Array; v?: V[] }

function operand<V>(ctx: LowerContext<V>, node: OnnxNode, i: number, trans: boolean): Operand<V> {
  const x = ctx.get(node, i)
  const base: Operand<V> = x.kind === 'const' ? { dims: x.t.dims, c: x.t.data } : { dims: x.t.dims, v: ctx.activation(node, i).data }
  if (!trans) return base
  if (base.dims.length !== 2) throw refuse(node, 'transposed operand is not 2-D.', `expected a 2-D input ${i}, got [${base.dims}]`)
  const [r, c] = base.dims as [number, number]
  const perm = Array.from({ length: r * c }, (_, k) => (k % r) * c + Math.floor(k / r))
  return { dims: [c, r], ...(base.c ? { c: Float64Array.from(perm, (k) => base.c![k]!) } : { v: perm.map((k) => base.v![k]!) }) }
}

/**
 * General (batched, broadcast) matrix product alpha·A·B + beta·C where any of A, B, C may be
 * computed. A product of two computed values is one constraint; constants are coefficients; the
 * sum is rescaled once to s (twice the scale when alpha ≠ 1 multiplies two computed operands).
 */
function matmulGeneral<V>(ctx: LowerContext<V>, node: OnnxNode, A: Operand<V>, Bm: Operand<V>, alpha: number, C: LValue<V> | undefined, beta: number, gemm: boolean): LValue<V> {
  const { s, alg } = ctx
  const { M, K, N, batch, ia, ib, dims } = matmulShapes(node, A.dims, Bm.dims)
  const bothQ = !!A.v && !!Bm.v
  const accScale = bothQ && alpha !== 1 ? 3 * s : 2 * s
  const out: V[] = []
  const cq = C && C.kind === 'q' ? ctx.atScale(C.t, s, `${node.name} C`) : undefined
  const cIdx = C ? broadcastIndices(C.t.dims, dims) : undefined
  for (let t = 0; t < batch; t++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        const xs: V[] = []
        const cs: bigint[] = []
        for (let k = 0; k < K; k++) {
          const ai = ia[t]! * M * K + m * K + k
          const bi = ib[t]! * K * N + k * N + n
          if (bothQ) {
            xs.push(alg.mul(A.v![ai]!, Bm.v![bi]!, `${node.name}[${out.length}] product ${k}`))
            cs.push(alpha === 1 ? 1n : ctx.quant(alpha, s))
          } else if (A.v) {
            xs.push(A.v[ai]!)
            cs.push(ctx.quant(alpha * Bm.c![bi]!, s))
          } else if (Bm.v) {
            xs.push(Bm.v[bi]!)
            cs.push(ctx.quant(alpha * A.c![ai]!, s))
          }
        }
        let bias = 0n
        const o = out.length
        if (C && C.kind === 'const') bias = ctx.quant(beta * C.t.data[cIdx![o]!]!, accScale)
        if (cq) {
          xs.push(cq.data[cIdx![o]!]!)
          cs.push(ctx.quant(beta, accScale - s))
        }
        out.push(alg.rescale(alg.affine(xs, cs, bias), accScale - s, ctx.B, `${node.name}[${o}]`))
      }
  if (gemm && dims.length !== 2) throw refuse(node, 'expected 2-D operands.', `got A [${A.dims}] and B [${Bm.dims}]`)
  return q({ dims, scale: s, data: out })
}

/** MatMul where the fast path (computed × constant 2-D) does not apply. @example matmul(ctx, node)[0] */
export function matmul<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  return [matmulGeneral(ctx, node, operand(ctx, node, 0, false), operand(ctx, node, 1, false), 1, undefined, 1, false)]
}

/** Gemm with computed B or C (or a constant A), every attribute honoured. @example gemm(ctx, node)[0] */
export function gemm<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const A = operand(ctx, node, 0, attrInt(node, 'transA', 0) === 1)
  const Bm = operand(ctx, node, 1, attrInt(node, 'transB', 0) === 1)
  if (A.dims.length !== 2 || Bm.dims.length !== 2) throw refuse(node, 'expected 2-D operands.', `got A [${A.dims}] and B [${Bm.dims}]`)
  const C = ctx.has(node, 2) ? ctx.get(node, 2) : undefined
  return [matmulGeneral(ctx, node, A, Bm, num(node, 'alpha', 1), C, num(node, 'beta', 1), true)]
}

function neg<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const v = ctx.get(node, 0) as { kind: 'q'; t: QTensor<V> }
  return [q({ dims: v.t.dims, scale: v.t.scale, data: v.t.data.map((x) => ctx.alg.affine([x], [-1n], 0n)) })]
}

/** Cast of a computed tensor: to float keeps the exact value (an int or bool at scale 0 stays so). */
function cast<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const v = ctx.get(node, 0) as { kind: 'q'; t: QTensor<V> }
  const to = node.opType === 'CastLike' ? ctx.get(node, 1).t : undefined
  const target = to ? ((to as Tensor).dtype ?? 'float') : [9].includes(attrInt(node, 'to', 1)) ? 'bool' : [2, 3, 4, 5, 6, 7, 12, 13].includes(attrInt(node, 'to', 1)) ? 'int' : 'float'
  if (target === 'float') return [v]
  if (v.t.boolean || (target === 'int' && v.t.scale === 0)) return [v]
  // a real to an integer truncates toward zero (proved); to bool it is x ≠ 0 (proved)
  return castComputed(ctx, node, v.t, target)
}

/**
 * x^n for a constant whole exponent n (0…16): n − 1 products, each rescaled back to s.
 * Cost per element: (n − 1)·(1 + s + B + 1).
 */
function pow<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const e = ctx.get(node, 1)
  const n = e.kind === 'const' && e.t.data.length === 1 ? e.t.data[0]! : NaN
  if (!Number.isInteger(n) || n < 0 || n > 16)
    throw refuse(node, 'the exponent is not a constant whole number in 0…16.', `expected a one-element constant exponent in 0…16, got ${e.kind === 'const' ? `[${Array.from(e.t.data)}]` : 'a computed tensor'}`)
  const x = ctx.activation(node, 0)
  const data = x.data.map((v, i) => {
    if (n === 0) return ctx.alg.constant(1n << BigInt(ctx.s))
    let acc = v
    for (let k = 1; k < n; k++) acc = ctx.alg.rescale(ctx.alg.mul(acc, v, `${node.name}[${i}] power ${k + 1}`), ctx.s, ctx.B, `${node.name}[${i}] power ${k + 1}`)
    return acc
  })
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/**
 * Einsum: each output is a sum of terms, each a product over the operands. Constants become
 * coefficients; one computed operand is a linear combination (rescaled when a constant multiplies it);
 * two computed operands cost one product per term. At most two computed operands.
 */
function einsum<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const vals = node.inputs.map((_, i) => ctx.get(node, i))
  const qIdx = vals.flatMap((v, i) => (v.kind === 'q' ? [i] : []))
  if (qIdx.length > 2) throw refuse(node, 'more than two computed operands.', `expected at most two computed operands, got ${qIdx.length}`)
  const qs = new Map(qIdx.map((i) => [i, ctx.activation(node, i)]))
  const { dims, terms } = einsumPlan(node, vals.map((v) => v.t.dims))
  const hasConst = vals.length > qIdx.length
  const { alg, s } = ctx
  const data = terms.map((term, o) => {
    const xs: V[] = []
    const cs: bigint[] = []
    for (const idx of term) {
      let c = 1
      idx.forEach((k, i) => {
        if (vals[i]!.kind === 'const') c *= (vals[i]!.t as Tensor).data[k]!
      })
      const ops = qIdx.map((i) => qs.get(i)!.data[idx[i]!]!)
      xs.push(ops.length === 2 ? alg.mul(ops[0]!, ops[1]!, `${node.name}[${o}] product`) : ops[0]!)
      cs.push(hasConst ? ctx.quant(c, s) : 1n)
    }
    const accScale = qIdx.length * s + (hasConst ? s : 0)
    const acc = alg.affine(xs, cs, 0n)
    return accScale > s ? alg.rescale(acc, accScale - s, ctx.B, `${node.name}[${o}]`) : acc
  })
  return [q({ dims, scale: s, data })]
}

/** Arithmetic beyond the original ops, by op type. */
export const arithmeticOps: Record<string, OpLowering> = {
  Div: div,
  Neg: neg,
  Sum: nary(false),
  Mean: nary(true),
  ReduceSum: reduceLinear('sum'),
  ReduceMean: reduceLinear('mean'),
  ReduceSumSquare: reduceLinear('sumsq'),
  CumSum: cumsum,
  Pow: pow,
  Einsum: einsum,
  Cast: cast,
  CastLike: cast,
}
