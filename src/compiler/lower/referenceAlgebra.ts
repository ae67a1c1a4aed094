import { BaseError } from '../../errors/index.ts'
import { fitsSigned, reluRef, rescaleRef, sigmoidRef } from '../quantize/reference.ts'
import type { Algebra } from './Algebra.ts'

function checked(v: bigint, B: number, what: string): bigint {
  if (!fitsSigned(v, B))
    throw new BaseError('QUANTIZATION_OVERFLOW', `A value left the fixed-point range (${what}).`, {
      details: `expected a signed ${B}-bit integer, got ${v}`,
    })
  return v
}

/**
 * The quantized model's meaning in plain bigints. Calibration runs it for every candidate scale
 * (fast: no circuit), and tests check the circuit's witness equals it.
 *
 * @example
 * ```ts
 * import { referenceAlgebra } from './src/compiler/lower/referenceAlgebra.ts'
 * referenceAlgebra.rescale(1000n, 8, 16, 'x') // 4n
 * ```
 */
export const referenceAlgebra: Algebra<bigint> = {
  constant: (c) => c,
  affine(xs, coeffs, bias) {
    let acc = bias
    for (let i = 0; i < xs.length; i++) acc += coeffs[i]! * xs[i]!
    return acc
  },
  rescale: (x, k, B, what) => checked(rescaleRef(x, k), B, what),
  rangeCheck: (x, B, what) => checked(x, B, what),
  relu: (x) => reluRef(x),
  sigmoid: (x, s) => sigmoidRef(x, s),
  mul: (x, y) => x * y,
  isNonNegative: (x, B, what) => (checked(x, B, what) >= 0n ? 1n : 0n),
  isZero: (x) => (x === 0n ? 1n : 0n),
  assertBoolean(x, what) {
    if (x !== 0n && x !== 1n)
      throw new BaseError('INPUT_INVALID', `A boolean value is neither 0 nor 1 (${what}).`, { details: `expected 0 or 1, got ${x}` })
    return x
  },
}
