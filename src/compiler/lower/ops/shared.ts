import { BaseError } from '../../../errors/index.ts'
import { evaluateNode } from '../../onnx/evaluateFloat.ts'
import { broadcastIndices, broadcastShape } from '../../onnx/ops/index.ts'
import type { OnnxNode } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue } from '../opContext.ts'

/** Evaluates a node whose inputs are all constants: it folds to constants, costing nothing. @example foldNode(ctx, node) ?? lowerIt() */
export function foldNode<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] | undefined {
  const vals = node.inputs.map((name, i) => (name ? ctx.get(node, i) : undefined))
  if (vals.some((v) => v && v.kind !== 'const')) return undefined
  return evaluateNode(node, vals.map((v) => (v && v.kind === 'const' ? v.t : undefined))).map((t) => ({ kind: 'const', t }))
}

export function refuse(node: OnnxNode, msg: string, details: string): BaseError {
  return new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `${node.opType} "${node.name}": ${msg}`, { details })
}

export const q = <V>(t: QTensor<V>): LValue<V> => ({ kind: 'q', t })

/**
 * Inputs of an elementwise op brought to one scale: scale 0 when every operand is an exact
 * integer or boolean at scale 0 (comparisons of indices, logic), else s.
 */
export function commonScale<V>(ctx: LowerContext<V>, node: OnnxNode, idx: number[]): QTensor<V>[] {
  const vals = idx.map((i) => ctx.get(node, i))
  const allInt = vals.every((v) => (v.kind === 'q' ? v.t.scale === 0 : v.t.dtype === 'int' || v.t.dtype === 'bool' || v.t.data.every(Number.isInteger)))
  const anyQ = vals.some((v) => v.kind === 'q')
  const target = allInt && anyQ ? 0 : ctx.s
  return vals.map((v, k) => {
    if (v.kind === 'const') return { dims: v.t.dims, scale: target, data: Array.from(v.t.data, (x) => ctx.alg.constant(ctx.quant(x, target))) }
    return ctx.atScale(v.t, target, `${node.name} input ${idx[k]}`)
  })
}

/** Elementwise map over broadcast operands (already quantized). */
export function zipBroadcast<V>(node: OnnxNode, ts: QTensor<V>[], f: (xs: V[], i: number) => V): { dims: number[]; data: V[] } {
  const dims = ts.reduce<number[]>((acc, t) => broadcastShape(node, acc, t.dims), [])
  const idx = ts.map((t) => broadcastIndices(t.dims, dims))
  const n = dims.reduce((a, b) => a * b, 1)
  const data: V[] = []
  for (let i = 0; i < n; i++) data.push(f(ts.map((t, j) => t.data[idx[j]![i]!]!), i))
  return { dims, data }
}

/** The values of a bool tensor, proved 0/1: as they are if a comparison made them, else checked. */
export function booleans<V>(ctx: LowerContext<V>, node: OnnxNode, i: number): QTensor<V> {
  const v = ctx.get(node, i)
  if (v.kind === 'const') return { dims: v.t.dims, scale: 0, boolean: true, data: Array.from(v.t.data, (x) => ctx.alg.constant(x !== 0 ? 1n : 0n)) }
  if (v.t.boolean) return v.t
  if (v.t.scale !== 0)
    throw refuse(node, 'a real-valued tensor used as a condition.', `expected input ${i} "${node.inputs[i]}" to be boolean (a comparison or a bool input), got a tensor at scale 2^${v.t.scale}`)
  return { ...v.t, boolean: true, data: v.t.data.map((x, k) => ctx.alg.assertBoolean(x, `${node.name} input ${i}[${k}]`)) }
}
