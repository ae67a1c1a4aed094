import { BaseError } from '../errors/index.ts'
import type { Backend } from '../compiler/manifest.ts'
import type { ProverEngineName } from '../network/hardware.ts'

/** One measured proof: circuit size and what proving it cost on the profiled machine. */
export type ProfilePoint = { constraints: number; wires: number; seconds: number; bytes: number }

/** Fitted cost of one backend: `seconds ≈ a + b·n·log2(n)`, `bytes ≈ c + d·n` with n = constraints. */
export type BackendFit = {
  time: { a: number; b: number }
  memory: { c: number; d: number }
  /** Largest |measured/fitted - 1| over the points: how far to trust the fit. */
  maxRelError: number
  points: ProfilePoint[]
}

/**
 * A machine's proving cost, fitted from benchmark runs (bench/market.ts), with where the numbers came from.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { parseHardwareProfile } from './src/market/index.ts'
 * const p = parseHardwareProfile(JSON.parse(readFileSync('src/market/profiles/ci-2core.json', 'utf8')))
 * console.log(p.backends.groth16?.time.b)
 * ```
 */
export type HardwareProfile = {
  profileVersion: 1
  name: string
  machine: { cpuModel: string; cores: number; memoryBytes: number; platform: string; arch: string }
  provenance: { bench: string; measuredAt: string; tools: Record<string, string>; repetitions: number }
  /** Fits of the default engine (snarkjs), per backend. */
  backends: Partial<Record<Backend, BackendFit>>
  /**
   * Fits of other proving engines on the same machine (e.g. `engines.native.groth16`, measured by
   * bench/native-profile.ts), with their own provenance. A quote for a worker advertising such an
   * engine uses these; a backend without one falls back to `backends` (snarkjs: slower, so safe).
   */
  engines?: Partial<Record<ProverEngineName, EngineFits>>
}

/** One engine's fits and where they came from. */
export type EngineFits = {
  provenance: HardwareProfile['provenance']
  backends: Partial<Record<Backend, BackendFit>>
  /**
   * True when the points are estimates, not measurements (the `cuda` fits until scripts/gpu-check.sh
   * has run on a GPU host); quotes priced from them say so (`ProofEstimate.estimated`).
   */
  estimated?: boolean
  /**
   * What a second of this engine's hardware costs relative to the profiled CPU machine (a GPU host
   * rents for more): quotes multiply `costPerSecondWei` by it. Default 1.
   */
  costFactor?: number
}

/**
 * Checks a profile at the boundary.
 *
 * @example
 * ```ts
 * import { parseHardwareProfile } from './src/market/index.ts'
 * parseHardwareProfile({ profileVersion: 2 }) // throws MARKET_PROFILE_INVALID
 * ```
 */
export function parseHardwareProfile(json: unknown): HardwareProfile {
  const p = json as Partial<HardwareProfile> | null
  const fail = (what: string, got: unknown) =>
    new BaseError('MARKET_PROFILE_INVALID', `Hardware profile is invalid: ${what}.`, {
      details: `expected ${what}, got ${JSON.stringify(got)?.slice(0, 80)}`,
    })
  if (!p || typeof p !== 'object') throw fail('a JSON object', p)
  if (p.profileVersion !== 1) throw fail('profileVersion 1', p.profileVersion)
  if (typeof p.name !== 'string' || !p.name) throw fail('a name', p.name)
  if (!p.machine || typeof p.machine.cores !== 'number') throw fail('machine.cores', p.machine)
  if (!p.provenance || typeof p.provenance.measuredAt !== 'string') throw fail('provenance.measuredAt', p.provenance)
  if (!p.backends || typeof p.backends !== 'object' || Object.keys(p.backends).length === 0) throw fail('at least one backend fit', p.backends)
  const checkFits = (fits: Record<string, BackendFit | undefined>, where: string) => {
    for (const [b, f] of Object.entries(fits)) {
      if (b !== 'groth16' && b !== 'plonk' && b !== 'ezkl') throw fail(`backend groth16, plonk or ezkl${where}`, b)
      const nums = [f?.time?.a, f?.time?.b, f?.memory?.c, f?.memory?.d]
      if (!nums.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) throw fail(`finite non-negative coefficients for ${b}${where}`, f && { time: f.time, memory: f.memory })
      if (!Array.isArray(f!.points) || f!.points.length < 2) throw fail(`at least 2 measured points for ${b}${where}`, f?.points?.length)
    }
  }
  checkFits(p.backends, '')
  if (p.engines !== undefined) {
    if (!p.engines || typeof p.engines !== 'object' || Array.isArray(p.engines)) throw fail('engines as an object of engine fits', p.engines)
    for (const [e, ef] of Object.entries(p.engines)) {
      if (e !== 'native' && e !== 'snarkjs' && e !== 'cuda') throw fail('engine native, cuda or snarkjs', e)
      if (ef?.costFactor !== undefined && !(typeof ef.costFactor === 'number' && Number.isFinite(ef.costFactor) && ef.costFactor > 0)) throw fail(`a positive engines.${e}.costFactor`, ef.costFactor)
      if (ef?.estimated !== undefined && typeof ef.estimated !== 'boolean') throw fail(`engines.${e}.estimated as a boolean`, ef.estimated)
      if (!ef || typeof ef.provenance?.measuredAt !== 'string') throw fail(`engines.${e}.provenance.measuredAt`, ef?.provenance)
      if (!ef.backends || typeof ef.backends !== 'object' || Object.keys(ef.backends).length === 0) throw fail(`at least one backend fit in engines.${e}`, ef.backends)
      checkFits(ef.backends, ` in engines.${e}`)
    }
  }
  return p as HardwareProfile
}

/** n·log2(n), the FFT/MSM-shaped growth of proving time; 0 for n < 2. */
export function nLogN(n: number): number {
  return n < 2 ? 0 : n * Math.log2(n)
}

/**
 * Least-squares fit of `y ≈ a + b·x`, constrained to a, b ≥ 0 (a negative intercept or slope is noise:
 * proving never gets cheaper with size, nor costs less than nothing).
 *
 * @example
 * ```ts
 * import { fitLine } from './src/market/index.ts'
 * fitLine([1, 2, 3], [3, 5, 7]) // { a: 1, b: 2 }
 * ```
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): { a: number; b: number } {
  const n = xs.length
  if (n !== ys.length || n < 2) throw new BaseError('MARKET_PROFILE_INVALID', 'Too few points to fit.', { details: `expected ≥ 2 paired points, got ${xs.length} x and ${ys.length} y` })
  const mx = xs.reduce((s, x) => s + x, 0) / n
  const my = ys.reduce((s, y) => s + y, 0) / n
  let sxx = 0
  let sxy = 0
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2
    sxy += (xs[i]! - mx) * (ys[i]! - my)
  }
  let b = sxx > 0 ? sxy / sxx : 0
  let a = my - b * mx
  if (b < 0) [a, b] = [my, 0]
  if (a < 0) {
    // Refit through the origin.
    const sx2 = xs.reduce((s, x) => s + x * x, 0)
    b = sx2 > 0 ? xs.reduce((s, x, i) => s + x * ys[i]!, 0) / sx2 : 0
    a = 0
  }
  return { a, b }
}

/**
 * Fits one backend's time and memory model from measured points.
 *
 * @example
 * ```ts
 * import { fitBackend } from './src/market/index.ts'
 * const fit = fitBackend([
 *   { constraints: 100, wires: 100, seconds: 0.2, bytes: 2e6 },
 *   { constraints: 1000, wires: 1000, seconds: 1.1, bytes: 9e6 },
 * ])
 * console.log(fit.time, fit.memory)
 * ```
 */
export function fitBackend(points: ProfilePoint[]): BackendFit {
  const time = fitLine(points.map((p) => nLogN(p.constraints)), points.map((p) => p.seconds))
  const mem = fitLine(points.map((p) => p.constraints), points.map((p) => p.bytes))
  const fit: BackendFit = { time, memory: { c: mem.a, d: mem.b }, maxRelError: 0, points }
  fit.maxRelError = Math.max(...points.map((p) => Math.abs(p.seconds / (time.a + time.b * nLogN(p.constraints)) - 1)))
  return fit
}
