import * as snarkjs from 'snarkjs'
import { BaseError } from '../../errors/index.ts'
import { P } from '../field.ts'
import { canonicalProof, type G2SubgroupCheck } from './canonicalProof.ts'
import { captureLogger } from './logger.ts'
import type { Backend, SnarkProof, VerificationKey } from './types.ts'

/**
 * The Groth16 pairing check alone, for a proof already in canonical form and signals already
 * checked (decimal, below r, as many as the key has): an engine's faster equivalent of
 * `snarkjs.groth16.verify` (the native addon's). Every other check stays in {@link verify}.
 */
export type Groth16Check = (vkey: VerificationKey, publicSignals: string[], proof: SnarkProof) => boolean

/**
 * Verifies a proof off-chain. Returns false for any proof that does not verify, including a malformed
 * proof object and public signals >= P (snarkjs's PLONK verifier reduces those mod P and accepts what
 * the Solidity verifier rejects, so they are refused here for both backends to keep both sides identical).
 * For the same reason only the canonical encoding is verified (`canonicalProof`: affine points on
 * their curves, coordinates below q, G2 in its subgroup, PLONK evaluations below r): snarkjs also
 * accepts projective or unreduced forms of a valid proof that the chain's precompiles reject, and what
 * is checked here must be exactly the calldata the chain will see.
 * `opts.groth16Check` replaces snarkjs's pairing check (the native engine passes its own) and
 * `opts.g2Subgroup` the TypeScript subgroup check inside `canonicalProof`; the other checks run
 * either way.
 * Throws `PUBLIC_SIGNALS_INVALID` when the signals are not decimal strings or not as many as the key
 * has (a caller bug, not a bad proof; the Solidity wrapper reverts in the same case), and
 * `PROOF_INVALID` when the key is for the other backend.
 *
 * @example
 * ```ts
 * import { verify } from './src/compiler/snark/index.ts'
 * const ok = await verify('groth16', vkey, publicSignals, proof) // true
 * ```
 */
export async function verify(
  backend: Backend,
  vkey: VerificationKey,
  publicSignals: string[],
  proof: SnarkProof,
  opts: { groth16Check?: Groth16Check | undefined; g2Subgroup?: G2SubgroupCheck | undefined } = {},
): Promise<boolean> {
  if (vkey.protocol !== backend)
    throw new BaseError('PROOF_INVALID', `Cannot verify a ${backend} proof with this key.`, {
      details: `expected a ${backend} verification key, got protocol ${JSON.stringify(vkey.protocol)}`,
    })
  if (!Array.isArray(publicSignals))
    throw new BaseError('PUBLIC_SIGNALS_INVALID', 'Public signals must be an array.', {
      details: `expected an array of decimal strings, got ${typeof publicSignals}`,
    })
  const bad = publicSignals.findIndex((s) => typeof s !== 'string' || !/^(0|[1-9][0-9]*)$/.test(s))
  if (bad >= 0)
    throw new BaseError('PUBLIC_SIGNALS_INVALID', 'Public signals must be decimal strings.', {
      details: `expected canonical decimal strings, got ${JSON.stringify(publicSignals[bad])} at index ${bad}`,
    })
  if (publicSignals.length !== vkey.nPublic)
    throw new BaseError('PUBLIC_SIGNALS_INVALID', 'Wrong number of public signals.', {
      details: `expected ${String(vkey.nPublic)} public signals, got ${publicSignals.length}`,
    })
  if (publicSignals.some((s) => BigInt(s) >= P)) return false
  let onChain: SnarkProof
  try {
    onChain = canonicalProof(backend, proof, { g2Subgroup: opts.g2Subgroup })
  } catch {
    return false
  }
  const log = captureLogger()
  try {
    const ok = backend === 'groth16'
      ? opts.groth16Check
        ? opts.groth16Check(vkey, publicSignals, onChain)
        : await snarkjs.groth16.verify(vkey, publicSignals, onChain, log)
      : await snarkjs.plonk.verify(vkey, publicSignals, onChain, log)
    return ok === true
  } catch {
    // snarkjs throws on structurally broken proofs (missing points, non-numbers): that is "does not verify".
    return false
  }
}
