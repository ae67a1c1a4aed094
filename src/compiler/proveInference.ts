import { BaseError } from '../errors/index.ts'
import type { LoadedCircuit, ProofContext } from './loadCircuit.ts'
import { decodeOutputs } from './loadCircuit.ts'
import { prove, verify, type G2SubgroupCheck, type Groth16Check, type SnarkProof } from './snark/index.ts'

export type InferenceProof = { proof: SnarkProof; publicSignals: string[]; outputs: number[] }

/**
 * Proves one inference: quantize → witness → snarkjs proof, with the backend the circuit was set up for.
 *
 * @example
 * ```ts
 * const c = await loadCircuit('out/pool-risk')
 * const { proof, publicSignals, outputs } = await proveInference(c, features, { subject: 1n, round: 7n })
 * ```
 */
export async function proveInference(
  circuit: LoadedCircuit,
  input: ReadonlyArray<number>,
  ctx: ProofContext,
  opts: { onProgress?: (p: { stage: string; fraction?: number }) => void } = {},
): Promise<InferenceProof> {
  opts.onProgress?.({ stage: 'witness', fraction: 0 })
  const w = circuit.computeWitness(input, ctx)
  opts.onProgress?.({ stage: 'prove', fraction: 0.1 })
  const { proof, publicSignals } = await prove(circuit.manifest.backend, circuit.zkey, w.wtns)
  if (publicSignals.length !== w.publicSignals.length || publicSignals.some((s, i) => s !== w.publicSignals[i]))
    throw new BaseError('PROOF_INVALID', 'The prover returned public signals other than the witness holds.', {
      details: `expected [${w.publicSignals.slice(0, 4).join(', ')}…], got [${publicSignals.slice(0, 4).join(', ')}…]`,
    })
  opts.onProgress?.({ stage: 'proved', fraction: 1 })
  return { proof, publicSignals, outputs: decodeOutputs(circuit.manifest, publicSignals) }
}

/**
 * Verifies a proof against the circuit's verification key. Never trust a proof before this.
 *
 * @example
 * ```ts
 * if (!(await verifyInference(c, proof, publicSignals))) throw new Error('bad proof')
 * ```
 */
export async function verifyInference(
  circuit: Pick<LoadedCircuit, 'manifest' | 'vkey'>,
  proof: SnarkProof,
  publicSignals: ReadonlyArray<string>,
  opts: { groth16Check?: Groth16Check | undefined; g2Subgroup?: G2SubgroupCheck | undefined } = {},
): Promise<boolean> {
  if (publicSignals.length !== circuit.manifest.publicSignals.length) return false
  return verify(circuit.manifest.backend, circuit.vkey, [...publicSignals], proof, opts)
}
