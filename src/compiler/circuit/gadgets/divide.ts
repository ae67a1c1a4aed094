import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'
import { mod, toSigned } from '../../field.ts'
import { floorDiv, isqrt } from '../WitnessProgram.ts'
import { rangeCheck, type Decomposed } from './decompose.ts'

/**
 * Checks 0 ≤ x < 2^bits: x's bits, each boolean, summing to x. bits + 1 constraints (0 for a constant,
 * which must be in range).
 *
 * @example
 * ```ts
 * unsignedCheck(b, remainder, 17, 'div[0] remainder')
 * ```
 */
export function unsignedCheck(b: CircuitBuilder, x: Lc, bits: number, what: string): void {
  if (x.isConstant()) {
    b.enforce(Lc.constant(x.constantValue() < 1n << BigInt(bits) ? 0n : 1n), Lc.constant(1n), Lc.zero, `${what}: in [0, 2^${bits})`)
    return
  }
  const wires = b.witnessBits(x, 0n, bits, what)
  for (let i = 0; i < bits; i++) b.enforceBoolean(wires[i]!, `${what}: bit ${i} is boolean`)
  const bitsLc = wires.map((w) => Lc.wire(w))
  b.enforceEqual(Lc.sum(bitsLc, bitsLc.map((_, i) => 1n << BigInt(i))), x, `${what}: bits sum to value`)
}

/**
 * Proved rounded division of computed values: q = round(n / d) (halves up), from the prover's hints q
 * and r checked by q·2|d| = M − r with 0 ≤ r < 2|d|, where M = 2·n·sgn(d) + |d|.
 *
 * - sgn(d) comes from d's own range check (`dDec`, a dBits-bit decomposition, reused when the caller has
 *   one); `positive: true` skips it (d > 0 is then proved by the remainder checks alone: they force
 *   2|d| = r + 1 + (2|d| − 1 − r) ≥ 1 with both parts below 2^dBits);
 * - d ≠ 0 is proved: 0 ≤ r ≤ 2|d| − 1 has no solution for d = 0;
 * - q is range-checked to qBits signed bits: without it q could be any field element with
 *   q·2|d| ≡ M − r, for any r;
 * - no product wraps the field: |q·2|d|| < 2^(qBits + dBits) ≪ p.
 *
 * Cost: 1 (q·2|d| = M − r) + 2·(dBits + 1) (remainder bounds) + qBits + 1 (q), + 2 products and, when d
 * carries no decomposition, dBits + 1 for the sign unless `positive`. 0 for constants.
 *
 * @example
 * ```ts
 * const q = divRound(b, n, d, { dBits: 16, qBits: 16, what: 'div[0]' })
 * ```
 */
export function divRound(
  b: CircuitBuilder,
  n: Lc,
  d: Lc,
  o: { dBits: number; qBits: number; what: string; positive?: boolean; dDec?: Decomposed },
): Lc {
  const { dBits, qBits, what } = o
  if (n.isConstant() && d.isConstant()) return Lc.constant(mod(divRoundRef(toSigned(n.constantValue()), toSigned(d.constantValue()))))
  let absD: Lc
  let sn: Lc
  if (o.positive) {
    absD = d
    sn = n
  } else {
    const dec = o.dDec && o.dDec.highBitCount === dBits ? o.dDec : rangeCheck(b, d, dBits, `${what}: divisor`)
    const g = dec.sign.scale(2n).addConst(-1n) // +1 when d ≥ 0, −1 when d < 0
    absD = b.mul(g, d, `${what}: |d| = sgn·d`)
    sn = b.mul(g, n, `${what}: sgn·n`)
  }
  const D2 = absD.scale(2n)
  const M = sn.scale(2n).add(absD)
  const [qw, rw] = b.witnessQuotient(M, D2)
  const q = Lc.wire(qw)
  const r = Lc.wire(rw)
  rangeCheck(b, q, qBits, `${what}: quotient`)
  b.enforce(q, D2, M.sub(r), `${what}: q·2|d| = M − r`)
  unsignedCheck(b, r, dBits, `${what}: remainder ≥ 0`)
  unsignedCheck(b, D2.addConst(-1n).sub(r), dBits, `${what}: remainder < 2|d| (a zero divisor has no witness)`)
  return q
}

/**
 * Proved integer square root: y = floor(√n), from hints y and a = n − y², checked by y·y = n − a,
 * a ≥ 0 (y² ≤ n) and 2y − a ≥ 0 (n < (y + 1)²), with y ∈ [0, 2^yBits). A negative n has no witness.
 * Sound: y < 2^yBits and 0 ≤ a ≤ 2y make y² + a small, so y·y = n − a holds as integers, and
 * y² ≤ n = y² + a ≤ y² + 2y < (y + 1)². yBits must satisfy 2·yBits + 2 < 253 (no product wraps).
 *
 * Cost: yBits + 1 (y) + 1 (y·y) + 2·(yBits + 2) (the two bounds) = 3·yBits + 6; 0 for a constant.
 *
 * @example
 * ```ts
 * const y = sqrtFloor(b, v, 20, 'layernorm[0] std')
 * ```
 */
export function sqrtFloor(b: CircuitBuilder, n: Lc, yBits: number, what: string): Lc {
  if (n.isConstant()) return Lc.constant(isqrt(toSigned(n.constantValue())))
  const [yWire, aWire] = b.witnessSqrt(n)
  const yw = Lc.wire(yWire)
  const a = Lc.wire(aWire)
  unsignedCheck(b, yw, yBits, `${what}: root`)
  b.enforce(yw, yw, n.sub(a), `${what}: root² = n − a`)
  // a ≤ 2y < 2^(yBits+1) for the honest root, so yBits + 1 bits hold both bounds
  const nb = yBits + 1
  unsignedCheck(b, a, nb, `${what}: a ≥ 0 (root² ≤ n)`)
  // (root + 1)² > n ⟺ root² + 2·root − n ≥ 0 ⟺ 2·root − a ≥ 0
  unsignedCheck(b, yw.scale(2n).sub(a), nb, `${what}: 2·root − a ≥ 0 (n < (root + 1)²)`)
  return yw
}

/**
 * round(n / d), halves up, for any signs: floor((2·n·sgn(d) + |d|) / 2|d|). The reference of `divRound`;
 * throws on d = 0 (no witness exists).
 *
 * @example
 * ```ts
 * divRoundRef(7n, -2n) // -3n (−3.5 rounds up)
 * ```
 */
export function divRoundRef(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('divRoundRef: division by zero')
  const g = d < 0n ? -1n : 1n
  return floorDiv(2n * n * g + g * d, 2n * g * d)
}
