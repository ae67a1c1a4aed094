import type { ProvingEngine } from '../../../network/provingEngine.ts'
import type { NativeAddon } from '../native/addon.ts'
import { nativeEngine, type NativeCircuit, type NativeTimings } from '../native/nativeEngine.ts'

/**
 * The GPU engine: the native engine, with each loaded Groth16 key's G1 bases uploaded to the GPU
 * (`NativeKey.enableGpu`, native/src/gpu.rs) and kept there across proofs; the A, B1, C and H MSMs
 * run on the device, B2 (G2) and the QAP on the CPU. A proof whose key could not go to the GPU
 * (device memory, a CUDA error), or that finds the device busy, is proved by the CPU in the same
 * addon: the same proof, only slower. `log` gets one line per key that stays on the CPU.
 *
 * @example
 * ```ts
 * import { loadNativeAddon } from './src/prover/engines/native/index.ts'
 * import { cudaEngine } from './src/prover/engines/cuda/index.ts'
 * const { addon } = await loadNativeAddon()
 * const engine = await cudaEngine(addon!, { log: console.error })
 * ```
 */
export async function cudaEngine(
  addon: NativeAddon,
  opts: { log?: (line: string) => void; onTimings?: (t: NativeTimings) => void } = {},
): Promise<ProvingEngine & { name: 'cuda' }> {
  const native = await nativeEngine(addon, { onTimings: opts.onTimings })
  return {
    ...native,
    name: 'cuda',
    async load(dir) {
      const c = (await native.load(dir)) as NativeCircuit
      const key = c.native
      if (key && !(key.enableGpu?.() ?? false)) {
        const info = JSON.parse(addon.nativeInfo()) as { gpuError?: string | null }
        opts.log?.(`zkml worker: circuit ${c.manifest.name} proves on the CPU (native): its key is not on the GPU${info.gpuError ? ` (${info.gpuError})` : ''}`)
      }
      return c
    },
  }
}
