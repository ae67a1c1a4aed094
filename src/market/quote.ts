import { BaseError } from '../errors/index.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import type { Hardware } from '../network/hardware.ts'
import type { HardwareProfile } from './hardwareProfile.ts'
import { estimateProof, type ProofEstimate } from './estimateProof.ts'

/** Economic knobs of a quote. Defaults are policy, not measurements; only time and memory come from the profile. */
export type QuoteOptions = {
  /** What a second of the profiled machine costs the prover, in wei. Default 1e12 (≈ 0.0036 ETH/hour). */
  costPerSecondWei?: bigint | undefined
  /** maxPrice = minPrice × margin; covers estimate error and profit. Default 3. */
  margin?: number | undefined
  /** Lock timeout = estimate × safetyFactor + overheadSeconds. Default 4. */
  safetyFactor?: number | undefined
  /** Fixed seconds for fetching inputs, witness and two transactions. Default 30. */
  overheadSeconds?: number | undefined
  /** Late-fulfilment window after the lock timeout, as a multiple of the lock timeout. Default 2. */
  lateWindowFactor?: number | undefined
  /** Required collateral as a multiple of maxPrice. Default 4: missing a deadline must cost more than it pays. */
  collateralFactor?: number | undefined
  /**
   * The engines the proving worker (or worker class) advertises, as `Hardware.engines`: a worker
   * proving Groth16 with `native` is quoted from the profile's native fit. Default: snarkjs.
   */
  engines?: Hardware['engines'] | undefined
}

/** Recommended terms for one proof: prices in wei, durations in seconds (relative to the ramp start). */
export type Quote = {
  circuit: { name?: string | undefined; circuitHash?: string | undefined; backend: CircuitManifest['backend']; constraints: number }
  profile: string
  estimate: ProofEstimate
  minPrice: bigint
  maxPrice: bigint
  rampLength: bigint
  lockTimeout: bigint
  /** Seconds from the ramp start to the request deadline. */
  timeout: bigint
  collateral: bigint
}

const ceil = (x: number) => BigInt(Math.ceil(x))

/**
 * Prices a proof: the break-even price (machine cost × estimated time) is the auction's floor, the
 * floor × margin its ceiling; the ramp spans a few estimated proving times so provers see it climb;
 * the lock timeout leaves `safetyFactor` × the estimate plus fixed overhead.
 *
 * @example
 * ```ts
 * import { quote, loadHardwareProfile } from './src/market/index.ts'
 * const q = quote({ backend: 'groth16', constraints: 5000 }, loadHardwareProfile())
 * console.log(q.minPrice, q.maxPrice, q.lockTimeout)
 * // A worker advertising the native Groth16 engine is priced from the profile's native fit:
 * const qn = quote({ backend: 'groth16', constraints: 5000 }, loadHardwareProfile(), { engines: { groth16: 'native' } })
 * ```
 */
export function quote(
  manifest: Pick<CircuitManifest, 'backend' | 'constraints'> & Partial<Pick<CircuitManifest, 'name' | 'circuitHash' | 'plonkGates' | 'ezkl'>>,
  profile: HardwareProfile,
  options: QuoteOptions = {},
): Quote {
  const cost = options.costPerSecondWei ?? 1_000_000_000_000n
  const margin = options.margin ?? 3
  const safety = options.safetyFactor ?? 4
  const overhead = options.overheadSeconds ?? 30
  const late = options.lateWindowFactor ?? 2
  const collateralFactor = options.collateralFactor ?? 4
  for (const [k, v, min] of [['margin', margin, 1], ['safetyFactor', safety, 1], ['overheadSeconds', overhead, 0], ['lateWindowFactor', late, 0], ['collateralFactor', collateralFactor, 0]] as const)
    if (!Number.isFinite(v) || v < min)
      throw new BaseError('MARKET_QUOTE_INVALID', `Quote option ${k} is out of range.`, { details: `expected a number ≥ ${min}, got ${v}` })
  if (cost <= 0n) throw new BaseError('MARKET_QUOTE_INVALID', 'costPerSecondWei must be positive.', { details: `expected > 0, got ${cost}` })
  const engine = options.engines?.[manifest.backend] ?? 'snarkjs'
  if (engine !== 'snarkjs' && engine !== 'native' && engine !== 'cuda')
    throw new BaseError('MARKET_QUOTE_INVALID', `Unknown proving engine for ${manifest.backend}.`, { details: `expected native, cuda or snarkjs, got ${String(engine).slice(0, 40)}` })
  const estimate = estimateProof(manifest, profile, engine)
  // Scale wei by 1e6 to keep sub-second estimates from rounding to zero; a GPU second costs
  // costFactor CPU seconds (the engine fit's hardware price).
  const minPrice = (cost * BigInt(Math.round(estimate.seconds * estimate.costFactor * 1e6))) / 1_000_000n + 1n
  const maxPrice = (minPrice * ceil(margin * 1000)) / 1000n
  const rampLength = ceil(Math.max(10, 4 * estimate.seconds))
  const lockTimeout = ceil(estimate.seconds * safety + overhead)
  const timeout = rampLength + lockTimeout + ceil(Number(lockTimeout) * late)
  return {
    circuit: { name: manifest.name, circuitHash: manifest.circuitHash, backend: manifest.backend, constraints: manifest.constraints },
    profile: profile.name,
    estimate,
    minPrice,
    maxPrice,
    rampLength,
    lockTimeout,
    timeout,
    collateral: (maxPrice * ceil(collateralFactor * 1000)) / 1000n,
  }
}

/**
 * A quote as JSON (bigints as decimal strings), for the CLI and HTTP.
 *
 * @example
 * ```ts
 * import { quote, quoteToJson, loadHardwareProfile } from './src/market/index.ts'
 * console.log(JSON.stringify(quoteToJson(quote({ backend: 'plonk', constraints: 900 }, loadHardwareProfile()))))
 * ```
 */
export function quoteToJson(q: Quote): Record<string, unknown> {
  return JSON.parse(JSON.stringify(q, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

/**
 * Turns a quote into on-chain terms starting at `rampStart` (unix seconds).
 *
 * @example
 * ```ts
 * import { quote, offerFromQuote, loadHardwareProfile } from './src/market/index.ts'
 * const q = quote({ backend: 'groth16', constraints: 5000 }, loadHardwareProfile())
 * const terms = offerFromQuote(q, BigInt(Math.floor(Date.now() / 1000)))
 * ```
 */
export function offerFromQuote(q: Quote, rampStart: bigint): { minPrice: bigint; maxPrice: bigint; rampStart: bigint; rampLength: bigint; lockDeadline: bigint; deadline: bigint; collateral: bigint } {
  return {
    minPrice: q.minPrice,
    maxPrice: q.maxPrice,
    rampStart,
    rampLength: q.rampLength,
    lockDeadline: rampStart + q.rampLength + q.lockTimeout,
    deadline: rampStart + q.timeout,
    collateral: q.collateral,
  }
}
