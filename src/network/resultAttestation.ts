import { verifyMessage, type Hex } from 'viem'
import { sha256Hex } from './artifactStore.ts'
import { canonicalJson } from '../compiler/circuitId.ts'
import type { ProofResult } from './jobStore.ts'

/** A prover's signature over one result hand-in: who stands behind it, for bad-proof accounting. */
export type ResultAttestation = { prover: Hex; signature: Hex }

/**
 * The text a prover signs (EIP-191 personal message) over a result hand-in. It names the job, the
 * attempt, the worker and the result's hash, so a signature cannot be replayed onto another
 * result: nobody can pin a tampered proof on a prover that did not send it.
 *
 * @example
 * ```ts
 * import { attestationMessage } from './src/network/index.ts'
 * const text = attestationMessage({ jobId: 'j1', workerId: 'w1', attempt: 1, result: { proof: {}, publicSignals: [], outputs: [] } })
 * const signature = await wallet.signMessage({ message: text })
 * ```
 */
export function attestationMessage(sub: { jobId: string; workerId: string; attempt: number; result: ProofResult }): string {
  return `zkml result v1\njob ${sub.jobId}\nattempt ${sub.attempt}\nworker ${sub.workerId}\nresult ${sha256Hex(canonicalJson(sub.result))}`
}

/**
 * The prover address a hand-in is attested by, lower-case, or undefined when there is no attestation
 * or its signature does not recover to the address it claims.
 *
 * @example
 * ```ts
 * import { attestedProver } from './src/network/index.ts'
 * const who = await attestedProver(submission) // '0xf39f…' | undefined
 * ```
 */
export async function attestedProver(sub: { jobId: string; workerId: string; attempt: number; result: ProofResult; attestation?: ResultAttestation | undefined }): Promise<Hex | undefined> {
  const a = sub.attestation
  if (!a || typeof a.prover !== 'string' || typeof a.signature !== 'string') return undefined
  try {
    const ok = await verifyMessage({ address: a.prover, message: attestationMessage(sub), signature: a.signature })
    return ok ? (a.prover.toLowerCase() as Hex) : undefined
  } catch {
    return undefined
  }
}
