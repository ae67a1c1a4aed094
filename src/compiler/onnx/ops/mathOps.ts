import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrError, attrInt, broadcastIndices, broadcastShape, mapBroadcast, normAxis, reduceAxes, reduceGroups, shapeError, size, strides } from './helpers.ts'

const present = (ts: ReadonlyArray<Tensor | undefined>) => ts.filter((t): t is Tensor => t !== undefined)
const num = (node: OnnxNode, name: string, dflt: number) => {
  const v = node.attributes[name]
  return typeof v === 'number' ? v : dflt
}
const unary = (f: (x: number) => number, dtype?: Tensor['dtype']): FloatOp => (node, [t]) => [mapBroadcast(node, [t!], ([x]) => f(x!), dtype ?? t!.dtype)]
const binary = (f: (x: number, y: number) => number, dtype?: Tensor['dtype']): FloatOp => (node, [a, b]) =>
  [mapBroadcast(node, [a!, b!], ([x, y]) => f(x!, y!), dtype ?? (a!.dtype === b!.dtype ? a!.dtype : undefined))]
const nary = (f: (xs: number[]) => number): FloatOp => (node, ts) => [mapBroadcast(node, present(ts), f)]

/** Numpy matmul: 1-D operands promoted and dropped again, batch dimensions broadcast. */
export function matmulShapes(node: OnnxNode, ad: readonly number[], bd: readonly number[]) {
  const a2 = ad.length === 1 ? [1, ad[0]!] : [...ad]
  const b2 = bd.length === 1 ? [bd[0]!, 1] : [...bd]
  const [M, K] = a2.slice(-2) as [number, number]
  const [K2, N] = b2.slice(-2) as [number, number]
  if (K !== K2) throw shapeError(node, 'inner dimensions differ.', `expected the right-hand side to have ${K} rows for left [${ad}], got [${bd}]`)
  const batch = broadcastShape(node, a2.slice(0, -2), b2.slice(0, -2))
  const ia = broadcastIndices(a2.slice(0, -2), batch)
  const ib = broadcastIndices(b2.slice(0, -2), batch)
  const dims = [...batch, ...(ad.length === 1 ? [] : [M]), ...(bd.length === 1 ? [] : [N])]
  return { M, K, N, batch: size(batch), ia, ib, dims }
}

function matmul(node: OnnxNode, a: Tensor, b: Tensor): Tensor {
  const { M, K, N, batch, ia, ib, dims } = matmulShapes(node, a.dims, b.dims)
  const data = new Float64Array(batch * M * N)
  for (let t = 0; t < batch; t++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0
        for (let k = 0; k < K; k++) s += a.data[ia[t]! * M * K + m * K + k]! * b.data[ib[t]! * K * N + k * N + n]!
        data[(t * M + m) * N + n] = s
      }
  return { dims, data }
}

function reduce(f: (xs: number[]) => number, int = false): FloatOp {
  return (node, inputs) => {
    const t = inputs[0]!
    const { dims, groups } = reduceGroups(t.dims, reduceAxes(node, inputs, t.dims.length), attrInt(node, 'keepdims', 1) === 1)
    const out: Tensor = { dims, data: Float64Array.from(groups, (g) => f(g.map((i) => t.data[i]!))) }
    return [int ? { ...out, dtype: 'int' } : out]
  }
}

function argExtreme(sign: 1 | -1): FloatOp {
  return (node, [t]) => {
    const ax = normAxis(node, attrInt(node, 'axis', 0), t!.dims.length)
    const last = attrInt(node, 'select_last_index', 0) === 1
    const { dims, groups } = reduceGroups(t!.dims, [ax], attrInt(node, 'keepdims', 1) === 1)
    const data = Float64Array.from(groups, (g) => {
      let best = 0
      for (let k = 1; k < g.length; k++) {
        const d = sign * (t!.data[g[k]!]! - t!.data[g[best]!]!)
        if (d > 0 || (last && d === 0)) best = k
      }
      return best
    })
    return [{ dims, data, dtype: 'int' }]
  }
}

function clip(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const lo = inputs[1]?.data[0] ?? num(node, 'min', -Infinity)
  const hi = inputs[2]?.data[0] ?? num(node, 'max', Infinity)
  return { ...inputs[0]!, data: inputs[0]!.data.map((x) => Math.min(Math.max(x, lo), hi)) }
}

function cumsum(node: OnnxNode, t: Tensor, axisT: Tensor): Tensor {
  const ax = normAxis(node, axisT.data[0]!, t.dims.length)
  const excl = attrInt(node, 'exclusive', 0) === 1
  const rev = attrInt(node, 'reverse', 0) === 1
  const st = strides(t.dims)[ax]!
  const n = t.dims[ax]!
  const data = new Float64Array(t.data.length)
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / st) % n
    let s = 0
    for (let k = 0; k < n; k++) {
      const take = rev ? (excl ? k > c : k >= c) : excl ? k < c : k <= c
      if (take) s += t.data[i + (k - c) * st]!
    }
    data[i] = s
  }
  return { ...t, data }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const hardSigmoid = (node: OnnxNode, x: number) => Math.max(0, Math.min(1, num(node, 'alpha', 0.2) * x + num(node, 'beta', 0.5)))

/** Arithmetic, comparison, selection and reduction ops in float64 (bool results as 0/1). */
export const mathOps: Record<string, FloatOp> = {
  Div: (node, [a, b]) => [
    a!.dtype === 'int' && b!.dtype === 'int'
      ? mapBroadcast(node, [a!, b!], ([x, y]) => Math.trunc(x! / y!), 'int')
      : mapBroadcast(node, [a!, b!], ([x, y]) => x! / y!),
  ],
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Sign: unary(Math.sign),
  Reciprocal: unary((x) => 1 / x),
  Sqrt: unary(Math.sqrt),
  Exp: unary(Math.exp),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Pow: binary((x, y) => x ** y),
  Sum: nary(sum),
  Mean: nary((xs) => sum(xs) / xs.length),
  Max: nary((xs) => Math.max(...xs)),
  Min: nary((xs) => Math.min(...xs)),
  Clip: (node, i) => [clip(node, i)],
  LeakyRelu: (node, [t]) => [{ ...t!, data: t!.data.map((x) => (x >= 0 ? x : num(node, 'alpha', 0.01) * x)) }],
  PRelu: binary((x, a) => (x >= 0 ? x : a * x)),
  HardSigmoid: (node, [t]) => [{ ...t!, data: t!.data.map((x) => hardSigmoid(node, x)) }],
  HardSwish: (_node, [t]) => [{ ...t!, data: t!.data.map((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))) }],
  Less: binary((x, y) => +(x < y), 'bool'),
  LessOrEqual: binary((x, y) => +(x <= y), 'bool'),
  Greater: binary((x, y) => +(x > y), 'bool'),
  GreaterOrEqual: binary((x, y) => +(x >= y), 'bool'),
  Equal: binary((x, y) => +(x === y), 'bool'),
  Not: unary((x) => +!x, 'bool'),
  And: binary((x, y) => +(x !== 0 && y !== 0), 'bool'),
  Or: binary((x, y) => +(x !== 0 || y !== 0), 'bool'),
  Xor: binary((x, y) => +((x !== 0) !== (y !== 0)), 'bool'),
  Where: (node, [c, x, y]) => [mapBroadcast(node, [c!, x!, y!], ([p, q, r]) => (p ? q! : r!), x!.dtype === y!.dtype ? x!.dtype : undefined)],
  ReduceSum: reduce(sum),
  ReduceMean: reduce((xs) => sum(xs) / xs.length),
  ReduceSumSquare: reduce((xs) => sum(xs.map((x) => x * x))),
  ReduceMax: reduce((xs) => Math.max(...xs)),
  ReduceMin: reduce((xs) => Math.min(...xs)),
  ArgMax: argExtreme(1),
  ArgMin: argExtreme(-1),
  MatMul: (node, [a, b]) => [matmul(node, a!, b!)],
  CumSum: (node, [t, ax]) => [cumsum(node, t!, ax!)],
  // (x − zero point)·scale, per tensor or per axis: quantized weights in QDQ exports
  DequantizeLinear: (node, [x, sc, zp]) => {
    const t = x!
    const ax = sc!.data.length > 1 ? normAxis(node, attrInt(node, 'axis', 1), t.dims.length) : -1
    const inner = ax < 0 ? 1 : size(t.dims.slice(ax + 1))
    const c = (i: number) => (ax < 0 ? 0 : Math.floor(i / inner) % t.dims[ax]!)
    return [{ dims: t.dims, data: t.data.map((v, i) => (v - (zp ? zp.data[c(i)]! : 0)) * sc!.data[c(i)]!) }]
  },
}

/**
 * An Einsum equation's plan: for each output element (row-major), its terms, each the flat index into
 * every operand. Explicit (`ij,jk->ik`) and implicit (`ij,jk`) forms; no ellipsis.
 *
 * @example
 * ```ts
 * einsumPlan(node, [[2, 3], [3]]) // for 'ij,j->i': dims [2], 3 terms per output
 * ```
 */
export function einsumPlan(node: OnnxNode, dims: number[][]): { dims: number[]; terms: number[][][] } {
  const raw = String(node.attributes.equation ?? '').replace(/\s/g, '')
  const { eq, ellipsis } = expandEllipsis(node, raw, dims)
  const [lhs, rhs] = eq.split('->') as [string, string | undefined]
  const ins = lhs.split(',')
  if (ins.length !== dims.length || ins.some((s, i) => s.length !== dims[i]!.length))
    throw shapeError(node, 'the equation does not fit the operands.', `expected ${ins.length} operands of ranks ${ins.map((s) => s.length)}, got [${dims.map((d) => `[${d}]`)}]`)
  const size_ = new Map<string, number>()
  ins.forEach((s, i) => [...s].forEach((ch, k) => {
    const d = dims[i]![k]!
    if (size_.has(ch) && size_.get(ch) !== d && d !== 1 && size_.get(ch) !== 1) throw shapeError(node, `index ${ch} has two sizes.`, `got ${size_.get(ch)} and ${d}`)
    size_.set(ch, Math.max(size_.get(ch) ?? 1, d))
  }))
  const counts = new Map<string, number>()
  for (const ch of ins.join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  // implicit output: the broadcast (ellipsis) dimensions first, then the letters used once, sorted
  const out = rhs ?? ellipsis + [...counts].filter(([c, n]) => n === 1 && !ellipsis.includes(c)).map(([c]) => c).sort().join('')
  const sum = [...size_.keys()].filter((c) => !out.includes(c))
  const outDims = [...out].map((c) => size_.get(c)!)
  const sumDims = sum.map((c) => size_.get(c)!)
  const terms: number[][][] = []
  const val = new Map<string, number>()
  for (let o = 0; o < size(outDims); o++) {
    const os = strides(outDims)
    ;[...out].forEach((c, k) => val.set(c, Math.floor(o / os[k]!) % outDims[k]!))
    const t: number[][] = []
    const ss = strides(sumDims)
    for (let j = 0; j < size(sumDims); j++) {
      sum.forEach((c, k) => val.set(c, Math.floor(j / ss[k]!) % sumDims[k]!))
      t.push(ins.map((s, i) => {
        const st = strides(dims[i]!)
        return [...s].reduce((acc, c, k) => acc + (dims[i]![k] === 1 ? 0 : val.get(c)!) * st[k]!, 0)
      }))
    }
    terms.push(t)
  }
  return { dims: outDims, terms }
}

/**
 * Rewrites `...` as fresh capital letters: the broadcast dimensions of each operand (its rank minus
 * its letters), right-aligned across operands as numpy aligns them. Returns the rewritten equation
 * and the letters standing for the longest ellipsis (the implicit output starts with them).
 */
function expandEllipsis(node: OnnxNode, eq: string, dims: number[][]): { eq: string; ellipsis: string } {
  if (!eq.includes('.')) return { eq, ellipsis: '' }
  const [lhs, rhs] = eq.split('->') as [string, string | undefined]
  const ins = lhs.split(',')
  const bad = (why: string) => attrError(node, `the equation's ellipsis ${why}.`, `expected "..." at most once per term, standing for ≥ 0 dimensions, got "${eq}" for operands [${dims.map((d) => `[${d}]`)}]`)
  const fresh = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => !eq.includes(c))
  const lens = ins.map((term, i) => {
    const parts = term.split('...')
    if (parts.length > 2 || /\./.test(parts.join(''))) throw bad('is malformed')
    if (parts.length === 1) return 0
    const n = (dims[i]?.length ?? 0) - (parts[0]!.length + parts[1]!.length)
    if (n < 0) throw bad('has fewer dimensions than letters')
    return n
  })
  const E = Math.max(0, ...lens)
  if (E > fresh.length) throw bad('stands for too many dimensions')
  const letters = fresh.slice(0, E).join('')
  const sub = (term: string, n: number) => term.replace('...', letters.slice(E - n))
  const outTerm = rhs === undefined ? undefined : rhs.split('...').length > 2 || /\./.test(rhs.replace('...', '')) ? (() => { throw bad('is malformed') })() : sub(rhs, E)
  return { eq: ins.map((t, i) => sub(t, lens[i]!)).join(',') + (outTerm === undefined ? '' : `->${outTerm}`), ellipsis: letters }
}

mathOps.Einsum = (node, inputs) => {
  const ts = inputs.filter((t): t is Tensor => t !== undefined)
  const { dims, terms } = einsumPlan(node, ts.map((t) => t.dims))
  return [{ dims, data: Float64Array.from(terms, (term) => term.reduce((acc, idx) => acc + idx.reduce((p, k, i) => p * ts[i]!.data[k]!, 1), 0)) }]
}

/**
 * TopK's selection as a network: k bubble passes of adjacent compare-swaps along the axis bring the k
 * largest (or smallest) to the front, ties keeping the lower index first as ONNX requires. Returns the
 * swaps in order (positions along the axis); the float evaluator and the lowering both replay them.
 */
export function topkSwaps(n: number, k: number): [number, number][] {
  const swaps: [number, number][] = []
  for (let j = 0; j < k; j++) for (let i = n - 1; i > j; i--) swaps.push([i - 1, i])
  return swaps
}

mathOps.TopK = (node, [x, kT]) => {
  const t = x!
  const ax = normAxis(node, attrInt(node, 'axis', -1), t.dims.length)
  const k = kT!.data[0]!
  const n = t.dims[ax]!
  if (!Number.isInteger(k) || k < 1 || k > n) throw attrError(node, 'k out of range.', `expected 1 ≤ k ≤ ${n}, got ${k}`)
  const largest = attrInt(node, 'largest', 1) === 1
  // sorted = 0 leaves the order to the implementation: the sorted order is one valid answer
  const { groups } = reduceGroups(t.dims, [ax], true)
  const dims = t.dims.map((d, i) => (i === ax ? k : d))
  const vals = new Float64Array(size(dims))
  const idxs = new Float64Array(size(dims))
  const st = strides(dims)[ax]!
  groups.forEach((g, gi) => {
    const v = g.map((i) => t.data[i]!)
    const ix = g.map((_, i) => i)
    for (const [a, b] of topkSwaps(n, k))
      if (largest ? v[b]! > v[a]! : v[b]! < v[a]!) {
        ;[v[a], v[b]] = [v[b]!, v[a]!]
        ;[ix[a], ix[b]] = [ix[b]!, ix[a]!]
      }
    // the group's first output element: same outer/inner position, axis coordinate 0
    const outer = Math.floor(gi / st)
    const inner = gi % st
    for (let j = 0; j < k; j++) {
      vals[(outer * k + j) * st + inner] = v[j]!
      idxs[(outer * k + j) * st + inner] = ix[j]!
    }
  })
  return [{ dims, data: vals }, { dims, data: idxs, dtype: 'int' }]
}
