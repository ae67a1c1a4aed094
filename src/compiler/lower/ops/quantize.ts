import { quantChannel, quantizeRange } from '../../onnx/ops/index.ts'
import type { OnnxNode, Tensor } from '../../onnx/index.ts'
import type { QTensor } from '../Algebra.ts'
import type { LowerContext, LValue } from '../opContext.ts'
import { foldNode, q, refuse } from './shared.ts'

const bitLength = (v: bigint) => (v <= 0n ? 0 : v.toString(2).length)

/**
 * floor(x / 2^k) of an integer x: the rescale gadget rounds half up, so it is the rescale of
 * x − 2^(k−1). The result is range-checked to `B` signed bits. k + B + 1 constraints.
 *
 * @example
 * ```ts
 * floorShift(ctx, x, 8, 16, 'cast[0]') // ⌊x / 256⌋
 * ```
 */
export function floorShift<V>(ctx: LowerContext<V>, x: V, k: number, B: number, what: string): V {
  if (k === 0) return x
  return ctx.alg.rescale(ctx.alg.affine([x], [1n], -(1n << BigInt(k - 1))), k, B, what)
}

/**
 * ⌊N / D⌋ and N mod D of an integer 0 ≤ N < 2^n by a positive integer constant D, proved with the
 * gadgets there are: ⌊N·m / 2^k⌋ with k = n + ⌈log₂ D⌉ and m = ⌈2^k / D⌉ equals ⌊N / D⌋ exactly
 * for every such N (the error N·(m·D − 2^k)/(D·2^k) stays below 1/D), and ⌊·/2^k⌋ is a proved
 * rescale. The remainder N − q·D is then a free affine value, in [0, D) by that identity.
 * Cost: k + (bits of q) + 1 constraints. The caller proves the bound on N.
 */
function divFloor<V>(ctx: LowerContext<V>, N: V, n: number, D: bigint, what: string): { quotient: V; remainder: V; qBits: number } {
  const { alg } = ctx
  if (D === 1n) return { quotient: N, remainder: alg.constant(0n), qBits: n + 1 }
  const l = bitLength(D - 1n)
  const k = n + l
  const m = ((1n << BigInt(k)) + D - 1n) / D
  const qBits = bitLength(((1n << BigInt(n)) - 1n) / D) + 1
  const quotient = floorShift(ctx, alg.affine([N], [m], 0n), k, qBits, `${what} ⌊N/D⌋`)
  return { quotient, remainder: alg.affine([N, quotient], [1n, -D], 0n), qBits }
}

/** A float32 scale as an exact fraction M / 2^E (M, E whole). @example dyadic(0.75) // { M: 3n, E: 2 } */
function dyadic(v: number): { M: bigint; E: number } {
  let E = 0
  while (!Number.isInteger(v * 2 ** E)) E++
  return { M: BigInt(v * 2 ** E), E }
}

/**
 * QuantizeLinear of a computed tensor x (at scale 2^s, value X): q = saturate(roundHalfEven(X / 2^s
 * / scale) + zero point), exactly as ONNX rounds, on the quantized value. The scale is a float32, so
 * X / (2^s·scale) = N / D for whole N = X·2^a and D = M·2^b: an exact division by a constant
 * (divFloor), then half-to-even rounding from the proved remainder (a tie is 2r = D; the quotient's
 * parity is one more rescale by 2), then two proved clamps to the output type.
 * Cost per element: about (B + log₂D)·2 + 3B; the output is an exact integer at scale 0.
 */
function quantizeLinear<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const { alg, B } = ctx
  const sc = ctx.constOperand(node, 1, 'scale')
  const zp = ctx.has(node, 2) ? ctx.constOperand(node, 2, 'zero point') : undefined
  const [lo, hi] = quantizeRange(node, zp)
  if (sc.data.some((v) => !(v > 0) || !Number.isFinite(v))) throw refuse(node, 'a scale that is not positive.', `expected positive finite scales, got [${Array.from(sc.data)}]`)
  const v = ctx.get(node, 0)
  const x: QTensor<V> = v.kind === 'q' ? v.t : ctx.activation(node, 0)
  const s = x.scale
  const ch = quantChannel(node, x.dims, sc)
  const plans = Array.from(sc.data, (scale) => {
    const { M, E } = dyadic(Math.fround(scale))
    const a = Math.max(E - s, 0)
    const D = M << BigInt(Math.max(s - E, 0))
    // N = X·2^a + L·D ≥ 0 for every B-bit X: floor((N)/D) = floor(X·2^a / D) + L
    const L = ((1n << BigInt(B - 1 + a)) + D - 1n) / D
    const n = bitLength((1n << BigInt(B - 1 + a)) + L * D) + 1
    return { a, D, L, n }
  })
  const data = x.data.map((X, i) => {
    const what = `${node.name}[${i}]`
    const { a, D, L, n } = plans[ch(i)]!
    const xr = alg.rangeCheck(X, B, `${what} input`)
    const N = alg.affine([xr], [1n << BigInt(a)], L * D)
    const { quotient, remainder, qBits } = divFloor(ctx, N, n, D, what)
    const dBits = bitLength(D) + 2
    // round half to even: up when 2r > D, or 2r = D and the quotient is odd
    let up = alg.isNonNegative(alg.affine([remainder], [2n], -D - 1n), dBits, `${what} 2r > D`)
    if (D % 2n === 0n) {
      const tie = alg.isZero(alg.affine([remainder], [2n], -D), `${what} 2r = D`)
      const half = floorShift(ctx, quotient, 1, qBits, `${what} parity`)
      const parity = alg.affine([quotient, half], [1n, -2n], 0n)
      const odd = L % 2n === 0n ? parity : alg.affine([parity], [-1n], 1n)
      up = alg.affine([up, alg.mul(tie, odd, `${what} tie to even`)], [1n, 1n], 0n)
    }
    const zero = zp ? BigInt(zp.data[zp.data.length > 1 ? ch(i) : 0]!) : 0n
    const raw = alg.affine([quotient, up], [1n, 1n], zero - L)
    // saturate: max(raw, lo), then min(·, hi), each a proved sign bit and one select
    const cBits = Math.max(qBits, 10) + 2
    const dLo = alg.affine([raw], [1n], -BigInt(lo))
    const aboveLo = alg.isNonNegative(dLo, cBits, `${what} ≥ lo`)
    const r1 = alg.affine([alg.mul(aboveLo, dLo, `${what} clamp lo`)], [1n], BigInt(lo))
    const dHi = alg.affine([r1], [-1n], BigInt(hi))
    const belowHi = alg.isNonNegative(dHi, cBits, `${what} ≤ hi`)
    return alg.affine([alg.mul(belowHi, dHi, `${what} clamp hi`)], [-1n], BigInt(hi))
  })
  return [q({ dims: x.dims, scale: 0, data })]
}

/**
 * DequantizeLinear of a computed integer tensor (scale 0): (x − zero point)·scale at scale 2^s is
 * one affine map with the quantized scale as coefficient: 0 constraints, error ≤ rounding of the
 * scale at 2^-s times |x − zp|.
 */
function dequantizeLinear<V>(ctx: LowerContext<V>, node: OnnxNode): LValue<V>[] {
  const folded = foldNode(ctx, node)
  if (folded) return folded
  const v = ctx.get(node, 0)
  if (v.kind !== 'q' || v.t.scale !== 0)
    throw refuse(node, 'a real-valued input.', `expected an integer tensor (a QuantizeLinear output or an int input) as input 0 "${node.inputs[0]}", got a tensor at scale 2^${v.kind === 'q' ? v.t.scale : '?'}`)
  const sc = ctx.constOperand(node, 1, 'scale')
  const zp: Tensor | undefined = ctx.has(node, 2) ? ctx.constOperand(node, 2, 'zero point') : undefined
  const ch = quantChannel(node, v.t.dims, sc)
  const data = v.t.data.map((x, i) => {
    const c = ctx.quant(sc.data[ch(i)]!, ctx.s)
    return ctx.alg.affine([x], [c], -c * BigInt(zp ? zp.data[zp.data.length > 1 ? ch(i) : 0]! : 0))
  })
  return [q({ dims: v.t.dims, scale: ctx.s, data })]
}

/**
 * Cast of a computed real (scale 2^k, value X) to an integer type: truncation toward zero, as
 * onnxruntime casts. With c = (X ≥ 0), trunc = ⌊(X + (1 − c)·(2^k − 1)) / 2^k⌋: floor for
 * non-negative values, ceiling for negative ones, one proved sign bit (free when X is already
 * decomposed) and one rescale: B + 1 + k + B + 1. To bool: 1 − IsZero(X), 2 constraints.
 *
 * @example
 * ```ts
 * const [y] = castComputed(ctx, node, x, 'int')
 * ```
 */
export function castComputed<V>(ctx: LowerContext<V>, node: OnnxNode, x: QTensor<V>, target: 'int' | 'bool'): LValue<V>[] {
  const { alg, B } = ctx
  const k = x.scale
  if (target === 'bool')
    return [q({ dims: x.dims, scale: 0, boolean: true, data: x.data.map((v, i) => alg.affine([alg.isZero(v, `${node.name}[${i}] ≠ 0`)], [-1n], 1n)) })]
  if (k === 0) return [q({ ...x, data: x.data })]
  const data = x.data.map((v, i) => {
    const what = `${node.name}[${i}]`
    const c = alg.isNonNegative(v, B, `${what} sign`)
    const biased = alg.affine([v, c], [1n, -((1n << BigInt(k)) - 1n)], (1n << BigInt(k)) - 1n)
    return floorShift(ctx, biased, k, B, `${what} truncate`)
  })
  return [q({ dims: x.dims, scale: 0, data })]
}

/** Quantization ops on computed tensors, by op type. */
export const quantizeOps = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
}
