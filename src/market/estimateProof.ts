import { BaseError } from '../errors/index.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import type { ProverEngineName } from '../network/hardware.ts'
import { nLogN, type BackendFit, type HardwareProfile } from './hardwareProfile.ts'

/** What proving one circuit is expected to cost on a profiled machine. */
export type ProofEstimate = {
  backend: CircuitManifest['backend']
  constraints: number
  /** The size the fit was applied to: `constraints` for Groth16, PLONK gates for PLONK (see {@link provingSize}). */
  size: number
  seconds: number
  bytes: number
  fitsMemory: boolean
  maxRelError: number
  /** The engine whose fit priced this: the one asked for when the profile has its fit, else snarkjs. */
  engine: ProverEngineName
  /** Present (true) when that fit is an estimate, not a measurement (`EngineFits.estimated`: the GPU fits until measured). */
  estimated?: true
  /** The engine's hardware cost per second relative to the profiled CPU machine (`EngineFits.costFactor`); 1 for snarkjs and unset. */
  costFactor: number
}

/**
 * The fit for proving `backend` with `engine` on a profiled machine: the engine's own fit when the
 * profile measured one, else the default (snarkjs) fit, which is slower and so never under-quotes.
 *
 * @example
 * ```ts
 * import { fitFor, loadHardwareProfile } from './src/market/index.ts'
 * fitFor(loadHardwareProfile(), 'groth16', 'native')?.engine // 'native'
 * ```
 */
export function fitFor(profile: HardwareProfile, backend: CircuitManifest['backend'], engine: ProverEngineName = 'snarkjs'): { fit: BackendFit; engine: ProverEngineName; estimated: boolean; costFactor: number } | undefined {
  const ef = engine === 'snarkjs' ? undefined : profile.engines?.[engine]
  const own = ef?.backends[backend]
  if (own) return { fit: own, engine, estimated: ef!.estimated === true, costFactor: ef!.costFactor ?? 1 }
  const base = profile.backends[backend]
  return base ? { fit: base, engine: 'snarkjs', estimated: false, costFactor: 1 } : undefined
}

/**
 * What a backend's proving cost grows with: R1CS constraints for Groth16; for PLONK the gates snarkjs
 * makes of them (a wide linear combination becomes several gates), recorded by the compiler as
 * `plonkGates`, else `constraints` for manifests that predate it; for ezkl the rows of its evaluation
 * domain, 2^logrows (Halo2 commits to whole columns, used rows or not).
 *
 * @example
 * ```ts
 * import { provingSize } from './src/market/index.ts'
 * provingSize({ backend: 'plonk', constraints: 1426, plonkGates: 5230 }) // 5230
 * ```
 */
export function provingSize(m: Pick<CircuitManifest, 'backend' | 'constraints' | 'plonkGates' | 'ezkl'>): number {
  if (m.backend === 'ezkl' && m.ezkl) return 2 ** m.ezkl.settings.logrows
  return m.backend === 'plonk' ? (m.plonkGates ?? m.constraints) : m.constraints
}

/**
 * Estimates proving time and peak memory of a circuit from its manifest and a fitted hardware profile,
 * for the proving engine a worker advertises (`Hardware.engines[backend]`; default snarkjs).
 * Throws `MARKET_PROFILE_INVALID` when the profile has no fit for the circuit's backend.
 *
 * @example
 * ```ts
 * import { estimateProof, loadHardwareProfile } from './src/market/index.ts'
 * const e = estimateProof({ backend: 'groth16', constraints: 5000 }, loadHardwareProfile(), 'native')
 * console.log(e.seconds.toFixed(2), 's with', e.engine)
 * ```
 */
export function estimateProof(manifest: Pick<CircuitManifest, 'backend' | 'constraints' | 'plonkGates' | 'ezkl'>, profile: HardwareProfile, engine: ProverEngineName = 'snarkjs'): ProofEstimate {
  const found = fitFor(profile, manifest.backend, engine)
  if (!found)
    throw new BaseError('MARKET_PROFILE_INVALID', `Hardware profile "${profile.name}" has no fit for ${manifest.backend}.`, {
      details: `expected a fit for ${manifest.backend}, got fits for ${Object.keys(profile.backends).join(', ')}`,
    })
  const { fit, engine: used, estimated, costFactor } = found
  const n = provingSize(manifest)
  const seconds = fit.time.a + fit.time.b * nLogN(n)
  const bytes = fit.memory.c + fit.memory.d * n
  return {
    backend: manifest.backend, constraints: manifest.constraints, size: n, seconds, bytes, fitsMemory: bytes < profile.machine.memoryBytes,
    maxRelError: fit.maxRelError, engine: used, ...(estimated ? { estimated: true as const } : {}), costFactor,
  }
}
