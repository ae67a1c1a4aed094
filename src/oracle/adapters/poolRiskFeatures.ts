import { FEATURES } from '../../../models/pool-risk/features.ts'

/** On-chain state of a yield pool, as MockYieldPool.snapshot() returns it. */
export type PoolSnapshot = {
  tvlUsd: bigint
  tvlUsd30dAgo: bigint
  apyBpsHistory: readonly number[]
  rewardShareBps: number
  utilizationBps: number
  oraclePrice: bigint
  referencePrice: bigint
  oracleUpdatedAt: bigint
  auditScore: number
  deployedAt: bigint
  top10ConcentrationBps: number
  blockTimestamp: bigint
}

/** The 12 features of the pool-risk model, in input order (the model's own list). */
export const POOL_RISK_FEATURES = FEATURES.map((f) => f.name)

/**
 * Turns a pool snapshot into the pool-risk model's 12 features, in the model's order and units
 * (models/pool-risk/features.ts), each clamped to the documented range the model was trained and
 * calibrated on. Every feature is a pure function of the snapshot at one block, so anyone can
 * recompute a round's inputs from chain state and compare them with the round's public inputs.
 *
 * @example
 * ```ts
 * import { poolRiskFeatures } from './src/oracle/adapters/index.ts'
 * const f = poolRiskFeatures(snapshot) // 12 numbers
 * ```
 */
export function poolRiskFeatures(s: PoolSnapshot): number[] {
  const apy = s.apyBpsHistory.map((b) => b / 10_000)
  const mean = apy.length ? apy.reduce((a, b) => a + b, 0) / apy.length : 0
  const sd = apy.length ? Math.sqrt(apy.reduce((a, b) => a + (b - mean) ** 2, 0) / apy.length) : 0
  const sorted = [...apy].sort((a, b) => a - b)
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2 : 0
  let best7 = 0 // the highest 7-day average (the whole history when it is shorter)
  for (let i = 0; i <= Math.max(0, apy.length - 7); i++) {
    const w = apy.slice(i, i + 7)
    if (w.length) best7 = Math.max(best7, w.reduce((a, b) => a + b, 0) / w.length)
  }
  const tvl = Number(s.tvlUsd)
  const tvl30 = Number(s.tvlUsd30dAgo)
  const ref = Number(s.referencePrice)
  const raw = [
    Math.log(Math.max(tvl, 1)),
    tvl30 > 0 ? (tvl - tvl30) / tvl30 : 0,
    apy.length ? apy[apy.length - 1]! : 0,
    s.rewardShareBps / 10_000,
    mean > 0 ? sd / mean : 0,
    median > 0 ? best7 / median : 1,
    s.utilizationBps / 10_000,
    ref > 0 ? Math.abs(Number(s.oraclePrice) - ref) / ref : 0,
    // Time-derived features are rounded (0.1 h, 0.01 y) so an idle pool's inputs don't change with
    // every block: unchanged inputs mean no new proof is bought (see standing orders).
    Math.round(Number(s.blockTimestamp - s.oracleUpdatedAt) / 360) / 10,
    s.auditScore / 100,
    Math.round(Number(s.blockTimestamp - s.deployedAt) / (365.25 * 864)) / 100,
    s.top10ConcentrationBps / 10_000,
  ]
  return raw.map((v, i) => Math.min(FEATURES[i]!.range[1], Math.max(FEATURES[i]!.range[0], v)))
}
