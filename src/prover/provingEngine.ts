import type { CircuitManifest } from '../compiler/manifest.ts'

/** A circuit loaded for proving (the compiler's `LoadedCircuit`). */
export type LoadedCircuit = {
  dir: string
  manifest: CircuitManifest
  computeWitness(input: number[], ctx: { subject: bigint; round: bigint }): { wtns: Uint8Array; publicSignals: string[]; outputs: number[] }
}

export type ProveProgress = { stage: string; fraction?: number }

/**
 * What the prover network needs from the compiler: load a circuit directory, prove, verify.
 * The default is the compiler's own `loadCircuit` / `proveInference` / `verifyInference`;
 * the seam exists so the network does not import snarkjs itself (GPL stays in
 * src/compiler/snark) and so a GPU prover can be slotted in.
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

/**
 * The compiler-backed engine (loaded lazily: `zkml serve` without jobs never pays for it).
 *
 * @example
 * ```ts
 * import { compilerEngine } from './src/prover/index.ts'
 * const engine = await compilerEngine()
 * const circuit = await engine.load('out/pool-risk')
 * const { proof, publicSignals } = await engine.prove(circuit, input, { subject: 1n, round: 1n })
 * console.log(await engine.verify(circuit, proof, publicSignals)) // true
 * ```
 */
export async function compilerEngine(): Promise<ProvingEngine> {
  const c = await import('../compiler/index.ts')
  const snark = await import('../compiler/snark/index.ts')
  return {
    load: (dir) => c.loadCircuit(dir) as Promise<LoadedCircuit>,
    prove: (circuit, input, ctx, opts) => c.proveInference(circuit as never, input, ctx, opts),
    verify: (circuit, proof, publicSignals) => c.verifyInference(circuit as never, proof as never, publicSignals),
    canonicalProof: (circuit, proof) => snark.canonicalProof(circuit.manifest.backend, proof as never),
    terminate: async () => { await snark.terminateSnark() },
  }
}
