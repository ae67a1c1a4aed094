/**
 * The pool-allocator model's per-pool inputs, in input order (the model takes N pools × these 9,
 * pool-major). Every feature is an integer from chain state divided by a fixed denominator, so
 * `ProvedAllocationVault` recomputes it on-chain exactly (`onChain` says how; `den` is the
 * denominator) and quantizes it with the compiler's rounding. Clamps are applied on both sides.
 *
 * Compared with pool-risk: log_tvl, apy_volatility and apy_spike_ratio are left out (a logarithm, a
 * square root and a median over 30 observations are costly in a contract); time features are whole
 * hours and whole days so that a proof made a few blocks earlier still matches the state.
 *
 * @example
 * ```ts
 * import { POOL_FEATURES } from './models/pool-allocator/features.ts'
 * POOL_FEATURES.length // 9
 * ```
 */
export const POOL_FEATURES = [
  { name: 'apy', den: 10_000, range: [0, 20_000], source: 'pool', onChain: 'latest recorded APY in bps (apyHistory last; 0 if none)' },
  { name: 'tvl_change_30d', den: 10_000, range: [-9_000, 20_000], source: 'pool', onChain: '(tvlUsd - tvlUsd30dAgo) * 10000 / tvlUsd30dAgo, truncated toward zero (0 when tvlUsd30dAgo = 0)' },
  { name: 'reward_share', den: 10_000, range: [0, 10_000], source: 'pool', onChain: 'rewardShareBps' },
  { name: 'utilization', den: 10_000, range: [0, 10_000], source: 'pool', onChain: 'utilizationBps' },
  { name: 'oracle_deviation', den: 10_000, range: [0, 2_000], source: 'pool', onChain: '|oraclePrice - referencePrice| * 10000 / referencePrice, floored' },
  { name: 'oracle_staleness', den: 1, range: [0, 48], source: 'pool', onChain: 'whole hours since oracleUpdatedAt: (block.timestamp - oracleUpdatedAt) / 3600' },
  { name: 'audit_score', den: 100, range: [0, 100], source: 'registry', onChain: 'RiskFactsRegistry auditScore (0–100, governance-set)' },
  { name: 'protocol_age', den: 365, range: [0, 2_920], source: 'registry', onChain: 'whole days since RiskFactsRegistry launchedAt: (block.timestamp - launchedAt) / 86400' },
  { name: 'depositor_concentration', den: 10_000, range: [0, 10_000], source: 'pool', onChain: 'top10ConcentrationBps' },
] as const

/** Features per pool. */
export const N_FEATURES = POOL_FEATURES.length

/**
 * A feature's real value from its on-chain integer, clamped to the range both sides use.
 *
 * @example
 * ```ts
 * featureValue(1, -12_000) // -0.9 (tvl_change_30d is clamped at -90%)
 * ```
 */
export function featureValue(index: number, raw: number | bigint): number {
  const f = POOL_FEATURES[index]!
  const v = Math.min(f.range[1], Math.max(f.range[0], Number(raw)))
  return v / f.den
}

/**
 * The input signal the compiler makes of feature value `raw / den` at scale 2^s, computed exactly in
 * integers: round half up of raw · 2^s / den, i.e. floor((2 · raw · 2^s + den) / (2 · den)). It equals
 * the prover's `Math.round((raw / den) · 2^s)` for every integer in the clamps (a unit test checks them
 * all), and `ProvedAllocationVault.quantize` computes the same on-chain. Negative results are returned
 * as negatives; the signal is that value mod P.
 *
 * @example
 * ```ts
 * quantizeExact(-9_000n, 10_000n, 8) // -230n (-0.9 · 256 = -230.4)
 * ```
 */
export function quantizeExact(raw: bigint, den: bigint, s: number): bigint {
  const num = 2n * raw * (1n << BigInt(s)) + den
  const d = 2n * den
  const q = num / d
  return num % d !== 0n && num < 0n ? q - 1n : q // floor division
}
