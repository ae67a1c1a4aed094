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
    // those bytes as 0x-hex; anything else is not an ezkl proof.
    canonicalProof: (_circuit, proof) => {
      if (typeof proof !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(proof))
        throw new BaseError('PROOF_INVALID', 'An ezkl proof must be 0x-prefixed hex bytes.', {
          details: `expected 0x + an even number of hex digits, got ${typeof proof === 'string' ? `${proof.slice(0, 20)}… (${proof.length} chars)` : typeof proof}`,
        })
      return proof.toLowerCase()
    },
    terminate: () => ezkl.ezklBridge().close(),
  }
}
