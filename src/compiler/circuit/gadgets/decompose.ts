import { BaseError } from '../../../errors/index.ts'
import { toSigned } from '../../field.ts'
import type { CircuitBuilder } from '../CircuitBuilder.ts'
import { Lc } from '../Lc.ts'

/** A value split as x = q·2^k + r with 0 ≤ r < 2^k and q a signed `highBits`-bit integer. */
export type Decomposed = {
  /** q = floor(x / 2^k), a signed integer in [-2^(B-1), 2^(B-1)). */
  quotient: Lc
  /** 1 when q ≥ 0, else 0 (the top bit of q + 2^(B-1)). Boolean by construction. */
  sign: Lc
  /** The B bits of q + 2^(B-1), least significant first (the sigmoid gadget reads them). */
  highBits: Lc[]
  /** The k bits of the remainder r. */
  lowBits: Lc[]
  highBitCount: number
}

/**
 * Proves x = q·2^k + r with r ∈ [0, 2^k) and q ∈ [-2^(B-1), 2^(B-1)), by decomposing
 * x + 2^(k+B-1) into k+B bits.
 *
 * Soundness: k + B bits are each forced boolean and their weighted sum is forced equal to the
 * shifted x, so the split is unique as long as k + B < 253 (the field is ~2^253.6). Both q and r are
 * range-checked: without the bound on q a prover could pick any r and solve for q in the field.
 *
 * Cost: k + B + 1 constraints; 0 when x is constant (folded at compile time).
 *
 * @example
 * ```ts
 * const d = decompose(b, acc, 8, 24, 'layer1[3] rescale') // floor(acc / 2^8), checked to 24 signed bits
 * ```
 */
export function decompose(b: CircuitBuilder, x: Lc, k: number, B: number, what: string): Decomposed {
  if (!(k >= 0 && B >= 1 && k + B < 253))
    throw new RangeError(`decompose: expected 0 ≤ k, 1 ≤ B, k + B < 253; got k=${k}, B=${B}`)
  const n = k + B
  const offset = 1n << BigInt(n - 1)
  let bits: Lc[]
  if (x.isConstant()) {
    const v = toSigned(x.constantValue()) + offset
    if (v < 0n || v >= 1n << BigInt(n))
      throw new BaseError('QUANTIZATION_OVERFLOW', `A constant left the fixed-point range (${what}).`, {
        details: `expected a value in [${-offset}, ${offset}), got ${v - offset}`,
      })
    bits = Array.from({ length: n }, (_, i) => Lc.constant((v >> BigInt(i)) & 1n))
  } else {
    const wires = b.witnessBits(x, offset, n, what)
    for (let i = 0; i < n; i++) b.enforceBoolean(wires[i]!, `${what}: bit ${i} is boolean`)
    bits = wires.map((w) => Lc.wire(w))
    const sum = Lc.sum(bits, bits.map((_, i) => 1n << BigInt(i)))
    b.enforceEqual(sum, x.addConst(offset), `${what}: bits sum to value`)
  }
  const lowBits = bits.slice(0, k)
  const highBits = bits.slice(k)
  const quotient = Lc.sum(highBits, highBits.map((_, i) => 1n << BigInt(i))).addConst(-(1n << BigInt(B - 1)))
  return { quotient, sign: highBits[B - 1]!, highBits, lowBits, highBitCount: B }
}

/**
 * Checks that x is a signed B-bit integer: x ∈ [-2^(B-1), 2^(B-1)). B + 1 constraints, 0 for constants.
 *
 * @example
 * ```ts
 * const checked = rangeCheck(b, input, 24, 'input[0]')
 * ```
 */
export function rangeCheck(b: CircuitBuilder, x: Lc, B: number, what: string): Decomposed {
  return decompose(b, x, 0, B, what)
}
