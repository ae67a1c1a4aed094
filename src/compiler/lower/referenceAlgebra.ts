import { BaseError } from '../../errors/index.ts'
import { fitsSigned, reluRef, rescaleRef, sigmoidRef } from '../quantize/reference.ts'
import { floorDiv, isqrt } from '../circuit/WitnessProgram.ts'
import { piecewiseRef } from '../circuit/gadgets/piecewise.ts'
import { normalizePow2Ref } from '../circuit/gadgets/normalize.ts'
import { reduceModConstRef, remainderBits } from '../circuit/gadgets/modConst.ts'
import type { Algebra } from './Algebra.ts'

const overflow = (what: string, details: string) => new BaseError('QUANTIZATION_OVERFLOW', `A value left the fixed-point range (${what}).`, { details })
const unsigned = (v: bigint, bits: number, what: string) => {
  if (v < 0n || v >= 1n << BigInt(bits)) throw overflow(what, `expected a value in [0, 2^${bits}), got ${v}`)
}

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
  piecewise: (u, table, B, what) => piecewiseRef(checked(u, B, `${what} range`), table),
  divRound(n, d, o, what) {
    // exactly the circuit's checks, in its order (divide.ts)
    let g = 1n
    if (!o.positive) g = checked(d, o.dBits, `${what}: divisor`) >= 0n ? 1n : -1n
    const D2 = 2n * g * d
    const M = 2n * g * n + g * d
    const q = checked(floorDiv(M, D2), o.qBits, `${what}: quotient`)
    const r = M - q * D2
    unsigned(r, o.dBits, `${what}: remainder ≥ 0`)
    unsigned(D2 - 1n - r, o.dBits, `${what}: remainder < 2|d| (a zero divisor has no witness)`)
    return q
  },
  sqrtFloor(n, yBits, what) {
    const y = isqrt(n)
    unsigned(y, yBits, `${what}: root`)
    unsigned(n - y * y, yBits + 1, `${what}: a ≥ 0 (root² ≤ n)`)
    unsigned(2n * y - (n - y * y), yBits + 1, `${what}: 2·root − a ≥ 0 (n < (root + 1)²)`)
    return y
  },
  reduceMod(n, C, qBits, what) {
    const [q, r] = reduceModConstRef(n, C, qBits, what)
    return { q, u: r - (1n << BigInt(remainderBits(C) - 1)) }
  },
  normalize(x, B, what) {
    const r = normalizePow2Ref(checked(x, B, `${what} range`), B)
    if (!r) throw overflow(`${what}: mantissa (x ≤ 0 has no witness)`, `expected a positive value, got ${x}`)
    const [k, u] = r
    return { onehot: Array.from({ length: B - 1 }, (_, i) => (BigInt(i) === k ? 1n : 0n)), mantissa: u }
  },
  assertBoolean(x, what) {
    if (x !== 0n && x !== 1n)
      throw new BaseError('INPUT_INVALID', `A boolean value is neither 0 nor 1 (${what}).`, { details: `expected 0 or 1, got ${x}` })
    return x
  },
}
