import { piecewiseFit, piecewiseScale, type PiecewiseSpec, type PiecewiseTable } from '../../circuit/gadgets/piecewise.ts'
import { attrInt, attrString, broadcastIndices, broadcastShape, erf, normAxis, reduceAxes, reduceGroups } from '../../onnx/ops/index.ts'
import type { OnnxNode } from '../../onnx/index.ts'
import type { Algebra, QTensor } from '../Algebra.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { maxOf } from './compare.ts'
import { foldNode, q, refuse } from './shared.ts'

const num = (node: OnnxNode, name: string, dflt: number) => (typeof node.attributes[name] === 'number' ? (node.attributes[name] as number) : dflt)
const log2ceil = (n: number) => Math.max(0, Math.ceil(Math.log2(n)))

/** What a proved elementwise function is: the real function and the fit's domain and lines. */
type FnSpec = Omit<PiecewiseSpec, 's' | 'B'>

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)))
const SQRT_2_PI = Math.sqrt(2 / Math.PI)

/**
 * The piecewise fits of each elementwise function (degree 2, 2^m segments over [-2^e, 2^e) in real
 * units, lines outside). Documented errors (docs/circuits.md) come from these choices; the unit test
 * `nonlinear.test.ts` measures them exhaustively at s = 8.
 *
 * @example
 * ```ts
 * FUNCTIONS.Tanh!(node).e // 3: the fit covers [-8, 8), ±1 outside
 * ```
 */
export const FUNCTIONS: Readonly<Record<string, (node: OnnxNode, B: number, s: number) => FnSpec>> = {
  Exp: (_n, B, s) => {
    // exp(2^e) must overflow the output's B bits, so clamping above the domain never shows
    const e = Math.max(3, log2ceil((B - 1 - s) * Math.LN2 + 1))
    return { f: Math.exp, e, m: e + 3, degree: 2, below: { slope: 0, intercept: 0 }, above: { slope: 0, intercept: Math.exp(2 ** e) } }
  },
  Tanh: () => ({ f: Math.tanh, e: 3, m: 6, degree: 2, below: { slope: 0, intercept: -1 }, above: { slope: 0, intercept: 1 } }),
  Erf: () => ({ f: erf, e: 2, m: 5, degree: 2, below: { slope: 0, intercept: -1 }, above: { slope: 0, intercept: 1 } }),
  Gelu: (node) => ({
    f: attrString(node, 'approximate', 'none') === 'tanh'
      ? (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3)))
      : (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    e: 3, m: 6, degree: 2, below: { slope: 0, intercept: 0 }, above: { slope: 1, intercept: 0 },
  }),
  Softplus: () => ({ f: softplus, e: 4, m: 6, degree: 2, below: { slope: 0, intercept: 0 }, above: { slope: 1, intercept: 0 } }),
  Elu: (node) => {
    const a = num(node, 'alpha', 1)
    return { f: (x) => (x >= 0 ? x : a * Math.expm1(x)), e: 3, m: 6, degree: 2, below: { slope: 0, intercept: -a }, above: { slope: 1, intercept: 0 } }
  },
  Selu: (node) => {
    const a = num(node, 'alpha', 1.6732631921768188)
    const g = num(node, 'gamma', 1.0507010221481323)
    return { f: (x) => (x > 0 ? g * x : g * a * Math.expm1(x)), e: 3, m: 6, degree: 2, below: { slope: 0, intercept: -g * a }, above: { slope: g, intercept: 0 } }
  },
  Celu: (node) => {
    const a = num(node, 'alpha', 1)
    const e = Math.max(1, log2ceil(8 * a))
    return { f: (x) => Math.max(0, x) + Math.min(0, a * Math.expm1(x / a)), e, m: e + 3, degree: 2, below: { slope: 0, intercept: -a }, above: { slope: 1, intercept: 0 } }
  },
  Mish: () => ({ f: (x) => x * Math.tanh(softplus(x)), e: 4, m: 7, degree: 2, below: { slope: 0, intercept: 0 }, above: { slope: 1, intercept: 0 } }),
  // opset 24: x·σ(αx). The domain [-16/|α|, 16/|α|) keeps the saturated side below 16·e^-16; |α| < 1/2 would
  // need more than 2^8 segments for the same error and is refused
  Swish: (node) => {
    const a = num(node, 'alpha', 1)
    if (!(Math.abs(a) >= 0.5 && Number.isFinite(a))) throw refuse(node, 'Swish with |alpha| < 0.5 is not supported.', `expected |alpha| ≥ 0.5 (the table would need more than 256 segments), got ${a}`)
    const e = Math.max(2, log2ceil(16 / Math.abs(a)))
    const zero = { slope: 0, intercept: 0 }
    const id = { slope: 1, intercept: 0 }
    return { f: (x) => x / (1 + Math.exp(-a * x)), e, m: e + 3, degree: 2, below: a > 0 ? zero : id, above: a > 0 ? id : zero }
  },
}

/**
 * The compile-time table of a function for input scale s and activation bits B (cached: a model's
 * elementwise nodes share it).
 *
 * @example
 * ```ts
 * const t = functionTable('Tanh', node, 8, 16)
 * ```
 */
export function functionTable(op: string, node: OnnxNode, s: number, B: number): PiecewiseTable {
  const spec = FUNCTIONS[op]!(node, B, s)
  const key = `${op}|${s}|${B}|${JSON.stringify(node.attributes)}`
  let t = cache.get(key)
  if (!t) {
    t = piecewiseFit({ ...spec, s, B })
    cache.set(key, t)
  }
  return t
}
const cache = new Map<string, PiecewiseTable>()

/** An elementwise function: the piecewise gadget on each value (its range check reused), rescaled back to s. */
function elementwise(op: string): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const table = functionTable(op, node, ctx.s, ctx.B)
    const T = piecewiseScale(table)
    const data = x.data.map((v, i) => ctx.alg.rescale(ctx.alg.piecewise(v, table, ctx.B, `${node.name}[${i}]`), T - ctx.s, ctx.B, `${node.name}[${i}] rescale`))
    return [q({ dims: x.dims, scale: ctx.s, data })]
  }
}

/** Softmax's exp table: exp on [-2^(e+1), 0] (u = x − max + 2^e, decomposed to B + 1 bits), 1 at the top. */
export const SOFTMAX_E = 2
function softmaxTable(s: number, B: number): PiecewiseTable {
  const key = `softmax|${s}|${B}`
  let t = cache.get(key)
  if (!t) {
    t = piecewiseFit({ f: Math.exp, s, B: B + 1, e: SOFTMAX_E, m: SOFTMAX_E + 4, degree: 2, center: -(2 ** SOFTMAX_E), below: { slope: 0, intercept: 0 }, above: { slope: 0, intercept: 1 } })
    cache.set(key, t)
  }
  return t
}

/** The groups along one axis (opset ≥ 13) or over the flattened trailing axes (opset < 13). */
function axisGroups(dims: readonly number[], axes: number[]): number[][] {
  const inner = new Set(axes)
  const size = dims.reduce((a, b) => a * b, 1)
  const strides: number[] = []
  let acc = 1
  for (let d = dims.length - 1; d >= 0; d--) {
    strides[d] = acc
    acc *= dims[d]!
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < size; i++) {
    let key = 0
    for (let d = 0; d < dims.length; d++) if (!inner.has(d)) key = key * dims[d]! + (Math.floor(i / strides[d]!) % dims[d]!)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = []))
    g.push(i)
  }
  return [...groups.values()]
}

/** Softmax's axis (opset ≥ 13 semantics: one axis, default −1; the float evaluator uses the same). */
function softmaxAxes(node: OnnxNode, rank: number): number[] {
  return [normAxis(node, attrInt(node, 'axis', -1), rank)]
}

/**
 * The max-subtracted exponentials of each softmax group (Softmax and LogSoftmax share them): a proved
 * max, e_i = exp(x_i − max) by the piecewise gadget on [-8, 0] (0 below; u = x − max + 4·2^s is
 * range-checked to B + 1 bits), the sum free. The max element's e is exactly 1 (the table's `above`
 * line), so Σ ≥ 2^T.
 */
function softmaxGroups<V>(ctx: LowerContext<V>, node: OnnxNode, x: QTensor<V>): Array<{ g: number[]; max: V; ex: V[]; sum: V; T: number }> {
  const { alg, s, B } = ctx
  const legacyAxis = normAxis(node, attrInt(node, 'axis', 1), x.dims.length)
  if ((ctx.opset ?? 13) < 13 && x.dims.slice(legacyAxis + 1).some((d) => d !== 1))
    throw refuse(node, `opset < 13 ${node.opType} over several flattened axes is not supported.`, `expected opset ≥ 13, or an axis with only size-1 dimensions after it; got axis ${legacyAxis} of [${x.dims}] at opset ${ctx.opset}`)
  const table = softmaxTable(s, B)
  const T = piecewiseScale(table)
  const axes = (ctx.opset ?? 13) < 13 ? [legacyAxis] : softmaxAxes(node, x.dims.length)
  return axisGroups(x.dims, axes).map((g) => {
    let m: V = x.data[g[0]!]!
    for (let k = 1; k < g.length; k++) m = maxOf(ctx, x.data[g[k]!]!, m, `${node.name}[${g[k]}] max`)
    const shift = 1n << BigInt(SOFTMAX_E + s)
    const ex = g.map((i) => alg.piecewise(alg.affine([x.data[i]!, m], [1n, -1n], shift), table, B + 1, `${node.name}[${i}] exp`))
    return { g, max: m, ex, sum: alg.affine(ex, ex.map(() => 1n), 0n), T }
  })
}

/**
 * Softmax on any axis: max-subtracted (proved maxima), exp by the piecewise gadget on [-8, 0]
 * (0 below), the sum free, then each value a proved rounded division by the sum (the sum's
 * positivity is proved by the division's remainder bounds). Output at scale s.
 */
function softmax<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const { alg, s } = ctx
  const x = ctx.activation(node, 0)
  const out: V[] = new Array(x.data.length)
  for (const { g, ex, sum, T } of softmaxGroups(ctx, node, x)) {
    const dBits = T + log2ceil(g.length) + 3
    g.forEach((i, k) => {
      out[i] = alg.divRound(alg.affine([ex[k]!], [1n << BigInt(s)], 0n), sum, { dBits, qBits: s + 3, positive: true }, `${node.name}[${i}]`)
    })
  }
  return [q({ dims: x.dims, scale: s, data: out })]
}

/**
 * LogSoftmax on any axis: x_i − max − ln Σ_j exp(x_j − max), the max and the exponentials as
 * Softmax's, the logarithm of the sum (≥ 1, at scale 2^T) once per group by `logOf`, the rest free.
 */
function logSoftmax<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const { alg, s, B } = ctx
  const x = ctx.activation(node, 0)
  const out: V[] = new Array(x.data.length)
  for (const { g, max, sum, T } of softmaxGroups(ctx, node, x)) {
    // Σ ∈ [2^T, n·2^T·(1 + 1e-3)]
    const lse = logOf(alg, sum, { inScale: T, B: T + log2ceil(g.length) + 2, s, outB: B, what: `${node.name}[${g[0]}] log Σ exp` })
    for (const i of g) out[i] = alg.affine([x.data[i]!, max, lse], [1n, -1n, -1n], 0n)
  }
  return [q({ dims: x.dims, scale: s, data: out })]
}

/**
 * Log's mantissa table: 2^LOG_M segments of [1, 2), coefficients at 2^(s + LOG_T).
 *
 * @example
 * ```ts
 * logTable(8, 15).C0.length === 2 ** LOG_M // true
 * ```
 */
export const LOG_M = 4
/** The coefficients' extra bits over s (their rounding adds ≤ 1.5·2^-(s+LOG_T)). @example logTable(8, 15).t === 8 + LOG_T */
export const LOG_T = 6

/**
 * The table of ln m on the mantissa m ∈ [1, 2) of a value normalised to n bits (u = m·2^(n−1) − 3·2^(n−2),
 * n − 1 signed bits: every input in the domain, no saturation), for an output scale s. Cached.
 *
 * @example
 * ```ts
 * const t = logTable(8, 15) // ln on [1, 2), 16 segments, value at scale 2^piecewiseScale(t)
 * ```
 */
export function logTable(s: number, n: number, segBits = LOG_M, t = s + LOG_T): PiecewiseTable {
  const key = `log|${s}|${n}|${segBits}|${t}`
  let table = cache.get(key)
  if (!table) {
    const none = { slope: 0, intercept: 0 }
    table = piecewiseFit({ f: Math.log, s: n - 1, B: n - 1, e: -1, m: segBits, degree: 2, center: 1.5, t, below: none, above: none })
    cache.set(key, table)
  }
  return table
}

/**
 * Proved natural logarithm of a positive value x at scale 2^inScale, range-checked to B bits (its bits
 * reused): x = 2^k·m with k proved by `normalizePow2` (x ≤ 0 has no witness), then
 * ln x − inScale·ln 2 = Σ o_k·round((k − inScale)·ln 2·2^T) (free: o is the proved one-hot of k)
 * + ln m (`logTable`, the piecewise gadget on the mantissa's own bits), rescaled from 2^T to 2^s and
 * range-checked to outB bits. Cost: 2B − 3 (normalisation) + the table's live monomials + 2 + a
 * rescale of T − s bits (T = s + LOG_T + 2·(B − 2 − LOG_M)) + outB + 1.
 *
 * @example
 * ```ts
 * const y = logOf(ctx.alg, v, { inScale: 8, B: 16, s: 8, outB: 16, what: 'log[0]' }) // ln(v/2^8) at 2^8
 * ```
 */
export function logOf<V>(alg: Algebra<V>, x: V, o: { inScale: number; B: number; s: number; outB: number; what: string; segBits?: number }): V {
  const n = o.B - 1
  const { onehot, mantissa } = alg.normalize(x, o.B, o.what)
  const table = logTable(o.s, n, o.segBits ?? LOG_M)
  const T = piecewiseScale(table)
  const lnm = alg.piecewise(mantissa, table, n - 1, `${o.what}: ln mantissa`)
  const L = onehot.map((_, k) => BigInt(Math.round((k - o.inScale) * Math.LN2 * 2 ** T)))
  return alg.rescale(alg.affine([...onehot, lnm], [...L, 1n], 0n), T - o.s, o.outB, `${o.what} rescale`)
}

/** Log: ln x at scale s for x > 0 (a quantized x ≤ 0, i.e. x < 2^-(s+1), has no witness), `logOf` per element. */
function log<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const data = x.data.map((v, i) => logOf(ctx.alg, v, { inScale: ctx.s, B: ctx.B, s: ctx.s, outB: ctx.B, what: `${node.name}[${i}]` }))
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/**
 * Normalization of groups with constant scale γ and bias β per element: with n values, D_i = n·x_i − Σx
 * (exact, free) and Q = Σ D_i² (n products), the result γ·(x − μ)/√(var + ε) + β is
 * γ·D_i·√n / √(Q + n³·2^(2s)·ε) + β: a proved square root R = ⌊√((Q + ε')·2^(2j))⌋ once per group,
 * then one proved rounded division per element, D_i·round(γ_i·√n·2^(s+j)) / R, plus β (free).
 */
const NORM_J = 4
function normalizeGroups<V>(ctx: LowerContext<V>, node: OnnxNode, x: QTensor<V>, groups: number[][], gamma: (i: number) => number, beta: (i: number) => number, eps: number): V[] {
  const { alg, s, B } = ctx
  const out: V[] = new Array(x.data.length)
  for (const g of groups) {
    const n = g.length
    const xs = g.map((i) => x.data[i]!)
    const S = alg.affine(xs, xs.map(() => 1n), 0n)
    const D = xs.map((v) => alg.affine([v, S], [BigInt(n), -1n], 0n))
    // Q = Σ (n·x_k − S)² = n·(n·Σ x_k² − S²): n + 1 products of short combinations
    const squares = xs.map((v, k) => alg.mul(v, v, `${node.name}[${g[k]}] square`))
    const Q = alg.affine([...squares, alg.mul(S, S, `${node.name}[${g[0]}] sum²`)], [...squares.map(() => BigInt(n * n)), -BigInt(n)], 0n)
    const epsQ = BigInt(Math.max(1, Math.round(n ** 3 * 2 ** (2 * s) * eps)))
    const yBits = B + Math.ceil(1.5 * log2ceil(n)) + NORM_J + 3
    const R = alg.sqrtFloor(alg.affine([Q], [1n << BigInt(2 * NORM_J)], epsQ << BigInt(2 * NORM_J)), yBits, `${node.name}[${g[0]}] std`)
    g.forEach((i, k) => {
      const K = BigInt(Math.round(gamma(i) * Math.sqrt(n) * 2 ** (s + NORM_J)))
      const y = alg.divRound(alg.affine([D[k]!], [K], 0n), R, { dBits: yBits + 1, qBits: B + 1, positive: true }, `${node.name}[${i}]`)
      out[i] = alg.affine([y], [1n], ctx.quant(beta(i), s))
    })
  }
  return out
}

function layerNorm<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  if (node.outputs.slice(1).some((o) => o)) throw refuse(node, 'the Mean and InvStdDev outputs are not supported.', 'expected only the output Y to be used')
  const x = ctx.activation(node, 0)
  const axis = normAxis(node, attrInt(node, 'axis', -1), x.dims.length)
  const inner = x.dims.slice(axis)
  const sc = ctx.constOperand(node, 1, 'Scale')
  const bi = ctx.has(node, 2) ? ctx.constOperand(node, 2, 'B') : undefined
  const innerSize = inner.reduce((a, b) => a * b, 1)
  const full = broadcastShape(node, inner, sc.dims)
  if (full.length !== inner.length || full.some((d, i) => d !== inner[i])) throw refuse(node, 'Scale does not broadcast to the normalized shape.', `expected a shape broadcastable to [${inner}], got [${sc.dims}]`)
  const si = broadcastIndices(sc.dims, inner)
  const bIdx = bi ? broadcastIndices(bi.dims, broadcastShape(node, inner, bi.dims)) : undefined
  const groups = axisGroups(x.dims, Array.from({ length: x.dims.length - axis }, (_, i) => axis + i))
  const data = normalizeGroups(ctx, node, x, groups, (i) => sc.data[si[i % innerSize]!]!, (i) => (bi ? bi.data[bIdx![i % innerSize]!]! : 0), num(node, 'epsilon', 1e-5))
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

function instanceNorm<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  if (x.dims.length < 3) throw refuse(node, 'expected an input [N, C, D1, …].', `got [${x.dims}]`)
  const sc = ctx.constOperand(node, 1, 'scale')
  const bi = ctx.constOperand(node, 2, 'B')
  const C = x.dims[1]!
  const inner = x.dims.slice(2).reduce((a, b) => a * b, 1)
  const ch = (i: number) => Math.floor(i / inner) % C
  const groups = axisGroups(x.dims, Array.from({ length: x.dims.length - 2 }, (_, i) => i + 2))
  const data = normalizeGroups(ctx, node, x, groups, (i) => sc.data[ch(i)]!, (i) => bi.data[ch(i)]!, num(node, 'epsilon', 1e-5))
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/** ReduceL2: the squares summed exactly at scale 2s, then a proved floor square root at scale s. */
function reduceL2<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const axesIn = ctx.has(node, 1) ? ctx.constOperand(node, 1, 'axes') : undefined
  const { dims, groups } = reduceGroups(x.dims, reduceAxes(node, [undefined, axesIn], x.dims.length), attrInt(node, 'keepdims', 1) === 1)
  const data = groups.map((g, i) => {
    const sq = g.map((k) => ctx.alg.mul(x.data[k]!, x.data[k]!, `${node.name}[${i}] square`))
    return ctx.alg.sqrtFloor(ctx.alg.affine(sq, sq.map(() => 1n), 0n), ctx.B + Math.ceil(log2ceil(g.length) / 2) + 1, `${node.name}[${i}]`)
  })
  return [q({ dims, scale: ctx.s, data })]
}

/** Sqrt: floor(√(x·2^s)) at scale s, proved; a negative input has no witness. */
function sqrt<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const yBits = Math.ceil((ctx.B + ctx.s) / 2) + 1
  const data = x.data.map((v, i) => ctx.alg.sqrtFloor(ctx.alg.affine([v], [1n << BigInt(ctx.s)], 0n), yBits, `${node.name}[${i}]`))
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/** Reciprocal: round(2^(2s) / x) at scale s, a proved division; x = 0 has no witness. */
function reciprocal<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const x = ctx.activation(node, 0)
  const one = ctx.alg.constant(1n << BigInt(2 * ctx.s))
  const data = x.data.map((v, i) => ctx.alg.divRound(one, v, { dBits: ctx.B, qBits: ctx.B }, `${node.name}[${i}]`))
  return [q({ dims: x.dims, scale: ctx.s, data })]
}

/**
 * Div by a computed divisor (#13): round(a·2^s / b) at scale s, broadcast; the divisor's sign from its
 * range check, b ≠ 0 proved. Integers at scale 0 are refused (ONNX truncates them; not supported).
 *
 * @example
 * ```ts
 * const [y] = divComputed(ctx, node)
 * ```
 */
export function divComputed<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const a = ctx.activation(node, 0)
  const d = ctx.activation(node, 1)
  const dims = broadcastShape(node, a.dims, d.dims)
  const ia = broadcastIndices(a.dims, dims)
  const id = broadcastIndices(d.dims, dims)
  const data = Array.from(ia, (k, i) =>
    ctx.alg.divRound(ctx.alg.affine([a.data[k]!], [1n << BigInt(ctx.s)], 0n), d.data[id[i]!]!, { dBits: ctx.B, qBits: ctx.B }, `${node.name}[${i}]`),
  )
  return [q({ dims, scale: ctx.s, data })]
}

/**
 * Sin/Cos: the reduced angle's table has 2^PERIODIC_M segments over [0, 8) (of which [0, 2π) is used).
 *
 * @example
 * ```ts
 * periodicTable('Sin', 8, 16).C0.length === 2 ** PERIODIC_M // true
 * ```
 */
export const PERIODIC_M = 5

/**
 * The range reduction's parameters for input scale s and activation bits B: x·2^s·2^g = q·C + r with
 * C = round(2π·2^(s+g)) (g = B − s extra bits, so q·|C − 2π·2^(s+g)| stays below 2^(g−2)), q in qBits.
 *
 * @example
 * ```ts
 * periodicParams(8, 16) // { g: 8, C: 411775n, qBits: 7 }
 * ```
 */
export function periodicParams(s: number, B: number): { g: number; C: bigint; qBits: number } {
  const g = Math.max(0, B - s)
  // |x| < 2^(B−1−s), so |q| ≤ 2^(B−1−s)/2π + 1 < 2^(B−s−2)
  return { g, C: BigInt(Math.round(2 * Math.PI * 2 ** (s + g))), qBits: Math.max(2, B - s - 1) }
}

/**
 * The table of sin or cos on the reduced angle θ = r/2^(s+g) ∈ [0, 2π), over [0, 8) (u = r − 4·2^(s+g),
 * every u in the domain: no saturation). Cached.
 *
 * @example
 * ```ts
 * const t = periodicTable('Sin', 8, 16)
 * ```
 */
export function periodicTable(op: 'Sin' | 'Cos', s: number, B: number, segBits = PERIODIC_M): PiecewiseTable {
  const key = `${op}|${s}|${B}|${segBits}`
  let table = cache.get(key)
  if (!table) {
    const { g, C } = periodicParams(s, B)
    const R = (C - 1n).toString(2).length // s + g + 3: 2π ∈ [4, 8)
    const none = { slope: 0, intercept: 0 }
    const fit = piecewiseFit({ f: op === 'Sin' ? Math.sin : Math.cos, s: s + g, B: R, e: R - 1 - s - g, m: segBits, degree: 2, center: 2 ** (R - 1 - s - g), below: none, above: none })
    // segments past 2π are never reached (r < C is proved): their rows are free, so choose them to zero
    // their own monomials (in increasing order each row fixes its own Möbius coefficient), which the
    // gadget then never emits
    const unreachable = (k: number) => BigInt(k) << BigInt(fit.w) >= C
    const [C0, C1, C2] = [fit.C0, fit.C1, fit.C2].map((col) => {
      const c = [...col]
      for (let S = 0; S < c.length; S++) {
        if (!unreachable(S)) continue
        let rest = 0n
        for (let T = (S - 1) & S; ; T = (T - 1) & S) {
          const sign = (popcount(S) - popcount(T)) % 2 === 0 ? 1n : -1n
          rest += sign * c[T]!
          if (T === 0) break
        }
        c[S] = -rest
      }
      return c
    }) as [bigint[], bigint[], bigint[]]
    table = { ...fit, C0, C1, C2 }
    cache.set(key, table)
  }
  return table
}

/**
 * Proved sin or cos of x at scale 2^s: x range-checked to B bits (reused when it has them), the range
 * reduction x·2^g = q·C + r (`reduceModConst`: hints checked, 0 ≤ r < C), the piecewise table on r's own
 * bits, rescaled to 2^s and range-checked to B bits. Cost: 1 + (qBits + 1) + 2·(R + 1) + the table's live
 * monomials + 2 + (T − s) + B + 1, R = s + g + 3 (+ B + 1 when x has no range check yet).
 *
 * @example
 * ```ts
 * const y = periodicOf(ctx.alg, 'Sin', v, { s: 8, B: 16, what: 'sin[0]' }) // sin(v/2^8) at 2^8
 * ```
 */
export function periodicOf<V>(alg: Algebra<V>, op: 'Sin' | 'Cos', x: V, o: { s: number; B: number; what: string; segBits?: number }): V {
  const { g, C, qBits } = periodicParams(o.s, o.B)
  const table = periodicTable(op, o.s, o.B, o.segBits ?? PERIODIC_M)
  // x must be a B-bit integer: x·2^g alone would let a fraction of 2^g through (free when x carries its range check)
  const xr = alg.rangeCheck(x, o.B, `${o.what} range`)
  const { u } = alg.reduceMod(alg.affine([xr], [1n << BigInt(g)], 0n), C, qBits, `${o.what} mod 2π`)
  const R = (C - 1n).toString(2).length
  return alg.rescale(alg.piecewise(u, table, R, o.what), piecewiseScale(table) - o.s, o.B, `${o.what} rescale`)
}

const popcount = (v: number) => v.toString(2).replaceAll('0', '').length

function periodic(op: 'Sin' | 'Cos'): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const x = ctx.activation(node, 0)
    const data = x.data.map((v, i) => periodicOf(ctx.alg, op, v, { s: ctx.s, B: ctx.B, what: `${node.name}[${i}]` }))
    return [q({ dims: x.dims, scale: ctx.s, data })]
  }
}

/** Proved nonlinear ops, by op type. */
export const nonlinearOps: Record<string, OpLowering> = {
  ...Object.fromEntries(Object.keys(FUNCTIONS).map((op) => [op, elementwise(op)])),
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  Log: log,
  Sin: periodic('Sin'),
  Cos: periodic('Cos'),
  LayerNormalization: layerNorm,
  InstanceNormalization: instanceNorm,
  ReduceL2: reduceL2,
  Sqrt: sqrt,
  Reciprocal: reciprocal,
}
