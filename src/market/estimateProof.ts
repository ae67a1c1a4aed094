import { BaseError } from '../errors/index.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import { nLogN, type HardwareProfile } from './hardwareProfile.ts'

/** What proving one circuit is expected to cost on a profiled machine. */
export type ProofEstimate = { backend: CircuitManifest['backend']; constraints: number; seconds: number; bytes: number; fitsMemory: boolean; maxRelError: number }

/**
 * Estimates proving time and peak memory of a circuit from its manifest and a fitted hardware profile.
 * Throws `MARKET_PROFILE_INVALID` when the profile has no fit for the circuit's backend.
 *
 * @example
 * ```ts
 * import { estimateProof, loadHardwareProfile } from './src/market/index.ts'
 * const e = estimateProof({ backend: 'groth16', constraints: 5000 }, loadHardwareProfile())
 * console.log(e.seconds.toFixed(2), 's')
 * ```
 */
export function estimateProof(manifest: Pick<CircuitManifest, 'backend' | 'constraints'>, profile: HardwareProfile): ProofEstimate {
  const fit = profile.backends[manifest.backend]
  if (!fit)
    throw new BaseError('MARKET_PROFILE_INVALID', `Hardware profile "${profile.name}" has no fit for ${manifest.backend}.`, {
      details: `expected a fit for ${manifest.backend}, got fits for ${Object.keys(profile.backends).join(', ')}`,
    })
  const n = manifest.constraints
  const seconds = fit.time.a + fit.time.b * nLogN(n)
  const bytes = fit.memory.c + fit.memory.d * n
  return { backend: manifest.backend, constraints: n, seconds, bytes, fitsMemory: bytes < profile.machine.memoryBytes, maxRelError: fit.maxRelError }
}
