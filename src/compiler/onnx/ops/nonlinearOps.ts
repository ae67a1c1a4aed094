import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrInt, attrString, broadcastIndices, normAxis, reduceAxes, reduceGroups, strides } from './helpers.ts'

const num = (node: OnnxNode, name: string, dflt: number) => (typeof node.attributes[name] === 'number' ? (node.attributes[name] as number) : dflt)

/**
 * erf(x) to ~1e-15 (float64): the Maclaurin series for |x| < 3, the continued fraction of erfc beyond.
 *
 * @example
 * ```ts
 * erf(1) // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  const ax = Math.abs(x)
  if (ax < 3) {
    // erf x = 2/√π · Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax
    let sum = ax
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * sum)
  }
  // erfc x = e^(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) (Lentz-free backward evaluation)
  let f = ax
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f
  return Math.sign(x) * (1 - erfc)
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)))
const unary = (f: (x: number, node: OnnxNode) => number): FloatOp => (node, [t]) => [{ dims: t!.dims, data: t!.data.map((x) => f(x, node)) }]

/** Flat indices of each group along `axes` (the other axes fixed). */
function groupsAlong(dims: readonly number[], axes: readonly number[]): number[][] {
  return reduceGroups(dims, [...axes], true).groups
}

function normalize(t: Tensor, groups: number[][], gamma: (i: number) => number, beta: (i: number) => number, eps: number): Tensor {
  const data = new Float64Array(t.data.length)
  for (const g of groups) {
    const mean = g.reduce((a, i) => a + t.data[i]!, 0) / g.length
    const v = g.reduce((a, i) => a + (t.data[i]! - mean) ** 2, 0) / g.length
    for (const i of g) data[i] = ((t.data[i]! - mean) / Math.sqrt(v + eps)) * gamma(i) + beta(i)
  }
  return { dims: t.dims, data }
}

/** Float64 evaluators of the proved nonlinear ops (see lower/ops/nonlinear.ts for the circuits). */
export const NONLINEAR_FLOAT: Record<string, FloatOp> = {
  Tanh: unary(Math.tanh),
  Erf: unary(erf),
  Gelu: unary((x, node) =>
    attrString(node, 'approximate', 'none') === 'tanh'
      ? 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))
      : 0.5 * x * (1 + erf(x / Math.SQRT2)),
  ),
  Softplus: unary(softplus),
  Elu: unary((x, node) => (x >= 0 ? x : num(node, 'alpha', 1) * Math.expm1(x))),
  Selu: unary((x, node) => {
    const g = num(node, 'gamma', 1.0507010221481323)
    return x > 0 ? g * x : g * num(node, 'alpha', 1.6732631921768188) * Math.expm1(x)
  }),
  Celu: unary((x, node) => {
    const a = num(node, 'alpha', 1)
    return Math.max(0, x) + Math.min(0, a * Math.expm1(x / a))
  }),
  Mish: unary((x) => x * Math.tanh(softplus(x))),
  Swish: unary((x, node) => x / (1 + Math.exp(-num(node, 'alpha', 1) * x))),
  Softmax: (node, [t]) => {
    const x = t!
    const data = new Float64Array(x.data.length)
    for (const g of groupsAlong(x.dims, [normAxis(node, attrInt(node, 'axis', -1), x.dims.length)])) {
      const m = Math.max(...g.map((i) => x.data[i]!))
      const e = g.map((i) => Math.exp(x.data[i]! - m))
      const sum = e.reduce((a, b) => a + b, 0)
      g.forEach((i, k) => (data[i] = e[k]! / sum))
    }
    return [{ dims: x.dims, data }]
  },
  Log: unary(Math.log),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  LogSoftmax: (node, [t]) => {
    const x = t!
    const data = new Float64Array(x.data.length)
    for (const g of groupsAlong(x.dims, [normAxis(node, attrInt(node, 'axis', -1), x.dims.length)])) {
      const m = Math.max(...g.map((i) => x.data[i]!))
      const lse = Math.log(g.reduce((a, i) => a + Math.exp(x.data[i]! - m), 0))
      for (const i of g) data[i] = x.data[i]! - m - lse
    }
    return [{ dims: x.dims, data }]
  },
  LayerNormalization: (node, [x, sc, b]) => {
    const t = x!
    const axis = normAxis(node, attrInt(node, 'axis', -1), t.dims.length)
    const inner = t.dims.slice(axis)
    const n = inner.reduce((a, c) => a * c, 1)
    const si = broadcastIndices(sc!.dims, inner)
    const bi = b ? broadcastIndices(b.dims, inner) : undefined
    const groups = groupsAlong(t.dims, inner.map((_, i) => axis + i))
    return [normalize(t, groups, (i) => sc!.data[si[i % n]!]!, (i) => (b ? b.data[bi![i % n]!]! : 0), num(node, 'epsilon', 1e-5))]
  },
  InstanceNormalization: (node, [x, sc, b]) => {
    const t = x!
    const C = t.dims[1]!
    const inner = strides(t.dims)[1]!
    const ch = (i: number) => Math.floor(i / inner) % C
    const groups = groupsAlong(t.dims, t.dims.slice(2).map((_, i) => i + 2))
    return [normalize(t, groups, (i) => sc!.data[ch(i)]!, (i) => b!.data[ch(i)]!, num(node, 'epsilon', 1e-5))]
  },
  ReduceL2: (node, inputs) => {
    const t = inputs[0]!
    const { dims, groups } = reduceGroups(t.dims, reduceAxes(node, inputs, t.dims.length), attrInt(node, 'keepdims', 1) === 1)
    return [{ dims, data: Float64Array.from(groups, (g) => Math.sqrt(g.reduce((a, i) => a + t.data[i]! ** 2, 0))) }]
  },
}
