/**
 * The proving system: 'groth16' (smallest proofs and cheapest on-chain check, per-circuit setup) or
 * 'plonk' (universal setup, larger proof and gas).
 *
 * @example
 * ```ts
 * import type { Backend } from './src/compiler/snark/index.ts'
 * const backend: Backend = 'plonk'
 * ```
 */
export type { Backend } from '../manifest.ts'

/**
 * A snarkjs proof as JSON (Groth16: pi_a, pi_b, pi_c; PLONK: A…Wxiw and evaluations), values as decimal strings.
 *
 * @example
 * ```ts
 * import { prove, type SnarkProof } from './src/compiler/snark/index.ts'
 * const { proof }: { proof: SnarkProof } = await prove('groth16', zkey, wtns)
 * ```
 */
export type SnarkProof = Record<string, unknown>

/**
 * A snarkjs verification key as JSON (`protocol`, `curve`, `nPublic`, …); what `verify` takes.
 *
 * @example
 * ```ts
 * import { setupPlonk, DEFAULT_PTAU_PATH, type VerificationKey } from './src/compiler/snark/index.ts'
 * const { vkey }: { vkey: VerificationKey } = await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
 * ```
 */
export type VerificationKey = Record<string, unknown>
