/** On-chain state of a yield pool, as MockYieldPool.snapshot() returns it. */
export type PoolSnapshot = {
  tvlUsd: bigint
  tvlUsd7dAgo: bigint
  apyBpsHistory: readonly number[]
  utilizationBps: number
  oraclePrice: bigint
  referencePrice: bigint
  auditScore: number
  deployedAt: bigint
  top10ConcentrationBps: number
  leverageBps: number
  withdrawalQueueBps: number
  incidents: number
  blockTimestamp: bigint
}

/** The 12 features of the pool-risk model, in input order. */
export const POOL_RISK_FEATURES = [
  'tvl_log10',
  'tvl_change_7d',
  'apy_mean',
  'apy_volatility',
  'utilization',
  'oracle_deviation',
  'audit_score',
  'age_years',
  'top10_concentration',
  'leverage',
  'withdrawal_queue',
  'incidents',
] as const

/**
 * Turns a pool snapshot into the pool-risk model's 12 features (see POOL_RISK_FEATURES), in units
 * small enough for fixed point: fractions, log10 dollars, years. Every feature is a pure function of
 * the snapshot at one block, so anyone can recompute a round's inputs from chain state and compare
 * them with the round's inputs hash.
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
  const vol = apy.length ? Math.sqrt(apy.reduce((a, b) => a + (b - mean) ** 2, 0) / apy.length) : 0
  const tvl = Number(s.tvlUsd)
  const tvl7 = Number(s.tvlUsd7dAgo)
  const ref = Number(s.referencePrice)
  return [
    Math.log10(Math.max(tvl, 1)),
    tvl7 > 0 ? (tvl - tvl7) / tvl7 : 0,
    mean,
    vol,
    s.utilizationBps / 10_000,
    ref > 0 ? Math.abs(Number(s.oraclePrice) - ref) / ref : 0,
    s.auditScore / 100,
    Math.max(0, Number(s.blockTimestamp - s.deployedAt)) / (365 * 86_400),
    s.top10ConcentrationBps / 10_000,
    s.leverageBps / 10_000,
    s.withdrawalQueueBps / 10_000,
    s.incidents,
  ]
}
