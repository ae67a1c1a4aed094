import type { GpuInfo } from '../../../network/hardware.ts'

/** What the native addon says about CUDA (its `nativeInfo()`): built with it, devices seen, last error. */
export type CudaStatus = { cuda: boolean; gpus: Array<GpuInfo & { compute?: number }>; gpuError?: string }

/**
 * Reads the addon's `nativeInfo()` JSON. An addon built without feature `cuda` (or older than it)
 * has no `cuda` field: `cuda: false`, no GPUs. Never throws: unreadable text is "no CUDA".
 *
 * @example
 * ```ts
 * import { parseCudaStatus } from './src/prover/engines/cuda/index.ts'
 * parseCudaStatus('{"version":"0.1.0","threads":16,"cuda":true,"gpus":[{"name":"NVIDIA H200","memoryBytes":150754820096,"compute":90}],"gpuError":null}')
 * // { cuda: true, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771, compute: 90 }] }
 * ```
 */
export function parseCudaStatus(text: string): CudaStatus {
  let j: { cuda?: unknown; gpus?: unknown; gpuError?: unknown }
  try {
    j = JSON.parse(text) as typeof j
  } catch {
    return { cuda: false, gpus: [] }
  }
  const gpus: CudaStatus['gpus'] = []
  if (Array.isArray(j.gpus))
    for (const g of j.gpus as Array<{ name?: unknown; memoryBytes?: unknown; compute?: unknown }>) {
      if (typeof g?.name !== 'string' || typeof g.memoryBytes !== 'number' || !(g.memoryBytes >= 0)) continue
      gpus.push({ name: g.name, memoryMiB: Math.floor(g.memoryBytes / 2 ** 20), ...(typeof g.compute === 'number' ? { compute: g.compute } : {}) })
    }
  return { cuda: j.cuda === true, gpus, ...(typeof j.gpuError === 'string' ? { gpuError: j.gpuError } : {}) }
}

/**
 * Whether `--engine cuda` can prove on a GPU here, and if not, the reason for the worker's log
 * line (it then proves with the native CPU engine).
 *
 * @example
 * ```ts
 * import { cudaDecision } from './src/prover/engines/cuda/index.ts'
 * cudaDecision({ cuda: false, gpus: [] }).reason // 'the native addon was built without CUDA (…)'
 * ```
 */
export function cudaDecision(s: CudaStatus): { gpu: boolean; reason: string } {
  if (!s.cuda) return { gpu: false, reason: 'the native addon was built without CUDA (build it with: node scripts/build-native.mjs --cuda)' }
  if (s.gpus.length === 0) return { gpu: false, reason: 'no CUDA device is visible (no NVIDIA driver, or no GPU)' }
  const g = s.gpus[0]!
  return { gpu: true, reason: `${g.name}, ${(g.memoryMiB / 1024).toFixed(0)} GiB${s.gpus.length > 1 ? ` (+${s.gpus.length - 1} more; device 0 proves)` : ''}` }
}
