import type { Backend } from '../compiler/manifest.ts'

/**
 * What a worker advertises: the network matches jobs against it (src/network/requirements.ts)
 * and lists it (src/network/workerDirectory.ts). Detecting it is the prover's job
 * (src/prover/detectHardware.ts); the shape lives here so the network never imports a prover.
 *
 * @example
 * ```ts
 * import type { Hardware } from './src/network/index.ts'
 * const h: Hardware = { hostname: 'h', cpuModel: 'x', cpuCores: 2, memoryMiB: 4096, gpus: [], backends: ['groth16'] }
 * ```
 */
export type GpuInfo = { name: string; memoryMiB: number }

/** What a worker offers; advertised in Redis and matched against job requirements. */
export type Hardware = {
  hostname: string
  cpuModel: string
  cpuCores: number
  memoryMiB: number
  gpus: GpuInfo[]
  backends: Backend[]
  /**
   * Which proving engine proves each backend here ('native': the arkworks addon, 'cuda': the same
   * with GPU MSMs, 'snarkjs'),
   * so matching and the market can tell a native worker from a snarkjs one. Absent on workers
   * older than the native engine: read that as snarkjs.
   */
  engines?: Partial<Record<Backend, ProverEngineName>>
}

/**
 * A proving engine as workers advertise it: 'cuda' is the native addon with its G1 MSMs on an
 * NVIDIA GPU (native/src/gpu.rs); such a worker also lists its GPUs in `gpus`.
 */
export type ProverEngineName = 'native' | 'snarkjs' | 'cuda'

