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
 * import { backendEngine } from './src/prover/index.ts'
 * const engine = backendEngine()
 * const c = await engine.load('out/pool-risk-ezkl') // ezkl; 'out/pool-risk' would be snarkjs
 * ```
 */
export function backendEngine(): ProvingEngine {
  let snark: Promise<ProvingEngine> | undefined
  let ezkl: Promise<ProvingEngine> | undefined
  const forBackend = (backend: string): Promise<ProvingEngine> =>
    backend === 'ezkl' ? (ezkl ??= ezklEngine()) : (snark ??= snarkjsEngine())
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
    async terminate() {
      for (const e of [snark, ezkl]) if (e) await (await e).terminate?.()
    },
  }
}
