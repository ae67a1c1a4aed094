import { BaseError } from '../errors/index.ts'
import type { Backend, CircuitManifest } from '../compiler/manifest.ts'
import type { Hardware } from './hardware.ts'

/** What a job needs from the worker that proves it. */
export type JobRequirements = {
  backend: Backend
  /** Estimated peak host memory of one proof, MiB. */
  memoryMiB: number
  gpu: boolean
}

/**
 * A capability class: the coarse bucket a job is routed by, and its BullMQ queue.
 * `memoryGiB` is the estimate rounded up to a power of two, so a worker that meets the class
 * always meets the job inside it.
 */
export type CapabilityClass = { backend: Backend; gpu: boolean; memoryGiB: number }

/**
 * Largest memory class; a job estimated above it is refused at submission (`NO_ELIGIBLE_WORKER`).
 *
 * @example
 * ```ts
 * import { maxMemoryGiB } from './src/network/index.ts'
 * console.log(maxMemoryGiB) // 1024
 * ```
 */
export const maxMemoryGiB = 1024

/**
 * Estimates a proof's peak memory from the manifest: snarkjs holds the proving key, the witness
 * and a few FFT buffers over the evaluation domain (PLONK's is 4× Groth16's). Deliberately
 * generous: an over-estimate only narrows which workers may take the job, an under-estimate
 * could OOM one.
 *
 * @example
 * ```ts
 * import { estimateMemoryMiB } from './src/network/index.ts'
 * estimateMemoryMiB(manifest) // e.g. 257 for a small circuit
 * ```
 */
export function estimateMemoryMiB(m: Pick<CircuitManifest, 'backend' | 'constraints' | 'wires' | 'artifacts'>): number {
  const zkey = m.artifacts.zkey?.bytes ?? 0
  let domain = 1
  while (domain < Math.max(1, m.constraints + (m.wires ?? 0))) domain *= 2
  if (m.backend === 'plonk') domain *= 4
  const bytes = 256 * 2 ** 20 + 3 * zkey + domain * 32 * 8
  return Math.ceil(bytes / 2 ** 20)
}

/**
 * The requirements of proving a circuit, with the requester's extra asks.
 *
 * @example
 * ```ts
 * import { jobRequirements } from './src/network/index.ts'
 * jobRequirements(manifest, { gpu: true }) // { backend: 'groth16', memoryMiB: 257, gpu: true }
 * ```
 */
export function jobRequirements(
  m: Pick<CircuitManifest, 'backend' | 'constraints' | 'wires' | 'artifacts'>,
  extra: { gpu?: boolean | undefined; minMemoryMiB?: number | undefined; deadlineSeconds?: number | undefined } = {},
  cpuSeconds?: number,
): JobRequirements {
  return {
    backend: m.backend,
    memoryMiB: Math.max(estimateMemoryMiB(m), extra.minMemoryMiB ?? 0),
    gpu: extra.gpu ?? needsGpu({ backend: m.backend, cpuSeconds, deadlineSeconds: extra.deadlineSeconds }),
  }
}

/**
 * Whether a job must go to a GPU worker because a CPU worker would miss its deadline: a Groth16
 * job (the only backend with a GPU engine, `--engine cuda`) whose estimated CPU proving time
 * (the market's cost model for the native engine, injected by the API) exceeds the requester's
 * `deadlineSeconds`. Without an estimate or a deadline the job stays on CPU workers (GPU workers
 * take CPU classes too). A GPU job with no GPU worker up waits in its class, like any other.
 *
 * @example
 * ```ts
 * import { needsGpu } from './src/network/index.ts'
 * needsGpu({ backend: 'groth16', cpuSeconds: 95, deadlineSeconds: 60 }) // true
 * needsGpu({ backend: 'groth16', cpuSeconds: 2, deadlineSeconds: 60 })  // false
 * ```
 */
export function needsGpu(o: { backend: Backend; cpuSeconds?: number | undefined; deadlineSeconds?: number | undefined }): boolean {
  if (o.backend !== 'groth16' || o.cpuSeconds === undefined || o.deadlineSeconds === undefined) return false
  return Number.isFinite(o.cpuSeconds) && o.deadlineSeconds > 0 && o.cpuSeconds > o.deadlineSeconds
}

/**
 * The capability class a job is routed to.
 *
 * @example
 * ```ts
 * import { classOf, className } from './src/network/index.ts'
 * className(classOf({ backend: 'groth16', memoryMiB: 300, gpu: false })) // 'groth16.cpu.m1'
 * ```
 */
export function classOf(req: JobRequirements): CapabilityClass {
  let gib = 1
  while (gib * 1024 < req.memoryMiB) gib *= 2
  if (gib > maxMemoryGiB)
    throw new BaseError('NO_ELIGIBLE_WORKER', 'The job needs more memory than any worker class offers.', {
      details: `expected an estimated peak memory of at most ${maxMemoryGiB} GiB, got ${req.memoryMiB} MiB`,
      meta: { requirements: req },
    })
  return { backend: req.backend, gpu: req.gpu, memoryGiB: gib }
}

/**
 * `backend.gpu|cpu.m<GiB>`: a queue-name-safe spelling of a class.
 *
 * @example
 * ```ts
 * import { className } from './src/network/index.ts'
 * className({ backend: 'plonk', gpu: false, memoryGiB: 4 }) // 'plonk.cpu.m4'
 * ```
 */
export function className(c: CapabilityClass): string {
  return `${c.backend}.${c.gpu ? 'gpu' : 'cpu'}.m${c.memoryGiB}`
}

/**
 * Parses {@link className}'s output; `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { parseClassName } from './src/network/index.ts'
 * parseClassName('plonk.gpu.m8') // { backend: 'plonk', gpu: true, memoryGiB: 8 }
 * ```
 */
export function parseClassName(s: string): CapabilityClass | undefined {
  const m = /^(groth16|plonk|ezkl)\.(gpu|cpu)\.m(\d+)$/.exec(s)
  if (!m) return undefined
  return { backend: m[1] as Backend, gpu: m[2] === 'gpu', memoryGiB: Number(m[3]) }
}

/**
 * Whether hardware meets a class: the backend is offered, memory covers the class's whole
 * rounded-up budget, and a GPU is present when asked. CPU jobs may run on GPU hosts.
 *
 * @example
 * ```ts
 * import { meetsClass } from './src/network/index.ts'
 * meetsClass(hw, { backend: 'groth16', gpu: true, memoryGiB: 1 }) // false without a GPU
 * ```
 */
export function meetsClass(hw: Pick<Hardware, 'backends' | 'memoryMiB' | 'gpus'>, c: CapabilityClass): boolean {
  return hw.backends.includes(c.backend) && hw.memoryMiB >= c.memoryGiB * 1024 && (!c.gpu || hw.gpus.length > 0)
}

/**
 * Whether hardware meets a job's exact requirements (the worker re-checks every job it gets,
 * as a second guard behind routing).
 *
 * @example
 * ```ts
 * import { meetsRequirements } from './src/network/index.ts'
 * meetsRequirements({ backends: ['groth16'], memoryMiB: 2048, gpus: [] }, { backend: 'groth16', memoryMiB: 300, gpu: false }) // true
 * ```
 */
export function meetsRequirements(hw: Pick<Hardware, 'backends' | 'memoryMiB' | 'gpus'>, r: JobRequirements): boolean {
  return hw.backends.includes(r.backend) && hw.memoryMiB >= r.memoryMiB && (!r.gpu || hw.gpus.length > 0)
}
