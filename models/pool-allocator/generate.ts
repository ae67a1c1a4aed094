import { rng } from '../lib/random.ts'
import { N_FEATURES, POOL_FEATURES } from './features.ts'

/**
 * The synthetic pools the allocator learns from, one pool at a time (the model scores each pool with
 * the same weights). No public data set of realized, risk-adjusted pool returns exists that we may
 * ship, so pools come from a documented story, like pool-risk's (../pool-risk/generate.ts):
 *
 * Story: a latent protocol quality q ~ N(0, 1) makes protocols older and better audited, their oracles
 * fresher and closer to the reference, their depositors less concentrated. Independently a pool may lean
 * on token emissions (reward share), which pays a higher APY (base APY / (1 − 0.9 · reward share)) and
 * draws fickle capital. One pool in eight is *stressed*: a bank run (utilization 90–100%, TVL −30% to
 * −80%), its oracle drifting 2–10% and stale 6–48 h, as the demo does to one pool.
 *
 * Label: the pool's risk-adjusted APY in percent, (1 − p) · apy − p · 0.5 (a loss event costs half
 * the deposit), where p = 0.5 · σ((points − 16) / 4) is the yearly probability of a loss event and
 * `points` weighs the same risk drivers as pool-risk's riskScore (see `lossProbability`); plus N(0, 0.3)
 * noise. Features are drawn on the integer grid the vault reads (bps, whole hours, whole days).
 *
 * @example
 * ```ts
 * const { x, y } = generatePools(1000, 11) // x: 9 features per pool, y: risk-adjusted APY in %
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
    const stressed = r.uniform() < 1 / 8
    const ageDays = Math.round(365 * clamp(Math.exp(r.normal(0.3 + 0.5 * q, 0.6)), 0.02, 8))
    const audit = Math.round(100 * clamp(sig(1.2 * q + r.normal(0, 0.6)), 0, 1))
    const rewardShare = Math.round(10_000 * clamp(sig(-0.9 * q + r.normal(-0.4, 1.1)), 0, 1))
    const apy = Math.round(10_000 * clamp(Math.exp(r.normal(Math.log(0.04), 0.4)) / (1 - 0.9 * (rewardShare / 10_000)), 0, 2))
    let tvlChange = Math.round(10_000 * clamp(r.normal(0.02 + 0.05 * q, 0.12 + 0.25 * (rewardShare / 10_000)), -0.9, 2))
    let util = Math.round(10_000 * clamp(sig(r.normal(0.8, 1.1)), 0, 1))
    let oracleDev = Math.round(10_000 * clamp(Math.abs(r.normal(0, 0.003 + 0.012 * Math.max(0, -q))), 0, 0.2))
    let staleness = Math.floor(clamp(Math.exp(r.normal(-0.5 - 0.4 * q, 1)), 0, 48))
    const concentration = Math.round(10_000 * clamp(sig(r.normal(-0.3 - 0.5 * q, 0.7)), 0, 1))
    if (stressed) {
      util = Math.round(r.between(9_000, 10_000))
      tvlChange = Math.round(r.between(-8_000, -3_000))
      oracleDev = Math.round(r.between(200, 1_000))
      staleness = Math.floor(r.between(6, 48))
    }
    const raw = [apy, tvlChange, rewardShare, util, oracleDev, staleness, audit, ageDays, concentration]
    const features = raw.map((v, j) => v / POOL_FEATURES[j]!.den)
    x.push(features)
    y.push(riskAdjustedApy(features) + r.normal(0, 0.3))
  }
  return { x, y }
}

/**
 * Yearly probability of a loss event, from the risk drivers (noise-free): outflows, emissions,
 * utilization above 85%, oracle deviation and staleness, concentration; audits and age lower it.
 *
 * @example
 * ```ts
 * lossProbability([0.05, 0.02, 0.1, 0.6, 0.001, 0, 0.95, 5, 0.2]) // a blue chip: about 0.01
 * ```
 */
export function lossProbability([, tvlChange, rewardShare, util, oracleDev, staleness, audit, age, concentration]: number[]): number {
  const points =
    -10 * Math.min(0.5, Math.max(-0.5, tvlChange!)) +
    12 * rewardShare! +
    10 * (Math.max(0, util! - 0.85) / 0.15) +
    150 * Math.min(oracleDev!, 0.1) +
    0.3 * Math.min(staleness!, 24) +
    -14 * audit! +
    -2.5 * Math.min(age!, 6) +
    14 * concentration!
  return 0.5 / (1 + Math.exp(-(points - 16) / 4))
}

/**
 * The label, noise-free: risk-adjusted APY in percent, (1 − p) · apy − p · 0.5.
 *
 * @example
 * ```ts
 * riskAdjustedApy([0.05, 0.02, 0.1, 0.6, 0.001, 0, 0.95, 5, 0.2]) // ≈ 4.4 (%)
 * ```
 */
export function riskAdjustedApy(features: number[]): number {
  if (features.length !== N_FEATURES) throw new Error(`expected ${N_FEATURES} features, got ${features.length}`)
  const p = lossProbability(features)
  return 100 * ((1 - p) * features[0]! - p * 0.5)
}
