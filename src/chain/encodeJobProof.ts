import type { Hex } from 'viem'
import type { Backend } from '../compiler/manifest.ts'
import { encodeProof } from '../compiler/snark/encodeProof.ts' // not the snark index: it loads snarkjs
import { BaseError } from '../errors/index.ts'

/**
 * The `bytes proof` for IZkmlVerifier from what a prover job returned: already-encoded `0x` bytes
 * pass through (length-checked), a snarkjs proof JSON is encoded for `backend`.
 *
 * @example
 * ```ts
 * import { encodeJobProof } from './src/chain/index.ts'
 * const bytes = encodeJobProof('groth16', job.proof)
 * ```
 */
export function encodeJobProof(backend: Backend, proof: unknown): Hex {
  if (backend === 'ezkl') {
    // ezkl's Halo2 proof bytes are the calldata as they are: { hexProof } from the ezkl engine, or the hex itself.
    const hex = typeof proof === 'string' ? proof : (proof as { hexProof?: unknown } | null)?.hexProof
    if (typeof hex !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(hex) || hex.length > 2 + 2 * 2 ** 20)
      throw new BaseError('PROVER_JOB_FAILED', 'The job returned a malformed ezkl proof.', {
        details: `expected { hexProof: 0x + an even number of hex digits } (at most 1 MiB), got ${JSON.stringify(proof)?.slice(0, 40)}`,
      })
    return hex as Hex
  }
  if (typeof proof === 'string') {
    const bytes = backend === 'groth16' ? 256 : 768
    if (!/^0x[0-9a-fA-F]*$/.test(proof) || proof.length !== 2 + 2 * bytes)
      throw new BaseError('PROVER_JOB_FAILED', 'The job returned a malformed proof.', {
        details: `expected 0x + ${2 * bytes} hex digits for ${backend}, got ${proof.slice(0, 20)}… (${proof.length} chars)`,
      })
    return proof as Hex
  }
  return encodeProof(backend, proof as Record<string, unknown>)
}
