import type { CircuitBuilder } from '../CircuitBuilder.ts'
import type { Lc } from '../Lc.ts'
import type { Decomposed } from './decompose.ts'

/**
 * ReLU of a decomposed value: sign · q. The sign bit comes from the decomposition that range-checked
 * q, so it is forced boolean and forced to be q's real sign: a prover can't zero a positive value
 * or pass a negative one. One constraint; 0 when the value is constant.
 *
 * @example
 * ```ts
 * const h = relu(b, rescale(b, acc, s, B, 'dense[0]'))
 * ```
 */
export function relu(b: CircuitBuilder, d: Decomposed, what = 'relu'): Lc {
  return b.mul(d.sign, d.quotient, what)
}
