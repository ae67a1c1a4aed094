// BN254 (alt_bn128) group checks in plain bigint arithmetic: what Ethereum's precompiles check before
// they accept a point, and nothing more. No GPL code: this file needs neither snarkjs nor ffjavascript.

/**
 * The base field modulus q of BN254: every point coordinate must be below it.
 *
 * @example
 * ```ts
 * import { BN254_Q } from './src/compiler/snark/bn254.ts'
 * BN254_Q > 2n ** 253n // true
 * ```
 */
export const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

/**
 * The group order r of BN254 (the scalar field the circuits live in; `P` in src/compiler/field.ts).
 *
 * @example
 * ```ts
 * import { BN254_R } from './src/compiler/snark/bn254.ts'
 * BN254_R < BN254_Q // true
 * ```
 */
export const BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

const q = BN254_Q
const md = (a: bigint): bigint => {
  const x = a % q
  return x < 0n ? x + q : x
}
function invFp(a: bigint): bigint {
  let [t, newT, r, newR] = [0n, 1n, q, md(a)]
  while (newR !== 0n) {
    const k = r / newR
    ;[t, newT] = [newT, t - k * newT]
    ;[r, newR] = [newR, r - k * newR]
  }
  return md(t)
}

/** An element a0 + a1·u of Fp2 = Fp[u]/(u² + 1), the field G2's coordinates live in. */
export type Fp2 = readonly [bigint, bigint]

/**
 * Fp2 arithmetic (u² = -1), enough for the twist's equation and G2 scalar multiplication.
 *
 * @example
 * ```ts
 * import { fp2 } from './src/compiler/snark/bn254.ts'
 * fp2.mul([0n, 1n], [0n, 1n]) // [q - 1n, 0n]: u·u = -1
 * ```
 */
export const fp2 = {
  add: (a: Fp2, b: Fp2): Fp2 => [md(a[0] + b[0]), md(a[1] + b[1])],
  sub: (a: Fp2, b: Fp2): Fp2 => [md(a[0] - b[0]), md(a[1] - b[1])],
  mul: (a: Fp2, b: Fp2): Fp2 => [md(a[0] * b[0] - a[1] * b[1]), md(a[0] * b[1] + a[1] * b[0])],
  sqr: (a: Fp2): Fp2 => [md((a[0] + a[1]) * (a[0] - a[1])), md(2n * a[0] * a[1])],
  small: (a: Fp2, k: bigint): Fp2 => [md(a[0] * k), md(a[1] * k)],
  inv: (a: Fp2): Fp2 => {
    const n = invFp(a[0] * a[0] + a[1] * a[1])
    return [md(a[0] * n), md(-a[1] * n)]
  },
  eq: (a: Fp2, b: Fp2): boolean => a[0] === b[0] && a[1] === b[1],
  isZero: (a: Fp2): boolean => a[0] === 0n && a[1] === 0n,
}

/**
 * The twist's constant b' = 3 / (9 + u): G2 is the order-r subgroup of y² = x³ + b' over Fp2.
 *
 * @example
 * ```ts
 * import { TWIST_B } from './src/compiler/snark/bn254.ts'
 * TWIST_B[0] // 19485874751759354771024239261021720505790618469301721065564631296452457478373n
 * ```
 */
export const TWIST_B: Fp2 = fp2.small(fp2.inv([9n, 1n]), 3n)

/**
 * Whether (x, y) is an affine point of G1: both coordinates in [0, q) and y² = x³ + 3. G1 has
 * cofactor 1, so on the curve means in the group. The point at infinity (which snarkjs writes with
 * z = 0 and the chain as (0, 0)) is not accepted: no honest proof carries it.
 *
 * @example
 * ```ts
 * import { isG1 } from './src/compiler/snark/bn254.ts'
 * isG1(1n, 2n) // true: the generator
 * isG1(1n, 3n) // false
 * ```
 */
export function isG1(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= q || y < 0n || y >= q) return false
  return md(y * y) === md(x * x * x + 3n)
}

/**
 * Whether (x, y) is an affine point on the twist y² = x³ + b' over Fp2, every coordinate limb in [0, q).
 * Being on the twist is not enough for G2: see {@link inG2Subgroup}.
 *
 * @example
 * ```ts
 * import { isOnTwist } from './src/compiler/snark/bn254.ts'
 * isOnTwist([1n, 0n], [1n, 0n]) // false
 * ```
 */
export function isOnTwist(x: Fp2, y: Fp2): boolean {
  if ([...x, ...y].some((c) => c < 0n || c >= q)) return false
  return fp2.eq(fp2.sqr(y), fp2.add(fp2.mul(fp2.sqr(x), x), TWIST_B))
}

type Jac = { x: Fp2; y: Fp2; z: Fp2 }
const ONE: Fp2 = [1n, 0n]
const ZERO: Fp2 = [0n, 0n]

// Jacobian doubling for a = 0 (dbl-2009-l).
function dbl(p: Jac): Jac {
  if (fp2.isZero(p.z)) return p
  const A = fp2.sqr(p.x)
  const B = fp2.sqr(p.y)
  const C = fp2.sqr(B)
  const D = fp2.small(fp2.sub(fp2.sub(fp2.sqr(fp2.add(p.x, B)), A), C), 2n)
  const E = fp2.small(A, 3n)
  const F = fp2.sqr(E)
  const x = fp2.sub(F, fp2.small(D, 2n))
  const y = fp2.sub(fp2.mul(E, fp2.sub(D, x)), fp2.small(C, 8n))
  const z = fp2.small(fp2.mul(p.y, p.z), 2n)
  return { x, y, z }
}

// Jacobian + affine addition (madd-2007-bl), with the doubling and inverse cases handled.
function addAffine(p: Jac, ax: Fp2, ay: Fp2): Jac {
  if (fp2.isZero(p.z)) return { x: ax, y: ay, z: ONE }
  const z1z1 = fp2.sqr(p.z)
  const u2 = fp2.mul(ax, z1z1)
  const s2 = fp2.mul(ay, fp2.mul(p.z, z1z1))
  const h = fp2.sub(u2, p.x)
  const rr = fp2.small(fp2.sub(s2, p.y), 2n)
  if (fp2.isZero(h)) return fp2.isZero(rr) ? dbl(p) : { x: ONE, y: ONE, z: ZERO }
  const hh = fp2.sqr(h)
  const i = fp2.small(hh, 4n)
  const j = fp2.mul(h, i)
  const v = fp2.mul(p.x, i)
  const x = fp2.sub(fp2.sub(fp2.sqr(rr), j), fp2.small(v, 2n))
  const y = fp2.sub(fp2.mul(rr, fp2.sub(v, x)), fp2.small(fp2.mul(p.y, j), 2n))
  const z = fp2.sub(fp2.sub(fp2.sqr(fp2.add(p.z, h)), z1z1), hh)
  return { x, y, z }
}

/**
 * [k]P on the twist, affine in and out (`undefined` is the point at infinity). Double-and-add over
 * Jacobian coordinates: one inversion at the end.
 *
 * @example
 * ```ts
 * import { g2Mul, BN254_R } from './src/compiler/snark/bn254.ts'
 * g2Mul(x, y, BN254_R) // undefined (infinity) for every point (x, y) of G2
 * ```
 */
export function g2Mul(x: Fp2, y: Fp2, k: bigint): { x: Fp2; y: Fp2 } | undefined {
  let acc: Jac = { x: ONE, y: ONE, z: ZERO }
  for (let i = k.toString(2).length - 1; i >= 0; i--) {
    acc = dbl(acc)
    if ((k >> BigInt(i)) & 1n) acc = addAffine(acc, x, y)
  }
  if (fp2.isZero(acc.z)) return undefined
  const zi = fp2.inv(acc.z)
  const zi2 = fp2.sqr(zi)
  return { x: fp2.mul(acc.x, zi2), y: fp2.mul(acc.y, fp2.mul(zi2, zi)) }
}

/**
 * Whether a point on the twist lies in G2, the order-r subgroup: [r]P = O. The twist has about q
 * times more points than G2 (cofactor 2q - r), and the EVM pairing precompile refuses those outside
 * it, so a proof carrying one fails on-chain whatever an off-chain verifier says. A few ms.
 *
 * @example
 * ```ts
 * import { inG2Subgroup } from './src/compiler/snark/bn254.ts'
 * const [x, y] = (vkey.vk_beta_2 as string[][]).map(([c0, c1]) => [BigInt(c0), BigInt(c1)] as const)
 * inG2Subgroup(x, y) // true: the verification key's own points are in G2
 * ```
 */
export function inG2Subgroup(x: Fp2, y: Fp2): boolean {
  return g2Mul(x, y, BN254_R) === undefined
}

/**
 * Whether (x, y) is a point of G2 as the chain accepts it: coordinates in [0, q), on the twist, in
 * the order-r subgroup. Infinity is not accepted (see {@link isG1}).
 *
 * @example
 * ```ts
 * import { isG2 } from './src/compiler/snark/bn254.ts'
 * isG2([1n, 0n], [2n, 0n]) // false
 * ```
 */
export function isG2(x: Fp2, y: Fp2): boolean {
  return isOnTwist(x, y) && inG2Subgroup(x, y)
}
