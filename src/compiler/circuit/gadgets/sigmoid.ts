import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'
import type { Decomposed } from './decompose.ts'

/**
 * Proved sigmoid: piecewise-linear interpolation of σ on 32 segments of width 0.5 over [-8, 8),
 * saturating to 0 below and 1 above. Input: x at scale 2^s, already decomposed (its bits are reused,
 * so the gadget adds no range check of its own). Output at scale 2^(2s-1).
 *
 * How, for x = q (the decomposition's quotient) with h = q + 2^(B-1) in bits h_0…h_{B-1}:
 * - x ∈ [-8, 8) iff the middle bits h_{s+3}…h_{B-2} are all 0 (x ≥ 0) or all 1 (x < 0);
 *   t = that many mismatches, and IsZero(t) says "in range";
 * - p = x + 8·2^s has bits (h_0…h_{s+2}, sign); the segment index is p >> (s-1) (5 bits) and the
 *   offset within the segment p mod 2^(s-1);
 * - the table of segment starts A_k and slopes D_k becomes a multilinear polynomial in the 5 index
 *   bits (its 26 monomials of degree ≥ 2 are one constraint each), so selecting a row costs no lookup;
 * - value = A_k·2^(s-1) + D_k·offset, then the saturation select.
 *
 * Cost: 31 constraints (26 monomials, 1 slope product, 1 mismatch product, 2 IsZero, 1 select);
 * 0 for a constant input. Max error vs σ: about 0.005 + 2^-s.
 *
 * @example
 * ```ts
 * const y = sigmoid(b, rescale(b, logitAcc, s, B, 'logit'), s) // y.value at scale 2^(2s-1)
 * ```
 */
export function sigmoid(b: CircuitBuilder, d: Decomposed, s: number, what = 'sigmoid'): { value: Lc; scaleBits: number } {
  const B = d.highBitCount
  if (s < 1 || B < s + 5) throw new RangeError(`sigmoid: expected s ≥ 1 and B ≥ s + 5, got s=${s}, B=${B}`)
  const { A, D } = sigmoidTable(s)
  const h = d.highBits
  const sign = d.sign
  const outScale = 2 * s - 1
  const one = 1n << BigInt(outScale)

  // in range [-8, 8)?
  const inRange = inSignedRange(b, h, s + 3, B, sign, what)

  // segment index bits, least significant first: h_{s-1}, h_s, h_{s+1}, h_{s+2}, sign
  const idx = [h[s - 1]!, h[s]!, h[s + 1]!, h[s + 2]!, sign]
  const monomials: Lc[] = new Array(32)
  monomials[0] = Lc.constant(1n)
  for (let S = 1; S < 32; S++) {
    const top = 31 - Math.clz32(S)
    const rest = S & ~(1 << top)
    monomials[S] = rest === 0 ? idx[top]! : b.mul(monomials[rest]!, idx[top]!, `${what}: index monomial ${S}`)
  }
  const a = Lc.sum(monomials, multilinearCoefficients(A))
  const slope = Lc.sum(monomials, multilinearCoefficients(D))
  const frac = Lc.sum(h.slice(0, s - 1), h.slice(0, s - 1).map((_, i) => 1n << BigInt(i)))
  const interior = a.scale(1n << BigInt(s - 1)).add(b.mul(slope, frac, `${what}: slope·offset`))

  const saturated = sign.scale(one)
  const value = saturated.add(b.mul(inRange, interior.sub(saturated), `${what}: saturation select`))
  return { value, scaleBits: outScale }
}

/**
 * The interpolation table: A_k = round(2^s·σ(k/2 - 8)) for k = 0…32 and slopes D_k = A_{k+1} - A_k.
 * It is the specification both the circuit and the bigint reference follow.
 */
export function sigmoidTable(s: number): { A: bigint[]; D: bigint[] } {
  const sig = (x: number) => 1 / (1 + Math.exp(-x))
  const pts = Array.from({ length: 33 }, (_, k) => BigInt(Math.round(2 ** s * sig(k / 2 - 8))))
  return { A: pts.slice(0, 32), D: pts.slice(0, 32).map((v, k) => pts[k + 1]! - v) }
}

/** Möbius transform: coefficients c_S with T(k) = Σ_{S ⊆ bits(k)} c_S for a table over 5 bits. */
function multilinearCoefficients(table: bigint[]): bigint[] {
  const c = [...table]
  for (let bit = 0; bit < 5; bit++) for (let S = 0; S < 32; S++) if (S & (1 << bit)) c[S] = c[S]! - c[S ^ (1 << bit)]!
  return c
}

/**
 * 1 when a range-checked value with bits `h` (two's complement over B bits, `sign` = its top bit)
 * lies in [-2^e, 2^e), else 0: the bits from `e` to B − 2 must all equal the sign. Shared by the
 * sigmoid and the piecewise-polynomial gadget; costs 1 product plus 2 constraints (IsZero).
 *
 * @example
 * ```ts
 * const inRange = inSignedRange(b, bits, s + 3, B, sign, 'sigmoid') // [-8, 8) at scale s
 * ```
 */
export function inSignedRange(b: CircuitBuilder, h: Lc[], e: number, B: number, sign: Lc, what: string): Lc {
  const middle = h.slice(e, B - 1)
  const M = BigInt(middle.length)
  const m = Lc.sum(middle)
  const sm = b.mul(sign, m, `${what}: sign·mismatch`)
  const t = Lc.constant(M).sub(m).add(sm.scale(2n)).sub(sign.scale(M))
  if (t.isConstant()) return Lc.constant(t.constantValue() === 0n ? 1n : 0n)
  const [z, inv] = b.witnessIsZero(t)
  b.enforce(t, Lc.wire(inv), Lc.constant(1n).sub(Lc.wire(z)), `${what}: t·t⁻¹ = 1 - z`)
  b.enforce(t, Lc.wire(z), Lc.zero, `${what}: t·z = 0`)
  return Lc.wire(z)
}
