import type { CircuitManifest } from '../compiler/manifest.ts'

/** A circuit loaded for proving (the compiler's `LoadedCircuit`). */
export type LoadedCircuit = {
  dir: string
  manifest: CircuitManifest
  /** Synchronous for snarkjs circuits; ezkl computes its witness in Python, so it may be a promise. */
  computeWitness(input: number[], ctx: { subject: bigint; round: bigint }): WitnessOut | Promise<WitnessOut>
}

export type WitnessOut = { wtns: Uint8Array; publicSignals: string[]; outputs: number[] }

export type ProveProgress = { stage: string; fraction?: number }

/**
 * The one seam between the network and its provers: load a circuit directory, prove, verify.
 * The network (coordinator, circuit cache) is written against this interface only; each engine
 * lives in its own folder under src/prover/engines/ (snarkjs today), so the network never imports
 * snarkjs itself (GPL stays in src/compiler/snark) and a native or GPU prover slots in beside it.
 *
 * @example
 * ```ts
 * import type { ProvingEngine } from './src/network/index.ts'
 * import { snarkjsEngine } from './src/prover/index.ts'
 * const engine: ProvingEngine = await snarkjsEngine()
 * ```
 */
export interface ProvingEngine {
  load(dir: string): Promise<LoadedCircuit>
  prove(
    circuit: LoadedCircuit,
    input: number[],
    ctx: { subject: bigint; round: bigint },
    opts?: { onProgress?: (p: ProveProgress) => void },
  ): Promise<{ proof: unknown; publicSignals: string[]; outputs: number[] }>
  verify(circuit: LoadedCircuit, proof: unknown, publicSignals: string[]): Promise<boolean>
  /**
   * The proof in the one encoding the chain's verifier accepts, exactly as it will be posted; throws
   * `PROOF_NONCANONICAL` for any other encoding (projective points, coordinates ≥ q, off-curve points,
   * G2 outside its subgroup, PLONK evaluations ≥ r) and `PROOF_INVALID` for a malformed proof. The
   * coordinator verifies and stores this form, never the worker's object.
   */
  canonicalProof(circuit: LoadedCircuit, proof: unknown): unknown
  /** Frees prover thread pools so the process can exit. */
  terminate?(): Promise<void>
}
