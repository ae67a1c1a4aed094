export type { Backend } from '../manifest.ts'

/** A snarkjs proof as JSON (Groth16: pi_a, pi_b, pi_c; PLONK: A…Wxiw and evaluations), values as decimal strings. */
export type SnarkProof = Record<string, unknown>

/** A snarkjs verification key as JSON (`protocol`, `curve`, `nPublic`, …). */
export type VerificationKey = Record<string, unknown>
