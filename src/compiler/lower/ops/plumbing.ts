import { evaluateNode } from '../../onnx/evaluateFloat.ts'
import { resizeTaps } from '../../onnx/ops/index.ts'
import type { OnnxNode, Tensor } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { foldNode, refuse } from './shared.ts'

/**
 * Lowers a pure rearrangement (Transpose, Slice, Gather, Pad, Concat…) with no arithmetic at all: the
 * op is evaluated once in float64 on tensors holding their own flat indices, which yields, for every
 * output element, the input element it copies. The shared float evaluator is the only implementation
 * of each op's indexing, so the circuit can't disagree with the reference. Padding reads index -1.
 *
 * Cost: 0 constraints. Non-data inputs (indices, shapes, pads, axes) must be constants.
 *
 * @example
 * ```ts
 * const transpose = plumbing(() => [0]) // input 0 carries data, the rest are constants
 * ```
 */
export function plumbing(dataInputs: (node: OnnxNode) => number[]): OpLowering {
  return <V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] => {
    const folded = foldNode(ctx, node)
    if (folded) return folded
    const data = new Set(dataInputs(node).filter((i) => ctx.has(node, i)))
    const vals = node.inputs.map((name, i) => (name ? ctx.get(node, i) : undefined))
    vals.forEach((v, i) => {
      if (v && !data.has(i) && v.kind !== 'const')
        throw refuse(node, `needs a constant input ${i}.`, `expected "${node.inputs[i]}" (indices, shape, pads or axes) to be a constant, got a computed tensor`)
    })
    // One scale for all data inputs: the shared one when they agree, else s.
    const qs = [...data].map((i) => vals[i]!).filter((v) => v.kind === 'q').map((v) => v.t as QTensor<V>)
    const scale = qs.every((t) => t.scale === qs[0]!.scale) && [...data].every((i) => vals[i]!.kind === 'q') ? qs[0]!.scale : ctx.s
    const boolean = [...data].every((i) => vals[i]!.kind === 'q' && (vals[i]!.t as QTensor<V>).boolean)
    const flat: V[] = []
    const ins: (Tensor | undefined)[] = vals.map((v, i) => {
      if (!v) return undefined
      if (!data.has(i)) return (v as { t: Tensor }).t
      const t: QTensor<V> = v.kind === 'q' ? ctx.atScale(v.t, scale, node.name) : { dims: v.t.dims, scale, data: Array.from(v.t.data, (x) => ctx.alg.constant(ctx.quant(x, scale))) }
      const off = flat.length
      flat.push(...t.data)
      return { dims: t.dims, data: Float64Array.from(t.data, (_, k) => off + k) }
    })
    // Pad's fill value becomes a sentinel so padded positions are recognisable.
    let fill: bigint | undefined
    let indexNode = node
    if (node.opType === 'Pad') {
      const value = ins[2] ? ins[2].data[0] ?? 0 : typeof node.attributes.value === 'number' ? node.attributes.value : 0
      fill = ctx.quant(value, scale)
      indexNode = { ...node, attributes: { ...node.attributes, value: -1 } }
      if (ins[2]) ins[2] = { dims: ins[2].dims, data: Float64Array.of(-1) }
    }
    return evaluateNode(indexNode, ins).map((o) => {
      const t: QTensor<V> = {
        dims: o.dims,
        scale,
        data: Array.from(o.data, (k) => (k < 0 ? ctx.alg.constant(fill ?? 0n) : flat[k]!)),
      }
      return { kind: 'q', t: boolean && (fill === undefined || fill === 0n || fill === 1n) ? { ...t, boolean: true } : t }
    })
  }
}

/**
 * Resize/Upsample: nearest is plumbing; linear and cubic are a constant linear map (resizeTaps), each
 * output one weighted sum of its taps and one rescale: s + B + 1 per output.
 */
function resize<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const mode = typeof node.attributes.mode === 'string' ? node.attributes.mode : 'nearest'
  if (mode === 'nearest') return plumbing(first)(ctx, node)
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const consts = node.inputs.map((name, i) => {
    if (!name || i === 0) return undefined
    return ctx.constOperand(node, i, 'roi, scales or sizes')
  })
  const x = ctx.activation(node, 0)
  const { dims, taps } = resizeTaps(node, x.dims, [undefined, ...consts.slice(1)])
  const data = taps.map((t, o) =>
    ctx.alg.rescale(ctx.alg.affine(t.map(([i]) => x.data[i]!), t.map(([, w]) => ctx.quant(w, ctx.s)), 0n), ctx.s, ctx.B, `${node.name}[${o}]`),
  )
  return [{ kind: 'q', t: { dims, scale: ctx.s, data } }]
}

const first = () => [0]
const all = (node: OnnxNode) => node.inputs.map((_, i) => i)

/** Zero-constraint rearrangements, by op type. */
export const plumbingOps: Record<string, OpLowering> = {
  Transpose: plumbing(first),
  Concat: plumbing(all),
  Split: plumbing(first),
  Slice: plumbing(first),
  Gather: plumbing(first),
  GatherElements: plumbing(first),
  Squeeze: plumbing(first),
  Unsqueeze: plumbing(first),
  Expand: plumbing(first),
  Tile: plumbing(first),
  Pad: plumbing(first),
  DepthToSpace: plumbing(first),
  SpaceToDepth: plumbing(first),
  Resize: resize,
  Upsample: resize,
  // Folding rewrites Dropout to Identity; a graph built by hand may still carry one.
  Dropout: (ctx, node) => [ctx.get(node, 0)],
}
