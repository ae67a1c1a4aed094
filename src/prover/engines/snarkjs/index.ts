import type { LoadedCircuit, ProvingEngine } from '../../../network/provingEngine.ts'

/**
 * The snarkjs engine: the compiler's own `loadCircuit` / `proveInference` / `verifyInference`,
 * which reach snarkjs only through src/compiler/snark/ (the GPL adapter). Loaded lazily, so
 * `zkml serve` without jobs never pays for it.
 *
 * @example
 * ```ts
 * import { snarkjsEngine } from './src/prover/index.ts'
 * const engine = await snarkjsEngine()
 * const circuit = await engine.load('out/pool-risk')
 * const { proof, publicSignals } = await engine.prove(circuit, input, { subject: 1n, round: 1n })
 * console.log(await engine.verify(circuit, proof, publicSignals)) // true
 * ```
 */
export async function snarkjsEngine(): Promise<ProvingEngine> {
  // Not the compiler's index: that pulls in compileModel and with it the ONNX front end and onnxruntime,
  // which a worker or a coordinator never needs (test/unit/startup-imports.test.ts).
  const c = { ...(await import('../../../compiler/loadCircuit.ts')), ...(await import('../../../compiler/proveInference.ts')) }
  const snark = await import('../../../compiler/snark/index.ts')
  return {
    load: (dir) => c.loadCircuit(dir) as Promise<LoadedCircuit>,
    prove: (circuit, input, ctx, opts) => c.proveInference(circuit as never, input, ctx, opts),
    verify: (circuit, proof, publicSignals) => c.verifyInference(circuit as never, proof as never, publicSignals),
    canonicalProof: (circuit, proof) => snark.canonicalProof(circuit.manifest.backend, proof as never),
    terminate: async () => { await snark.terminateSnark() },
  }
}
