import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'
import type { Decomposed } from './decompose.ts'
import { inSignedRange } from './sigmoid.ts'

/**
 * A piecewise polynomial over a power-of-two domain, the specification both the circuit and the
 * bigint reference follow. The input u is an integer (a quantized value, already shifted by the
 * caller's centre); the domain is u ∈ [-2^E, 2^E), cut into 2^m segments of width 2^w (m = E + 1 − w).
 * On segment k, with r = (u + 2^E) mod 2^w the offset in it:
 *
 *   value = C0_k·2^(d·w) + C1_k·r·2^((d−1)·w) + C2_k·r²   (d = degree, C2 = 0 for degree 1)
 *
 * i.e. the polynomial a + b·ρ + c·ρ² in ρ = r/2^w ∈ [0, 1), at scale 2^(t + d·w) (coefficients at 2^t).
 * Outside the domain the value is a line in u: `below` (u < -2^E) or `above` (u ≥ 2^E), at the
 * output scale, so a function that saturates (to a constant, or to the identity) is exact there.
 */
export type PiecewiseTable = {
  E: number
  w: number
  degree: 1 | 2
  /** the coefficients' scale bits; the value's scale is t + degree·w */
  t: number
  C0: bigint[]
  C1: bigint[]
  C2: bigint[]
  below: { slope: bigint; intercept: bigint }
  above: { slope: bigint; intercept: bigint }
}

/** The scale bits of a table's value. @example piecewiseScale(table) // t + degree·w */
export const piecewiseScale = (table: PiecewiseTable): number => table.t + table.degree * table.w

/**
 * Proved piecewise polynomial (the generic nonlinear gadget: exp, tanh, erf, gelu, softplus…).
 * Input: u already decomposed to B ≥ E + 1 signed bits (its bits are reused: no range check of its
 * own). How, with h = u + 2^(B-1) in bits h_0…h_{B-1} and `sign` = h_{B-1} (1 when u ≥ 0):
 * - u ∈ [-2^E, 2^E) iff the middle bits h_E…h_{B-2} are all 0 (u ≥ 0) or all 1 (u < 0): t counts the
 *   mismatches, IsZero(t) says "in range" (free when E = B − 1: every input is in range);
 * - p = u + 2^E has bits (h_0…h_{E-1}, sign), so the segment index is (h_w…h_{E-1}, sign): m bits, and
 *   the offset r = Σ h_i·2^i for i < w — the selector is range-checked by construction;
 * - each coefficient table becomes a multilinear polynomial in the m index bits; each monomial of
 *   degree ≥ 2 that some coefficient (or a larger monomial) needs is one constraint, so selecting a row
 *   costs no lookup;
 * - value = C0·2^(dw) + (C1·2^w + C2·r)·r (degree 2: 2 products; degree 1: 1), then the saturation
 *   select between the two lines (1 product, 0 when both lines are constant and equal) and the
 *   in-range select (1 product).
 *
 * Cost: (live monomials) + degree + 1 (sign·mismatch) + 2 (IsZero) + 1 (line select) + 1 (range
 * select), see `piecewiseCost`; 0 for a constant input.
 *
 * @example
 * ```ts
 * const t = piecewiseFit({ f: Math.tanh, s: 8, B: 16, e: 3, m: 6, degree: 2, below: { slope: 0, intercept: -1 }, above: { slope: 0, intercept: 1 } })
 * const y = piecewise(b, rangeCheck(b, x, 16, 'x'), t, 'tanh[0]') // at scale 2^piecewiseScale(t)
 * ```
 */
export function piecewise(b: CircuitBuilder, d: Decomposed, table: PiecewiseTable, what = 'piecewise'): Lc {
  const B = d.highBitCount
  const { E, w, degree } = table
  const m = E + 1 - w
  if (!(E >= 0 && w >= 0 && m >= 1 && B >= E + 1 && table.C0.length === 1 << m))
    throw new RangeError(`piecewise: expected 0 ≤ w ≤ E < B and ${1 << m} segments, got E=${E}, w=${w}, B=${B}, ${table.C0.length} segments`)
  const h = d.highBits
  const sign = d.sign
  const u = d.quotient

  // in range [-2^E, 2^E)?
  const inRange = inSignedRange(b, h, E, B, sign, what)

  // segment index bits, least significant first, and the multilinear coefficients of each table
  const idx = [...h.slice(w, E), sign]
  const coeffs = [table.C0, table.C1, table.C2].map(multilinearCoefficients)
  const live = liveMonomials(coeffs, m)
  const monomials: Lc[] = new Array(1 << m)
  monomials[0] = Lc.constant(1n)
  for (let S = 1; S < 1 << m; S++) {
    if (!live[S]) continue
    const top = 31 - Math.clz32(S)
    const rest = S & ~(1 << top)
    monomials[S] = rest === 0 ? idx[top]! : b.mul(monomials[rest]!, idx[top]!, `${what}: index monomial ${S}`)
  }
  const select = (c: bigint[]) => {
    let acc = Lc.zero
    for (let S = 0; S < 1 << m; S++) if (c[S] !== 0n) acc = acc.add(monomials[S]!.scale(c[S]!))
    return acc
  }
  const [c0, c1, c2] = coeffs.map(select) as [Lc, Lc, Lc]
  const r = Lc.sum(h.slice(0, w), h.slice(0, w).map((_, i) => 1n << BigInt(i)))
  const W = 1n << BigInt(w)
  const interior =
    degree === 1
      ? c0.scale(W).add(b.mul(c1, r, `${what}: slope·offset`))
      : c0.scale(W * W).add(b.mul(c1.scale(W).add(b.mul(c2, r, `${what}: curvature·offset`)), r, `${what}: (slope + curvature·offset)·offset`))

  if (inRange.isConstant() && inRange.constantValue() === 1n) return interior
  const below = u.scale(table.below.slope).addConst(table.below.intercept)
  const above = u.scale(table.above.slope).addConst(table.above.intercept)
  const saturated = below.add(b.mul(sign, above.sub(below), `${what}: saturation line select`))
  return saturated.add(b.mul(inRange, interior.sub(saturated), `${what}: saturation select`))
}

/**
 * Constraints `piecewise` emits for a table and an input decomposed to B bits.
 *
 * @example
 * ```ts
 * piecewiseCost(table, 16) // e.g. 64 for tanh at s = 8
 * ```
 */
export function piecewiseCost(table: PiecewiseTable, B: number): number {
  const m = table.E + 1 - table.w
  const live = liveMonomials([table.C0, table.C1, table.C2].map(multilinearCoefficients), m)
  let n = 0
  for (let S = 1; S < 1 << m; S++) if (live[S] && (S & (S - 1)) !== 0) n++
  const saturates = B - 1 > table.E
  const lines = table.below.slope !== table.above.slope ? 1 : 0
  return n + table.degree + (saturates ? 4 + lines : 0)
}

/** Monomials the selection needs: a non-zero coefficient, or a larger live monomial built from it. */
function liveMonomials(coeffs: bigint[][], m: number): boolean[] {
  const live = new Array<boolean>(1 << m).fill(false)
  for (let S = (1 << m) - 1; S >= 1; S--) {
    if (coeffs.some((c) => c[S] !== 0n)) live[S] = true
    if (live[S]) {
      const top = 31 - Math.clz32(S)
      const rest = S & ~(1 << top)
      if (rest !== 0) live[rest] = true
    }
  }
  return live
}

/** Möbius transform: coefficients c_S with T(k) = Σ_{S ⊆ bits(k)} c_S for a table over m bits. */
function multilinearCoefficients(table: bigint[]): bigint[] {
  const c = [...table]
  const n = c.length
  for (let bit = 0; 1 << bit < n; bit++) for (let S = 0; S < n; S++) if (S & (1 << bit)) c[S] = c[S]! - c[S ^ (1 << bit)]!
  return c
}

/** A real function and where it lives, for `piecewiseFit`. */
export type PiecewiseSpec = {
  f: (x: number) => number
  /** input scale bits and the input's decomposition bits */
  s: number
  B: number
  /** domain [c − 2^e, c + 2^e) in real units (shrunk to the decomposition's range when B is small) */
  e: number
  /** index bits: 2^m segments */
  m: number
  degree: 1 | 2
  /** centre c (real; u = x·2^s − c·2^s must be a whole number: c a multiple of 2^-s); default 0 */
  center?: number
  /** coefficient scale bits (default s + 2) */
  t?: number
  /** the lines outside the domain, in real units: y = slope·x + intercept (the slope rounded at 2^(t + degree·w − s)) */
  below: { slope: number; intercept: number }
  above: { slope: number; intercept: number }
}

/**
 * Fits a function at compile time: each segment's polynomial interpolates f at its ends (and its
 * middle, degree 2), so the curve is continuous; coefficients rounded at 2^t. Deterministic.
 *
 * @example
 * ```ts
 * const table = piecewiseFit({ f: Math.exp, s: 8, B: 16, e: 3, m: 6, degree: 2, center: -8, below: { slope: 0, intercept: 0 }, above: { slope: 0, intercept: 1 } })
 * ```
 */
export function piecewiseFit(spec: PiecewiseSpec): PiecewiseTable {
  const { f, s, B, degree } = spec
  const center = spec.center ?? 0
  const E = Math.min(spec.e + s, B - 1)
  const w = Math.max(0, E + 1 - spec.m)
  const m = E + 1 - w
  const t = spec.t ?? s + 2
  const outScale = t + degree * w
  const q = (v: number, k: number) => BigInt(Math.round(v * 2 ** k))
  const C0: bigint[] = []
  const C1: bigint[] = []
  const C2: bigint[] = []
  const hReal = 2 ** (w - s)
  for (let k = 0; k < 1 << m; k++) {
    const x0 = (-(2 ** E) + k * 2 ** w) / 2 ** s + center
    const f0 = f(x0)
    const f1 = f(x0 + hReal)
    if (degree === 1) {
      C0.push(q(f0, t))
      C1.push(q(f1 - f0, t))
      C2.push(0n)
    } else {
      const fm = f(x0 + hReal / 2)
      C0.push(q(f0, t))
      C1.push(q(4 * fm - 3 * f0 - f1, t))
      C2.push(q(2 * f1 + 2 * f0 - 4 * fm, t))
    }
  }
  // a line slope·x + intercept with x = (u + c·2^s)/2^s, at scale 2^outScale
  const line = (l: { slope: number; intercept: number }) => ({
    slope: q(l.slope, outScale - s),
    intercept: q(l.slope * center + l.intercept, outScale),
  })
  return { E, w, degree, t, C0, C1, C2, below: line(spec.below), above: line(spec.above) }
}

/**
 * The table's exact integer semantics (the reference the circuit must match).
 *
 * @example
 * ```ts
 * piecewiseRef(0n, table) // the value at u = 0, at scale 2^piecewiseScale(table)
 * ```
 */
export function piecewiseRef(u: bigint, table: PiecewiseTable): bigint {
  const lim = 1n << BigInt(table.E)
  if (u < -lim) return table.below.slope * u + table.below.intercept
  if (u >= lim) return table.above.slope * u + table.above.intercept
  const p = u + lim
  const k = Number(p >> BigInt(table.w))
  const r = p & ((1n << BigInt(table.w)) - 1n)
  const W = 1n << BigInt(table.w)
  if (table.degree === 1) return table.C0[k]! * W + table.C1[k]! * r
  return table.C0[k]! * W * W + (table.C1[k]! * W + table.C2[k]! * r) * r
}
