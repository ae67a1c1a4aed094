import { BaseError } from '../../../errors/index.ts'
import type { ProvingEngine } from '../../../network/provingEngine.ts'
import { snarkjsEngine } from '../snarkjs/index.ts'
import { loadNativeAddon } from './addon.ts'
import { nativeEngine } from './nativeEngine.ts'

/** The proving engines a worker can run. */
export type EngineName = 'native' | 'snarkjs'

/**
 * Picks a worker's engine. `native` demands the addon (building it if missing; `ENGINE_UNAVAILABLE`
 * when that cannot be done); no name means native when the addon loads, else snarkjs with a
 * warning. `log` gets one line saying which engine runs and why.
 *
 * @example
 * ```ts
 * import { selectEngine } from './src/prover/engines/native/index.ts'
 * const { engine, name } = await selectEngine(undefined, console.error)
 * ```
 */
export async function selectEngine(
  requested: string | undefined,
  log: (line: string) => void = () => {},
): Promise<{ engine: ProvingEngine; name: EngineName }> {
  if (requested !== undefined && requested !== 'native' && requested !== 'snarkjs')
    throw new BaseError('ENGINE_UNAVAILABLE', `Unknown proving engine "${requested}".`, { details: `expected --engine native or --engine snarkjs, got ${JSON.stringify(requested)}` })
  if (requested === 'snarkjs') {
    log('zkml worker: proving engine snarkjs (asked for with --engine snarkjs)')
    return { engine: await snarkjsEngine(), name: 'snarkjs' }
  }
  const { addon, reason } = await loadNativeAddon({ build: true })
  if (addon) {
    log(`zkml worker: proving engine native (arkworks Groth16 addon; PLONK jobs go to snarkjs)`)
    return { engine: await nativeEngine(addon), name: 'native' }
  }
  if (requested === 'native')
    throw new BaseError('ENGINE_UNAVAILABLE', 'The native proving engine is not available.', { details: `expected the native addon, got none: ${reason}` })
  log(`zkml worker: WARNING: proving engine snarkjs, the native prover is unavailable (${reason})`)
  return { engine: await snarkjsEngine(), name: 'snarkjs' }
}
