import { BaseError } from '../../errors/index.ts'
import { BN254_Q, BN254_R, isG1, isOnTwist, inG2Subgroup, type Fp2 } from './bn254.ts'
import { encodeProof } from './encodeProof.ts'
import type { Backend, SnarkProof } from './types.ts'

/** A G2 point's affine coordinates as canonical decimal strings: x.c0, x.c1, y.c0, y.c1. */
export type G2Coords = [string, string, string, string]

/**
 * An engine's check that a point already known to lie on the twist is in G2, the order-r subgroup
 * (the native addon's `isG2`); see {@link canonicalProof}.
 */
export type G2SubgroupCheck = (coords: G2Coords) => boolean

const PLONK_POINTS = ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw'] as const
const PLONK_EVALS = ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw'] as const

/**
 * The snarkjs proof object the chain sees in `bytes proof` (the inverse of `encodeProof`): affine
 * points with z = 1, values as decimal strings. No check is made here; see {@link canonicalProof}.
 *
 * @example
 * ```ts
 * import { decodeProof, encodeProof } from './src/compiler/snark/index.ts'
 * const same = decodeProof('groth16', encodeProof('groth16', proof)) // { pi_a: [x, y, '1'], … }
 * ```
 */
export function decodeProof(backend: Backend, calldata: `0x${string}`): SnarkProof {
  const want = backend === 'groth16' ? 8 : 24
  if (typeof calldata !== 'string' || !/^0x[0-9a-fA-F]*$/.test(calldata) || calldata.length !== 2 + 64 * want)
    throw new BaseError('PROOF_INVALID', `Cannot decode the ${backend} proof bytes.`, {
      details: `expected 0x + ${64 * want} hex digits (${want} words), got ${typeof calldata === 'string' ? `${calldata.length} characters` : typeof calldata}`,
    })
  const words = calldata.slice(2).match(/.{64}/g)!.map((h) => BigInt(`0x${h}`).toString())
  const w = (i: number) => words[i]!
  if (backend === 'groth16')
    return {
      pi_a: [w(0), w(1), '1'],
      pi_b: [[w(3), w(2)], [w(5), w(4)], ['1', '0']],
      pi_c: [w(6), w(7), '1'],
      protocol: 'groth16',
      curve: 'bn128',
    }
  const out: Record<string, unknown> = {}
  PLONK_POINTS.forEach((k, i) => { out[k] = [w(2 * i), w(2 * i + 1), '1'] })
  PLONK_EVALS.forEach((k, i) => { out[k] = w(18 + i) })
  return { ...out, protocol: 'plonk', curve: 'bn128' }
}

/**
 * Checks that a proof is in the one encoding the Solidity verifier accepts and returns exactly that
 * form (`decodeProof(encodeProof(proof))`), so the caller verifies the calldata the chain will see.
 * snarkjs reads points as projective and reduces coordinates modulo q, so it accepts encodings the
 * chain's precompiles reject: `[x·λ², y·λ³, λ]`, `x + q`, … Those, where the two sides disagree, are
 * `PROOF_NONCANONICAL`:
 * - a z coordinate other than 1 (G1: `'1'`; G2: `['1', '0']`), or more coordinates than that;
 * - a coordinate ≥ q;
 * - a PLONK evaluation ≥ r;
 * - `protocol` or `curve` naming another system.
 * A point that is not in its group (G1 off y² = x³ + 3; G2 off the twist over Fp2 or outside the
 * order-r subgroup, which the pairing precompile checks) and a malformed proof (values that are not
 * decimal strings below 2^256) are `PROOF_INVALID`: no verifier may accept those.
 *
 * @example
 * ```ts
 * import { canonicalProof, verify } from './src/compiler/snark/index.ts'
 * const onChainForm = canonicalProof('groth16', workerProof) // throws PROOF_NONCANONICAL
 * const ok = await verify('groth16', vkey, publicSignals, onChainForm)
 * ```
 *
 * `opts.g2Subgroup` replaces the TypeScript order-r subgroup check of `pi_b` (a few ms of bigint
 * arithmetic, most of this function's time) with an engine's faster equivalent (the native addon's
 * `isG2`); it gets the affine coordinates as canonical decimals `[x.c0, x.c1, y.c0, y.c1]`, already
 * below q and on the twist. Every other check runs either way.
 */
export function canonicalProof(backend: Backend, proof: SnarkProof, opts: { g2Subgroup?: G2SubgroupCheck | undefined } = {}): SnarkProof {
  if (!proof || typeof proof !== 'object')
    throw new BaseError('PROOF_INVALID', `The ${backend} proof is not an object.`, { details: `expected a snarkjs proof object, got ${typeof proof}` })
  const p = proof as Record<string, unknown>
  const show = (got: unknown) => JSON.stringify(got, (_, v) => (typeof v === 'bigint' ? String(v) : v))?.slice(0, 200)
  const refuse = (expected: string, got: unknown): never => {
    throw new BaseError('PROOF_NONCANONICAL', `The ${backend} proof is not in the canonical encoding the chain verifies.`, {
      details: `expected ${expected}, got ${show(got)}`,
    })
  }
  // Not a group element at all: snarkjs refuses these too, so they are plain invalid proofs.
  const invalid = (expected: string, got: unknown): never => {
    throw new BaseError('PROOF_INVALID', `The ${backend} proof does not verify: a point is not in its group.`, {
      details: `expected ${expected}, got ${show(got)}`,
    })
  }
  if (p.protocol !== undefined && p.protocol !== backend) refuse(`protocol ${JSON.stringify(backend)}`, p.protocol)
  if (p.curve !== undefined && p.curve !== 'bn128') refuse('curve "bn128"', p.curve)
  const affineG1 = (k: string) => {
    const v = p[k]
    if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3) || (v.length === 3 && v[2] !== '1'))
      refuse(`${k} as an affine G1 point [x, y] or [x, y, "1"]`, v)
  }
  const affineG2 = (k: string) => {
    const v = p[k]
    const z = Array.isArray(v) ? v[2] : undefined
    if (!Array.isArray(v) || (v.length !== 2 && v.length !== 3) || !Array.isArray(v[0]) || v[0].length !== 2 || !Array.isArray(v[1]) || v[1].length !== 2
      || (v.length === 3 && !(Array.isArray(z) && z.length === 2 && z[0] === '1' && z[1] === '0')))
      refuse(`${k} as an affine G2 point [[x0, x1], [y0, y1]] or with z = ["1", "0"]`, v)
  }
  if (backend === 'groth16') {
    affineG1('pi_a'); affineG2('pi_b'); affineG1('pi_c')
  } else {
    PLONK_POINTS.forEach(affineG1)
  }
  // The bytes the chain will get (PROOF_INVALID if a value is not a decimal below 2^256), read back.
  const canon = decodeProof(backend, encodeProof(backend, proof))
  const c = canon as Record<string, unknown>
  const big = (v: unknown) => BigInt(v as string)
  const g1 = (k: string) => {
    const [x, y] = (c[k] as string[]).map(big) as [bigint, bigint]
    if (x >= BN254_Q || y >= BN254_Q) refuse(`${k}'s coordinates below the base field modulus q`, c[k])
    if (!isG1(x, y)) invalid(`${k} on the curve y² = x³ + 3`, c[k])
  }
  if (backend === 'groth16') {
    g1('pi_a'); g1('pi_c')
    const [[x0, x1], [y0, y1]] = (c.pi_b as string[][]).map((pair) => pair.map(big)) as [[bigint, bigint], [bigint, bigint]]
    const x: Fp2 = [x0, x1]
    const y: Fp2 = [y0, y1]
    if ([x0, x1, y0, y1].some((v) => v >= BN254_Q)) refuse('pi_b\'s coordinates below the base field modulus q', c.pi_b)
    if (!isOnTwist(x, y)) invalid('pi_b on the twist y² = x³ + 3/(9+u)', c.pi_b)
    const inG2 = opts.g2Subgroup ? opts.g2Subgroup([x0, x1, y0, y1].map(String) as G2Coords) : inG2Subgroup(x, y)
    if (!inG2) invalid('pi_b in the order-r subgroup G2', c.pi_b)
  } else {
    PLONK_POINTS.forEach(g1)
    for (const k of PLONK_EVALS) if (big(c[k]) >= BN254_R) refuse(`${k} below the scalar field order r`, c[k])
  }
  return canon
}
