import { rng } from '../lib/random.ts'

/**
 * The synthetic yield-pool data set. No public data set of pool risk labels exists that we may ship,
 * so pools are drawn from a documented generative story, and labelled by a transparent formula.
 *
 * Story: each pool has a latent quality q ~ N(0, 1) (team, code, track record). Quality makes
 * protocols older, better audited and larger. Independently, a pool may lean on token emissions
 * (reward share): emission-heavy farms pay higher, spikier APYs and attract fickle, concentrated
 * capital. Oracles of low-quality protocols drift and go stale more.
 *
 * Label (risk, 0–100, higher = riskier): a weighted sum of risk drivers (see `riskScore`) squashed
 * by a logistic curve, plus N(0, 2) noise for what no feature sees.
 *
 * @example
 * ```ts
 * const { x, y } = generatePools(1000, 7) // x: 12 features per pool, y: risk score 0–100
 * ```
 */
export function generatePools(n: number, seed: number): { x: number[][]; y: number[] } {
  const r = rng(seed)
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
  const sig = (v: number) => 1 / (1 + Math.exp(-v))
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const q = r.normal()
    const age = clamp(Math.exp(r.normal(0.3 + 0.5 * q, 0.6)), 0.05, 8)
    const audit = clamp(sig(1.2 * q + r.normal(0, 0.6)), 0, 1)
    const logTvl = clamp(15.5 + 1.6 * q + 0.5 * Math.log1p(age) + r.normal(0, 1.2), 10, 22)
    const rewardShare = clamp(sig(-0.9 * q + r.normal(-0.4, 1.1)), 0, 1)
    const baseApy = Math.exp(r.normal(Math.log(0.04), 0.4))
    const apy = clamp(baseApy / (1 - 0.9 * rewardShare), 0, 2)
    const vol = clamp(0.1 + 1.4 * rewardShare + 0.3 * Math.abs(r.normal()) - 0.08 * q, 0.02, 3)
    const spike = clamp(1 + Math.exp(r.normal(-1.2 + 1.6 * rewardShare + 0.5 * vol, 0.5)), 1, 20)
    const tvlChange = clamp(r.normal(0.02 + 0.05 * q, 0.12 + 0.25 * rewardShare), -0.9, 2)
    const util = clamp(sig(r.normal(0.8, 1.1)), 0, 1)
    const oracleDev = clamp(Math.abs(r.normal(0, 0.003 + 0.012 * Math.max(0, -q))), 0, 0.2)
    const staleness = clamp(Math.exp(r.normal(-0.5 - 0.4 * q, 1)), 0, 48)
    const concentration = clamp(sig(r.normal(-0.3 - 0.5 * q + (logTvl < 14 ? 0.6 : 0), 0.7)), 0, 1)
    const features = [logTvl, tvlChange, apy, rewardShare, vol, spike, util, oracleDev, staleness, audit, age, concentration]
    x.push(features)
    y.push(clamp(riskScore(features) + r.normal(0, 2), 0, 100))
  }
  return { x, y }
}

/**
 * The label's formula, noise-free: points per risk driver, then a logistic squash to 0–100.
 *
 * @example
 * ```ts
 * riskScore([20, 0.05, 0.05, 0.1, 0.2, 1.5, 0.6, 0.001, 0.2, 0.95, 5, 0.2]) // a blue chip: about 10
 * ```
 */
export function riskScore([logTvl, tvlChange, apy, rewardShare, vol, spike, util, oracleDev, staleness, audit, age, concentration]: number[]): number {
  const points =
    2.0 * (18 - logTvl!) +
    -10 * Math.min(0.5, Math.max(-0.5, tvlChange!)) +
    12 * rewardShare! +
    6 * Math.min(apy!, 1) +
    5 * Math.min(vol!, 2) +
    1.2 * Math.min(spike!, 10) +
    10 * (Math.max(0, util! - 0.85) / 0.15) +
    150 * Math.min(oracleDev!, 0.1) +
    0.3 * Math.min(staleness!, 24) +
    -14 * audit! +
    -2.5 * Math.min(age!, 6) +
    14 * concentration!
  return 100 / (1 + Math.exp(-(points - 16) / 8))
}
