import type { ContractFunctionReturnType } from 'viem'
import type { mockYieldPoolAbi } from '../../chain/contracts/generated/index.ts'
import { FEATURES } from '../../../models/pool-risk/features.ts'

/** On-chain state of a yield pool, as MockYieldPool.snapshot() returns it (derived from the generated ABI). */
export type PoolSnapshot = ContractFunctionReturnType<typeof mockYieldPoolAbi, 'view', 'snapshot'>

/**
 * The 12 features of the pool-risk model, in input order (the names of models/pool-risk/features.ts;
 * a test keeps the two lists equal).
 *
 * @example
 * ```ts
 * import { POOL_RISK_FEATURES } from './src/oracle/adapters/index.ts'
 * POOL_RISK_FEATURES.indexOf('utilization') // 6
 * ```
 */
export const POOL_RISK_FEATURES = [
  'log_tvl',
  'tvl_change_30d',
  'apy',
  'reward_share',
  'apy_volatility',
  'apy_spike_ratio',
  'utilization',
  'oracle_deviation',
  'oracle_staleness',
  'audit_score',
  'protocol_age',
  'depositor_concentration',
] as const

/**
 * Turns a pool snapshot into the pool-risk model's 12 features, in the model's units (ln USD,
 * fractions, ratios, hours, years). Every feature is a pure function of the snapshot at one block, so
 * anyone can recompute a round's inputs from chain state and compare them with the round's inputs hash.
 * Each feature is clamped to the documented range of models/pool-risk/features.ts.
 * Time-based features use whole hours / whole days: a feature that changed every block would make every
 * tick look like new inputs and pay for a proof.
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
  const std = apy.length ? Math.sqrt(apy.reduce((a, b) => a + (b - mean) ** 2, 0) / apy.length) : 0
  const sorted = [...apy].sort((a, b) => a - b)
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2
  const peak7 = apy.length ? Math.max(...apy.slice(-7)) : 0
  const tvl = Number(s.tvlUsd)
  const tvl30 = Number(s.tvlUsd30dAgo)
  const ref = Number(s.referencePrice)
  const since = (t: bigint) => Math.max(0, Number(s.blockTimestamp - t))
  const raw = [
    Math.log(Math.max(tvl, 1)),
    tvl30 > 0 ? (tvl - tvl30) / tvl30 : 0,
    apy.length ? apy[apy.length - 1]! : 0,
    s.rewardShareBps / 10_000,
    mean > 0 ? std / mean : 0,
    median > 0 ? peak7 / median : 1,
    s.utilizationBps / 10_000,
    ref > 0 ? Math.abs(Number(s.oraclePrice) - ref) / ref : 0,
    s.oracleUpdatedAt > 0n ? Math.floor(since(s.oracleUpdatedAt) / 3600) : 48,
    s.auditScore / 100,
    Math.floor(since(s.deployedAt) / 86_400) / 365,
    s.top10ConcentrationBps / 10_000,
  ]
  // Clamped to the ranges the model was trained and calibrated on: a pool beyond them (an oracle
  // stale for a week) is scored as the most extreme case the model knows instead of having no witness.
  return raw.map((v, i) => Math.min(FEATURES[i]!.range[1], Math.max(FEATURES[i]!.range[0], v)))
}
