import { sigmoidTable } from '../circuit/gadgets/sigmoid.ts'

/**
 * Plain-bigint semantics of the quantized operations: the specification the circuit must match.
 * Written without the circuit builder so that tests compare two independent implementations.
 */

/** floor(a / 2^k) for any sign of a (BigInt division truncates toward zero, so fix negatives). */
export function floorShift(a: bigint, k: number): bigint {
  const d = 1n << BigInt(k)
  const q = a / d
  return a < 0n && q * d !== a ? q - 1n : q
}

/**
 * Round-half-up rescale by 2^k, the circuit's rescale gadget.
 *
 * @example
 * ```ts
 * rescaleRef(-5n, 1) // -2n (−2.5 rounds up to −2)
 * ```
 */
export function rescaleRef(a: bigint, k: number): bigint {
  return k === 0 ? a : floorShift(a + (1n << BigInt(k - 1)), k)
}

/** @example reluRef(-3n) // 0n */
export function reluRef(a: bigint): bigint {
  return a > 0n ? a : 0n
}

/** True when a fits B signed bits, as every range check demands. @example fitsSigned(127n, 8) // true */
export function fitsSigned(a: bigint, B: number): boolean {
  const h = 1n << BigInt(B - 1)
  return a >= -h && a < h
}

/**
 * The proved sigmoid's exact integer semantics: input at scale 2^s, output at scale 2^(2s-1).
 *
 * @example
 * ```ts
 * sigmoidRef(0n, 8) // 16384n: 0.5 at scale 2^15
 * ```
 */
export function sigmoidRef(x: bigint, s: number): bigint {
  const lim = 1n << BigInt(s + 3)
  if (x >= lim) return 1n << BigInt(2 * s - 1)
  if (x < -lim) return 0n
  const { A, D } = sigmoidTable(s)
  const p = x + lim
  const k = Number(p >> BigInt(s - 1))
  const frac = p & ((1n << BigInt(s - 1)) - 1n)
  return A[k]! * (1n << BigInt(s - 1)) + D[k]! * frac
}
