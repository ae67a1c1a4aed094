import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseManifest } from '../../compiler/manifest.ts'
import { BaseError } from '../../errors/index.ts'
import type { LoadedCircuit, ProvingEngine } from '../../network/provingEngine.ts'
import { ezklEngine } from './ezkl/index.ts'
import { snarkjsEngine } from './snarkjs/index.ts'

/**
 * One engine for every backend: each circuit goes to the engine of its manifest's `backend`
 * (snarkjs for groth16/plonk, ezkl for ezkl), each started on first use, so a worker or
 * coordinator that never meets an ezkl circuit never starts Python.
 *
 * @example
 * ```ts
 * import { backendEngine } from './src/network/index.ts'
 * const engine = backendEngine()
 * const c = await engine.load('out/pool-risk-ezkl') // ezkl; 'out/pool-risk' would be snarkjs
 * ```
 */
export function backendEngine(opts: { r1cs?: () => Promise<ProvingEngine> } = {}): ProvingEngine {
  let snark: Promise<ProvingEngine> | undefined
  let ezkl: Promise<ProvingEngine> | undefined
  // Engines as they resolve, so the synchronous canonicalProof can dispatch (a circuit is always loaded first).
  const ready = new Map<'ezkl' | 'r1cs', ProvingEngine>()
  const forBackend = (backend: string): Promise<ProvingEngine> =>
    backend === 'ezkl'
      ? (ezkl ??= ezklEngine().then((e) => (ready.set('ezkl', e), e)))
      : (snark ??= (opts.r1cs ?? snarkjsEngine)().then((e) => (ready.set('r1cs', e), e)))
  const of = (c: LoadedCircuit) => forBackend(c.manifest.backend)
  return {
    async load(dir) {
      let json: unknown
      try {
        json = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
      } catch (cause) {
        throw new BaseError('ARTIFACT_NOT_FOUND', `No circuit manifest in ${dir}.`, { details: `expected ${join(dir, 'manifest.json')}`, cause })
      }
      return (await forBackend(parseManifest(json).backend)).load(dir)
    },
    prove: async (c, input, ctx, opts) => (await of(c)).prove(c, input, ctx, opts),
    verify: async (c, proof, signals) => (await of(c)).verify(c, proof, signals),
    canonicalProof(c, proof) {
      const e = ready.get(c.manifest.backend === 'ezkl' ? 'ezkl' : 'r1cs')
      if (!e)
        throw new BaseError('ENGINE_UNAVAILABLE', 'No engine is loaded for this circuit\'s backend.', {
          details: `expected ${c.manifest.backend}'s engine to have loaded the circuit first, got none`,
        })
      return e.canonicalProof(c, proof)
    },
    async terminate() {
      for (const e of [snark, ezkl]) if (e) await (await e).terminate?.()
    },
  }
}
