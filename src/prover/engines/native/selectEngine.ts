import { BaseError } from '../../../errors/index.ts'
import type { ProvingEngine } from '../../../network/provingEngine.ts'
import { snarkjsEngine } from '../snarkjs/index.ts'
import type { GpuInfo } from '../../../network/hardware.ts'
import { cudaDecision, cudaEngine, parseCudaStatus } from '../cuda/index.ts'
import { loadNativeAddon } from './addon.ts'
import { nativeEngine } from './nativeEngine.ts'

/** The proving engines a worker can run. */
export type EngineName = 'native' | 'snarkjs' | 'cuda'

/**
 * Picks a worker's engine. `native` demands the addon (building it if missing; `ENGINE_UNAVAILABLE`
 * when that cannot be done); no name means native when the addon loads, else snarkjs with a
 * warning. `cuda` demands the addon too and proves on the GPU when the addon was built with CUDA
 * and sees a device (then `gpus` lists what it sees, to advertise); otherwise it falls back to
 * the native CPU engine with a WARNING line saying why. `log` gets one line saying which engine
 * runs and why.
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
): Promise<{ engine: ProvingEngine; name: EngineName; gpus?: GpuInfo[] }> {
  if (requested !== undefined && requested !== 'native' && requested !== 'snarkjs' && requested !== 'cuda')
    throw new BaseError('ENGINE_UNAVAILABLE', `Unknown proving engine "${requested}".`, { details: `expected --engine native, cuda or snarkjs, got ${JSON.stringify(requested)}` })
  if (requested === 'snarkjs') {
    log('zkml worker: proving engine snarkjs (asked for with --engine snarkjs)')
    return { engine: await snarkjsEngine(), name: 'snarkjs' }
  }
  const { addon, reason } = await loadNativeAddon({ build: true })
  if (addon && requested === 'cuda') {
    const status = parseCudaStatus(addon.nativeInfo())
    const d = cudaDecision(status)
    if (d.gpu) {
      log(`zkml worker: proving engine cuda (GPU MSMs on ${d.reason}; G2 and the QAP on the CPU; PLONK jobs go to snarkjs)`)
      return { engine: await cudaEngine(addon, { log }), name: 'cuda', gpus: status.gpus.map(({ name, memoryMiB }) => ({ name, memoryMiB })) }
    }
    log(`zkml worker: WARNING: --engine cuda: ${d.reason}; proving engine native (CPU) instead`)
    return { engine: await nativeEngine(addon), name: 'native' }
  }
  if (addon) {
    log(`zkml worker: proving engine native (arkworks Groth16 addon; PLONK jobs go to snarkjs)`)
    return { engine: await nativeEngine(addon), name: 'native' }
  }
  if (requested === 'native' || requested === 'cuda')
    throw new BaseError('ENGINE_UNAVAILABLE', 'The native proving engine is not available.', { details: `expected the native addon${requested === 'cuda' ? ' (built with --cuda)' : ''}, got none: ${reason}` })
  log(`zkml worker: WARNING: proving engine snarkjs, the native prover is unavailable (${reason})`)
  return { engine: await snarkjsEngine(), name: 'snarkjs' }
}
