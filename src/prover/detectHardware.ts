import { execFile } from 'node:child_process'
import { availableParallelism, cpus, totalmem, hostname } from 'node:os'
import { ezklInstalled } from '../compiler/ezkl/venv.ts'
import type { Backend } from '../compiler/manifest.ts'
import type { GpuInfo, Hardware, ProverEngineName } from '../network/hardware.ts'


/**
 * Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`: one GPU a
 * line, `name, MiB`. Lines that do not parse (driver warnings, blank lines) are skipped; a GPU
 * name may itself hold commas, so the memory is taken from the last field.
 *
 * @example
 * ```ts
 * import { parseNvidiaSmi } from './src/prover/index.ts'
 * parseNvidiaSmi('NVIDIA H100 80GB HBM3, 81559\n')
 * // [{ name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 }]
 * ```
 */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  const out: GpuInfo[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const cut = line.lastIndexOf(',')
    if (cut <= 0) continue
    const name = line.slice(0, cut).trim()
    const mem = line.slice(cut + 1).trim()
    if (!/^\d+(\.\d+)?$/.test(mem) || !name) continue
    out.push({ name, memoryMiB: Math.floor(Number(mem)) })
  }
  return out
}

/**
 * Runs nvidia-smi if present; no binary, a failing driver or a timeout all mean "no GPU".
 *
 * @example
 * ```ts
 * import { detectGpus } from './src/prover/index.ts'
 * console.log(await detectGpus()) // [] on a machine without NVIDIA GPUs
 * ```
 */
export function detectGpus(timeoutMs = 3000): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (err, stdout) => resolve(err ? [] : parseNvidiaSmi(String(stdout))),
    )
  })
}

export type DetectHardwareOptions = {
  /** Advertise less memory than the host has (share a host; tests). */
  memoryMiB?: number | undefined
  /** Pretend there is no GPU even if one is present. */
  noGpu?: boolean | undefined
  /** Backends this worker proves; default groth16 and plonk, and ezkl where the ezkl wheel is installed in .venv. */
  backends?: Backend[] | undefined
  /** The engine of each backend (see `Hardware.engines`); default snarkjs for all. */
  engines?: Partial<Record<Backend, ProverEngineName>> | undefined
  /** GPUs the proving engine itself sees (`--engine cuda`: the CUDA runtime's devices), advertised when nvidia-smi lists none. */
  gpus?: GpuInfo[] | undefined
}

/**
 * Detects CPU cores, memory and GPUs, with operator overrides.
 *
 * @example
 * ```ts
 * import { detectHardware } from './src/prover/index.ts'
 * const hw = await detectHardware({ memoryMiB: 2048 })
 * console.log(hw.cpuCores, hw.memoryMiB, hw.gpus)
 * ```
 */
export async function detectHardware(opts: DetectHardwareOptions = {}): Promise<Hardware> {
  const smi = opts.noGpu ? [] : await detectGpus()
  const gpus = opts.noGpu ? [] : smi.length > 0 ? smi : (opts.gpus ?? [])
  const hostMiB = Math.floor(totalmem() / 2 ** 20)
  return {
    hostname: hostname(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCores: availableParallelism(),
    memoryMiB: opts.memoryMiB !== undefined ? Math.min(opts.memoryMiB, hostMiB) : hostMiB,
    gpus,
    backends: opts.backends ?? ['groth16', 'plonk', ...((await ezklInstalled()) ? (['ezkl'] as const) : [])],
    engines: opts.engines ?? { groth16: 'snarkjs', plonk: 'snarkjs' },
  }
}
