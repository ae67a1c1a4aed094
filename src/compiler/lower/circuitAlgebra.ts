import { mod } from '../field.ts'
import type { CircuitBuilder } from '../circuit/CircuitBuilder.ts'
import { Lc } from '../circuit/Lc.ts'
import { assertBoolean, divRound, isNonNegative, isZero, normalizePow2, piecewise, reduceModConst, rangeCheck, relu, rescale, sigmoid, sqrtFloor, type Decomposed } from '../circuit/gadgets/index.ts'
import type { Algebra } from './Algebra.ts'

/** A circuit value: its linear combination and, when it came out of a range check, the bits. */
export type CircuitValue = { lc: Lc; dec?: Decomposed | undefined }

/**
 * The circuit side of the algebra. A value keeps the decomposition that range-checked it so a
 * following ReLU costs one constraint (the sign bit is already there) and a sigmoid reuses the bits.
 *
 * @example
 * ```ts
 * const alg = circuitAlgebra(new CircuitBuilder())
 * const y = alg.relu(alg.rescale(acc, 8, 24, 'dense[0]'), 24, 'relu[0]')
 * ```
 */
export function circuitAlgebra(b: CircuitBuilder): Algebra<CircuitValue> {
  const decomposed = (x: CircuitValue, B: number, what: string): Decomposed =>
    x.dec && x.dec.highBitCount === B ? x.dec : rangeCheck(b, x.lc, B, what)
  return {
    constant: (c) => ({ lc: Lc.constant(mod(c)) }),
    affine: (xs, coeffs, bias) => ({ lc: Lc.sum(xs.map((x) => x.lc), coeffs.map(mod)).addConst(mod(bias)) }),
    rescale(x, k, B, what) {
      const dec = rescale(b, x.lc, k, B, what)
      return { lc: dec.quotient, dec }
    },
    rangeCheck(x, B, what) {
      const dec = decomposed(x, B, what)
      return { lc: dec.quotient, dec }
    },
    relu: (x, B, what) => ({ lc: relu(b, decomposed(x, B, `${what} range`), what) }),
    sigmoid: (x, s, B, what) => ({ lc: sigmoid(b, decomposed(x, B, `${what} range`), s, what).value }),
    mul: (x, y, what) => ({ lc: b.mul(x.lc, y.lc, what) }),
    // A value that already carries a B-bit decomposition reuses its sign bit (its lc is the quotient).
    isNonNegative: (x, B, what) => ({ lc: (x.dec && x.dec.highBitCount === B ? x.dec : isNonNegative(b, x.lc, B, what)).sign }),
    isZero: (x, what) => ({ lc: isZero(b, x.lc, what) }),
    assertBoolean: (x, what) => ({ lc: assertBoolean(b, x.lc, what) }),
    piecewise: (u, table, B, what) => ({ lc: piecewise(b, decomposed(u, B, `${what} range`), table, what) }),
    divRound: (n, d, o, what) => ({ lc: divRound(b, n.lc, d.lc, { ...o, what, ...(d.dec ? { dDec: d.dec } : {}) }) }),
    sqrtFloor: (n, yBits, what) => ({ lc: sqrtFloor(b, n.lc, yBits, what) }),
    reduceMod(n, C, qBits, what) {
      const { q, r } = reduceModConst(b, n.lc, C, qBits, what)
      return { q: { lc: q }, u: { lc: r.quotient, dec: r } }
    },
    normalize(x, B, what) {
      const { onehot, mantissa } = normalizePow2(b, decomposed(x, B, `${what} range`), what)
      return { onehot: onehot.map((lc) => ({ lc })), mantissa: { lc: mantissa.quotient, dec: mantissa } }
    },
  }
}
