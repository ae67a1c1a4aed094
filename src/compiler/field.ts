/**
 * The BN254 (alt_bn128) scalar field: the field snarkjs's Groth16 and PLONK over bn128 work in,
 * and the one Ethereum's pairing precompiles check.
 *
 * @example
 * ```ts
 * import { P, mod, toSigned } from './src/compiler/field.ts'
 * mod(-1n) === P - 1n // true
 * toSigned(P - 5n) === -5n // true
 * ```
 */
export const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Reduces any integer into [0, P). */
export function mod(x: bigint): bigint {
  const r = x % P
  return r < 0n ? r + P : r
}

/** Reads a field element as a signed integer in (-P/2, P/2]. */
export function toSigned(x: bigint): bigint {
  const r = mod(x)
  return r > P / 2n ? r - P : r
}

/** Multiplicative inverse; 0 has none and maps to 0 (the IsZero gadget relies on that). */
export function inv(x: bigint): bigint {
  const a = mod(x)
  if (a === 0n) return 0n
  let [t, newT, r, newR] = [0n, 1n, P, a]
  while (newR !== 0n) {
    const q = r / newR
    ;[t, newT] = [newT, t - q * newT]
    ;[r, newR] = [newR, r - q * newR]
  }
  return mod(t)
}
