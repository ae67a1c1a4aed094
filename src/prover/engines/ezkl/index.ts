import { BaseError } from '../../../errors/index.ts'
import type { LoadedCircuit, ProvingEngine } from '../../../network/provingEngine.ts'

/**
 * The ezkl engine: Halo2/KZG proofs through the ezkl Python wheel (src/compiler/ezkl/, one bridge
 * process per Node process). Proofs travel as `{ protocol: 'ezkl-halo2-kzg', hexProof }`;
 * verification rebuilds the instances from the public signals, so subject and round are checked.
 *
 * @example
 * ```ts
 * import { ezklEngine } from './src/prover/index.ts'
 * const engine = await ezklEngine()
 * const circuit = await engine.load('out/pool-risk-ezkl')
 * const { proof, publicSignals } = await engine.prove(circuit, input, { subject: 1n, round: 1n })
 * console.log(await engine.verify(circuit, proof, publicSignals)) // true
 * ```
 */
export async function ezklEngine(): Promise<ProvingEngine> {
  // The circuit side only: the ezkl index also holds the compiler, which loads onnxruntime.
  const ezkl = { ...(await import('../../../compiler/ezkl/ezklCircuit.ts')), ...(await import('../../../compiler/ezkl/bridge.ts')) }
  return {
    load: (dir) => ezkl.loadEzklCircuit(dir) as Promise<LoadedCircuit>,
    prove: (circuit, input, ctx, opts) => ezkl.proveEzkl(circuit as never, input, ctx, opts),
    verify: (circuit, proof, publicSignals) => ezkl.verifyEzkl(circuit as never, proof, publicSignals),
    // An ezkl proof is posted as its exact bytes, which the Halo2 verifier parses: the canonical form is
    // { protocol, hexProof } with those bytes as lower-case 0x-hex and nothing else carried along.
    canonicalProof: (_circuit, proof) => {
      const p = proof as { protocol?: unknown; hexProof?: unknown } | null
      if (!p || typeof p !== 'object' || p.protocol !== 'ezkl-halo2-kzg' || typeof p.hexProof !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(p.hexProof))
        throw new BaseError('PROOF_INVALID', 'Not an ezkl proof.', {
          details: `expected { protocol: 'ezkl-halo2-kzg', hexProof: 0x + an even number of hex digits }, got ${JSON.stringify(proof)?.slice(0, 60)}`,
        })
      return { protocol: 'ezkl-halo2-kzg', hexProof: p.hexProof.toLowerCase() }
    },
    terminate: () => ezkl.ezklBridge().close(),
  }
}
