/**
 * The pool-risk model's 12 inputs, in input order. Units are chosen so every value stays small
 * (|x| < 30): the circuit's fixed-point range is sized from the largest value any tensor takes.
 *
 * @example
 * ```ts
 * import { FEATURES } from './models/pool-risk/features.ts'
 * FEATURES.map((f) => f.name) // ['log_tvl', 'tvl_change_30d', …]
 * ```
 */
export const FEATURES = [
  { name: 'log_tvl', unit: 'ln(USD)', range: [10, 22], meaning: 'Natural log of total value locked (10 ≈ $22k, 22 ≈ $3.6B).' },
  { name: 'tvl_change_30d', unit: 'fraction', range: [-0.9, 2], meaning: 'TVL change over 30 days: -0.5 means half the deposits left.' },
  { name: 'apy', unit: 'fraction', range: [0, 2], meaning: 'Current advertised APY (0.08 = 8%).' },
  { name: 'reward_share', unit: 'fraction', range: [0, 1], meaning: 'Share of the APY paid in emitted reward tokens rather than organic fees/interest.' },
  { name: 'apy_volatility', unit: 'ratio', range: [0, 3], meaning: 'Standard deviation of daily APY over 30 days divided by its mean.' },
  { name: 'apy_spike_ratio', unit: 'ratio', range: [1, 20], meaning: 'Highest 7-day APY over the 30-day median APY.' },
  { name: 'utilization', unit: 'fraction', range: [0, 1], meaning: 'Borrowed over supplied for lending pools (withdrawal liquidity pressure).' },
  { name: 'oracle_deviation', unit: 'fraction', range: [0, 0.2], meaning: 'Relative gap between the pool\'s price oracle and a reference price.' },
  { name: 'oracle_staleness', unit: 'hours', range: [0, 48], meaning: 'Hours since the pool\'s price oracle last updated.' },
  { name: 'audit_score', unit: '0–1', range: [0, 1], meaning: 'Audit coverage and quality, 1 = several reputable audits, no open findings.' },
  { name: 'protocol_age', unit: 'years', range: [0, 8], meaning: 'Years since the protocol\'s contracts were deployed.' },
  { name: 'depositor_concentration', unit: 'fraction', range: [0, 1], meaning: 'Share of TVL held by the ten largest depositors.' },
] as const

export type FeatureName = (typeof FEATURES)[number]['name']
