import type { CircuitBuilder } from '../CircuitBuilder.ts'
import type { Lc } from '../Lc.ts'
import { decompose, type Decomposed } from './decompose.ts'

/**
 * Fixed-point rescale: y = round(x / 2^k) = floor((x + 2^(k-1)) / 2^k), with the remainder
 * range-checked to [0, 2^k) and y range-checked to B signed bits in the circuit.
 * Used after every multiplication by a weight, which doubles the scale.
 *
 * Cost: k + B + 1 constraints; 0 for a constant x. k = 0 is a plain B-bit range check.
 *
 * @example
 * ```ts
 * const y = rescale(b, acc, 10, 24, 'gemm_0[5]') // acc at scale 2^20 → y at scale 2^10
 * y.quotient // the rescaled value; y.sign feeds a following ReLU for one more constraint
 * ```
 */
export function rescale(b: CircuitBuilder, x: Lc, k: number, B: number, what: string): Decomposed {
  const half = k > 0 ? 1n << BigInt(k - 1) : 0n
  return decompose(b, x.addConst(half), k, B, what)
}
