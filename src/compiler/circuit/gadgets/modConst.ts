import { BaseError } from '../../../errors/index.ts'
import { mod, toSigned } from '../../field.ts'
import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'
import { floorDiv } from '../WitnessProgram.ts'
import { rangeCheck, type Decomposed } from './decompose.ts'
import { unsignedCheck } from './divide.ts'

/**
 * Bits of the remainder of a division by C: r ∈ [0, C) ⊂ [0, 2^R).
 *
 * @example
 * ```ts
 * remainderBits(411775n) // 19
 * ```
 */
export const remainderBits = (C: bigint): number => (C - 1n).toString(2).length

/**
 * Proved Euclidean division by a positive constant C (range reduction of a periodic function): n = q·C + r
 * with 0 ≤ r < C, from the prover's hints (q, r) checked by
 * - q·C = n − r (one linear constraint: C is a constant),
 * - q range-checked to qBits signed bits: without it q could be any field element and r any value,
 * - r ∈ [0, 2^R) by a range check of u = r − 2^(R−1) to R signed bits (R = `remainderBits(C)`), whose bits a
 *   following piecewise table reuses (every u in its domain: no saturation), and C − 1 − r ≥ 0 (R bits).
 * q and r are then unique: |q·C + r| < 2^(qBits−1)·C + C ≪ p, so n is that integer. An n whose quotient
 * does not fit qBits has no witness.
 *
 * Cost: 1 + (qBits + 1) + 2·(R + 1); 0 for a constant n.
 *
 * @example
 * ```ts
 * const { q, r } = reduceModConst(b, x.scale(1n << 8n), 1608n, 8, 'sin[0]') // 1608 = round(2π·2^8)
 * ```
 */
export function reduceModConst(b: CircuitBuilder, n: Lc, C: bigint, qBits: number, what: string): { q: Lc; r: Decomposed } {
  if (C < 2n) throw new RangeError(`reduceModConst: expected a constant C ≥ 2, got ${C}`)
  const R = remainderBits(C)
  const half = 1n << BigInt(R - 1)
  if (n.isConstant()) {
    const [q, r] = reduceModConstRef(toSigned(n.constantValue()), C, qBits, what)
    return { q: Lc.constant(mod(q)), r: rangeCheck(b, Lc.constant(mod(r - half)), R, what) }
  }
  const [qw, rw] = b.witnessQuotient(n, Lc.constant(C))
  const q = Lc.wire(qw)
  const r = Lc.wire(rw)
  rangeCheck(b, q, qBits, `${what}: quotient`)
  b.enforce(q, Lc.constant(C), n.sub(r), `${what}: q·C = n − r`)
  const dec = rangeCheck(b, r.addConst(-half), R, `${what}: remainder ≥ 0`)
  unsignedCheck(b, Lc.constant(C - 1n).sub(r), R, `${what}: remainder < C`)
  return { q, r: dec }
}

/**
 * The reference of `reduceModConst`: [q, r] with n = q·C + r, 0 ≤ r < C; throws QUANTIZATION_OVERFLOW
 * where q does not fit qBits signed bits (no witness).
 *
 * @example
 * ```ts
 * reduceModConstRef(-5n, 4n, 8, 'x') // [-2n, 3n]
 * ```
 */
export function reduceModConstRef(n: bigint, C: bigint, qBits: number, what: string): [bigint, bigint] {
  const q = floorDiv(n, C)
  const lim = 1n << BigInt(qBits - 1)
  if (q < -lim || q >= lim)
    throw new BaseError('QUANTIZATION_OVERFLOW', `A value left the fixed-point range (${what}: quotient).`, { details: `expected a signed ${qBits}-bit integer, got ${q}` })
  return [q, n - q * C]
}
