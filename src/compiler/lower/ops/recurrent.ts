import { recurrentSpec, runRecurrent, type CellArith, type RecurrentActivation } from '../../onnx/ops/index.ts'
import type { OnnxNode } from '../../onnx/index.ts'
import type { LowerContext, LValue, OpLowering } from '../opContext.ts'
import { piecewiseScale } from '../../circuit/gadgets/piecewise.ts'
import { maxOf } from './compare.ts'
import { functionTable } from './nonlinear.ts'
import { foldNode, q, refuse } from './shared.ts'

/** A quantized value with its own scale: products keep their scale until one rescale settles a sum. */
type QV<V> = { v: V; scale: number }

/**
 * Tanh in a cell: the Tanh op's proved piecewise table (64 segments of [-8, 8), ±1 outside) on the
 * pre-activation's own bits (already range-checked by its rescale: no range check of its own). Output at
 * the table's scale t + 2w (3s − 2 for B ≥ s + 4); a later settle takes the extra bits. Error ≤ 3e-4 + 1.5·2^-(s+2).
 *
 * @example
 * ```ts
 * const t = tanhPiecewise(ctx, x, 'h~[0]') // x: a range-checked value at scale s
 * ```
 */
export function tanhPiecewise<V>(ctx: LowerContext<V>, x: V, what: string): QV<V> {
  const table = functionTable('Tanh', TANH_NODE, ctx.s, ctx.B)
  return { v: ctx.alg.piecewise(x, table, ctx.B, what), scale: piecewiseScale(table) }
}
const TANH_NODE = { name: 'tanh', opType: 'Tanh', inputs: [], outputs: [], attributes: {} }

/**
 * The cell arithmetic in an Algebra. A gate's pre-activation is one weighted sum rescaled once to s
 * (s + B + 1, or more bits when a product at a higher scale enters it); activations keep their
 * natural output scale (σ at 2s − 1, tanh at its table's t + 2w); products add scales; `settle` rescales a
 * state back to s once per step.
 */
function quantArith<V>(ctx: LowerContext<V>, node: OnnxNode): CellArith<QV<V>> {
  const { alg, s, B } = ctx
  const align = (terms: ReadonlyArray<{ v: V; c: bigint; scale: number }>, floor: number) => {
    const S = Math.max(floor, ...terms.map((t) => t.scale))
    return { S, xs: terms.map((t) => t.v), cs: terms.map((t) => t.c << BigInt(S - t.scale)) }
  }
  const settle = (x: QV<V>, what: string): QV<V> => {
    if (x.scale > s) return { v: alg.rescale(x.v, x.scale - s, B, what), scale: s }
    if (x.scale < s) return { v: alg.affine([x.v], [1n << BigInt(s - x.scale)], 0n), scale: s }
    return x
  }
  const atS = (x: QV<V>, what: string) => {
    if (x.scale !== s) throw refuse(node, 'internal: an activation input is not at the working scale.', `expected scale ${s}, got ${x.scale} (${what})`)
    return x.v
  }
  const act = (a: RecurrentActivation, x: QV<V>, what: string): QV<V> => {
    const v = atS(x, what)
    const qa = ctx.quant(a.alpha, s)
    switch (a.name) {
      case 'sigmoid':
        return { v: alg.sigmoid(v, s, B, what), scale: 2 * s - 1 }
      case 'tanh':
        return tanhPiecewise(ctx, v, what)
      case 'relu':
        return { v: alg.relu(v, B, what), scale: s }
      case 'affine':
        return { v: alg.affine([v], [qa], ctx.quant(a.beta, 2 * s)), scale: 2 * s }
      case 'leakyrelu': {
        // relu(x) + α·(x − relu(x)) at scale 2s
        const r = alg.relu(v, B, what)
        return { v: alg.affine([r, v], [(1n << BigInt(s)) - qa, qa], 0n), scale: 2 * s }
      }
      case 'thresholdedrelu': {
        // x > α ⇔ x − α − 1 ≥ 0 on integers at scale s
        const c = alg.isNonNegative(alg.affine([v], [1n], -ctx.quant(a.alpha, s) - 1n), B + 1, `${what} threshold`)
        return { v: alg.mul(c, v, what), scale: s }
      }
      case 'scaledtanh': {
        const bx = alg.rescale(alg.affine([v], [ctx.quant(a.beta, s)], 0n), s, B, `${what} β·x`)
        const t = tanhPiecewise(ctx, bx, what)
        return { v: alg.affine([t.v], [qa], 0n), scale: t.scale + s }
      }
      case 'hardsigmoid': {
        let y = alg.rescale(alg.affine([v], [qa], ctx.quant(a.beta, 2 * s)), s, B, `${what} αx+β`)
        y = maxOf(ctx, y, alg.constant(0n), `${what} low`)
        y = maxOf(ctx, y, alg.constant(1n << BigInt(s)), `${what} high`, true)
        return { v: y, scale: s }
      }
      case 'elu':
      case 'softplus': {
        // the proved piecewise tables of the Elu and Softplus ops, on the gate's own bits; output at their scale T
        const op = a.name === 'elu' ? 'Elu' : 'Softplus'
        const table = functionTable(op, { name: node.name, opType: op, inputs: [], outputs: [], attributes: a.name === 'elu' ? { alpha: a.alpha } : {} }, s, B)
        return { v: alg.piecewise(v, table, B, what), scale: piecewiseScale(table) }
      }
      case 'softsign': {
        // x/(1 + |x|): a proved rounded division of x·2^s by 2^s + |x| (> 0, proved by its remainder bounds), |x| = 2·relu(x) − x
        const abs = alg.affine([alg.relu(v, B, `${what} |x|`), v], [2n, -1n], 0n)
        const d = alg.affine([abs], [1n], 1n << BigInt(s))
        return { v: alg.divRound(alg.affine([v], [1n << BigInt(s)], 0n), d, { dBits: B + 2, qBits: s + 2, positive: true }, what), scale: s }
      }
      default:
        throw refuse(node, `activation ${a.name} is not supported in a circuit.`, `expected Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus, got ${a.name}`)
    }
  }
  return {
    constant: (x) => ({ v: alg.constant(ctx.quant(x, s)), scale: s }),
    linear(terms, bias, what) {
      // whole weights (1 for r ⊙ Rh in GRU) are exact; real ones are quantized at s
      const parts = terms.map(([x, w]) => (Number.isInteger(w) ? { v: x.v, c: BigInt(w), scale: x.scale } : { v: x.v, c: ctx.quant(w, s), scale: x.scale + s }))
      const { S, xs, cs } = align(parts.filter((p) => p.c !== 0n), 2 * s)
      return { v: alg.rescale(alg.affine(xs, cs, ctx.quant(bias, S)), S - s, B, what), scale: s }
    },
    exact(terms, bias) {
      const { S, xs, cs } = align(terms.map(([x, c]) => ({ v: x.v, c: BigInt(c), scale: x.scale })), 0)
      return { v: alg.affine(xs, cs, ctx.quant(bias, S)), scale: S }
    },
    mul: (a, b, what) => ({ v: alg.mul(a.v, b.v, what), scale: a.scale + b.scale }),
    settle,
    clip(x, c, what) {
      const v = atS(x, what)
      const lo = maxOf(ctx, v, alg.constant(-ctx.quant(c, s)), `${what} low`)
      return { v: maxOf(ctx, lo, alg.constant(ctx.quant(c, s)), `${what} high`, true), scale: s }
    },
    act,
  }
}

/**
 * RNN, GRU and LSTM unrolled (onnx/ops/recurrentOps.ts has the equations): weights, biases,
 * sequence_lens and peepholes constant; X and the initial states may be computed.
 */
function recurrent<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const role = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P']
  const konst = (i: number) => (ctx.has(node, i) ? ctx.constOperand(node, i, role[i]!) : undefined)
  const dims = role.map((_, i) => (ctx.has(node, i) ? ctx.get(node, i).t.dims : undefined))
  const spec = recurrentSpec(node, dims, konst(4))
  if (spec.kind !== 'LSTM' && node.inputs.length > 6) throw refuse(node, 'too many inputs.', `expected at most 6 inputs for ${spec.kind}, got ${node.inputs.length}`)
  const weights = { W: konst(1)!.data, R: konst(2)!.data, B: konst(3)?.data, P: spec.kind === 'LSTM' ? konst(7)?.data : undefined }
  const state = (i: number) => (ctx.has(node, i) ? ctx.activation(node, i).data.map((v) => ({ v, scale: ctx.s })) : undefined)
  const X = ctx.activation(node, 0).data.map((v) => ({ v, scale: ctx.s }))
  const { Y, Yh, Yc, yDims, sDims } = runRecurrent(spec, weights, X, state(5), spec.kind === 'LSTM' ? state(6) : undefined, quantArith(ctx, node), node.name)
  const out = (vals: QV<V>[], d: number[]) => q({ dims: d, scale: ctx.s, data: vals.map((x) => x.v) })
  return spec.kind === 'LSTM' ? [out(Y, yDims), out(Yh, sDims), out(Yc, sDims)] : [out(Y, yDims), out(Yh, sDims)]
}

/** Lowerings of the recurrent ops. */
export const recurrentOps: Record<string, OpLowering> = { RNN: recurrent, GRU: recurrent, LSTM: recurrent }
