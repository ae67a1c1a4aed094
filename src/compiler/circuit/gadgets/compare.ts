import type { CircuitBuilder } from '../CircuitBuilder.ts'
import type { Lc } from '../Lc.ts'
import { rangeCheck, type Decomposed } from './decompose.ts'

/**
 * The comparison bit: 1 when x ≥ 0, else 0, for x a signed B-bit integer. It is the top bit of the
 * range check's decomposition of x + 2^(B-1), so it is forced boolean and forced to be x's real
 * sign: no unconstrained selector exists for a prover to choose. Comparisons a < b, a ≥ b… are
 * this bit of a difference (b − a − 1 ≥ 0 for a < b on integers), checked to one bit more than
 * the operands.
 *
 * Cost: B + 1 constraints (0 when x is constant, or already decomposed to B bits by the caller).
 *
 * @example
 * ```ts
 * const ge = isNonNegative(b, a.sub(c), B + 1, 'a >= c') // ge.sign is the proved bit
 * ```
 */
export function isNonNegative(b: CircuitBuilder, x: Lc, B: number, what: string): Decomposed {
  return rangeCheck(b, x, B, what)
}

/**
 * Selection by a proved bit: y + c·(x − y), i.e. x when c = 1 and y when c = 0. The caller
 * guarantees c is boolean (a comparison's sign bit, or `assertBoolean`). One constraint; 0 when c
 * or x − y is constant.
 *
 * @example
 * ```ts
 * const out = select(b, cond, x, y, 'where[0]')
 * ```
 */
export function select(b: CircuitBuilder, c: Lc, x: Lc, y: Lc, what: string): Lc {
  return y.add(b.mul(c, x.sub(y), `${what}: select`))
}

/**
 * max(x, y) for signed B-bit x and y: the difference x − y is range-checked to B + 1 bits, its sign
 * bit selects. A prover can't return the smaller value: the sign bit is the decomposition's top bit,
 * and the decomposition must sum to the difference.
 *
 * Cost: B + 3 constraints (B + 2 for the difference's range check, 1 for the select).
 *
 * @example
 * ```ts
 * const m = max(b, x, y, 24, 'maxpool[3]')
 * ```
 */
export function max(b: CircuitBuilder, x: Lc, y: Lc, B: number, what: string): Lc {
  const d = x.sub(y)
  const c = isNonNegative(b, d, B + 1, `${what}: x - y`).sign
  return y.add(b.mul(c, d, `${what}: select`))
}
