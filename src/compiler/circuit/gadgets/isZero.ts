import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'

/**
 * z = 1 when x = 0, else 0, with the classic two constraints x·inv = 1 − z and x·z = 0: for x ≠ 0
 * the second forces z = 0 and the first then needs inv = x⁻¹; for x = 0 the first forces z = 1.
 * Used by Equal (x = a − b). Cost: 2 constraints; 0 for a constant x.
 *
 * @example
 * ```ts
 * const eq = isZero(b, a.sub(c), 'equal[0]')
 * ```
 */
export function isZero(b: CircuitBuilder, x: Lc, what: string): Lc {
  if (x.isConstant()) return Lc.constant(x.constantValue() === 0n ? 1n : 0n)
  const [z, inv] = b.witnessIsZero(x)
  b.enforce(x, Lc.wire(inv), Lc.constant(1n).sub(Lc.wire(z)), `${what}: x·x⁻¹ = 1 - z`)
  b.enforce(x, Lc.wire(z), Lc.zero, `${what}: x·z = 0`)
  return Lc.wire(z)
}

/**
 * Forces x ∈ {0, 1}: x·(x − 1) = 0. One constraint; 0 for a constant (which must be 0 or 1).
 * A bool model input or a Where condition that no comparison produced goes through this.
 *
 * @example
 * ```ts
 * const flag = assertBoolean(b, input, 'input flag[0]')
 * ```
 */
export function assertBoolean(b: CircuitBuilder, x: Lc, what: string): Lc {
  b.enforce(x, x.addConst(-1n), Lc.zero, `${what}: is boolean`)
  return x
}
