import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'
import { rangeCheck, type Decomposed } from './decompose.ts'

/**
 * x = 2^k·(mantissa), the leading one proved: see `normalizePow2`.
 *
 * @example
 * ```ts
 * const { onehot, mantissa }: Normalized = normalizePow2(b, rangeCheck(b, x, 16, 'x'))
 * ```
 */
export type Normalized = {
  /** o_0…o_{n-1}: o_k = 1 for the leading one's position k of x ∈ [1, 2^n), every other 0 (n = B − 1) */
  onehot: Lc[]
  /** u = x·2^(n−1−k) − 3·2^(n−2) ∈ [−2^(n−2), 2^(n−2)), range-checked to n − 1 signed bits (bits reused by a table) */
  mantissa: Decomposed
}

/**
 * Proved base-2 normalisation of a positive value, the non-uniform domain a logarithm needs: x
 * (already range-checked to B signed bits, its bits reused) is 2^k·m with k the position of its
 * leading one and m = x/2^k ∈ [1, 2). With n = B − 1 and x's bits h_0…h_{n−1}:
 * - p_i = OR(h_i…h_{n−1}) top-down, p_i = h_i + p_{i+1} − h_i·p_{i+1} (one product each for
 *   i = n−2…1; p_{n−1} = h_{n−1}; p_0 is taken as 1), and o_i = p_i − p_{i+1} (free): the products
 *   force each p_i to be the OR of boolean bits, so o is the one-hot of the leading one among bits
 *   1…n−1 (o_0 = 1 when none is set);
 * - P = Σ o_i·2^(n−1−i) = 2^(n−1−k) (free) and M = x·P (one product), the mantissa at scale 2^(n−1);
 * - u = M − 3·2^(n−2) range-checked to n − 1 signed bits, i.e. M ∈ [2^(n−1), 2^n).
 * That last check is also what proves x ≥ 1: x = 0 gives M = 0, and a negative x gives M < 0 (no
 * product wraps: |x·P| < 2^(2B)), so x ≤ 0 has no witness. A caller's piecewise table on u (E = n − 2,
 * every input in range) then costs no range check of its own.
 *
 * Cost: (n − 2) + 1 + n = 2B − 3 constraints (B ≥ 3); 0 for a constant x (which must be ≥ 1).
 *
 * @example
 * ```ts
 * const { onehot, mantissa } = normalizePow2(b, rangeCheck(b, x, 16, 'x'), 'log[0]')
 * // ln x = Σ o_k·k·ln2 + ln(1.5 + u/2^14): a piecewise table on `mantissa`
 * ```
 */
export function normalizePow2(b: CircuitBuilder, d: Decomposed, what = 'normalize'): Normalized {
  const n = d.highBitCount - 1
  if (n < 2) throw new RangeError(`normalizePow2: expected B ≥ 3, got B=${d.highBitCount}`)
  const h = d.highBits
  const p: Lc[] = new Array(n + 1)
  p[n] = Lc.zero
  p[n - 1] = h[n - 1]!
  for (let i = n - 2; i >= 1; i--) p[i] = h[i]!.add(p[i + 1]!).sub(b.mul(h[i]!, p[i + 1]!, `${what}: leading-one prefix ${i}`))
  p[0] = Lc.constant(1n)
  const onehot = Array.from({ length: n }, (_, i) => p[i]!.sub(p[i + 1]!))
  const P = Lc.sum(onehot, onehot.map((_, i) => 1n << BigInt(n - 1 - i)))
  const M = b.mul(d.quotient, P, `${what}: mantissa = x·2^(n−1−k)`)
  const mantissa = rangeCheck(b, M.addConst(-(3n << BigInt(n - 2))), n - 1, `${what}: mantissa in [2^${n - 1}, 2^${n}) (x ≤ 0 has no witness)`)
  return { onehot, mantissa }
}

/**
 * The reference of `normalizePow2`: [k, u] for x ≥ 1 (x < 2^(B−1)); undefined where no witness exists.
 *
 * @example
 * ```ts
 * normalizePow2Ref(6n, 8) // [2n, 0n]: 6 = 2^2·1.5, u = 6·2^4 − 3·2^5 = 0
 * ```
 */
export function normalizePow2Ref(x: bigint, B: number): [bigint, bigint] | undefined {
  const n = B - 1
  if (x < 1n || x >= 1n << BigInt(n)) return undefined
  const k = x.toString(2).length - 1
  return [BigInt(k), (x << BigInt(n - 1 - k)) - (3n << BigInt(n - 2))]
}
