/**
 * The demo's yield pools: three on-chain states spanning the risk range. Times are relative to the
 * chain's clock when the pools are deployed.
 */
export type DemoPool = {
  name: string
  ageDays: number
  auditScore: number
  tvlUsd: bigint
  tvlUsd30dAgo: bigint
  /** 30 daily APY observations, basis points. */
  apyBps: number[]
  rewardShareBps: number
  utilizationBps: number
  oraclePrice: bigint
  referencePrice: bigint
  top10Bps: number
}

const series = (base: number, swing: number, spikeAt = -1, spike = 1) =>
  Array.from({ length: 30 }, (_, d) => Math.round(base + swing * Math.sin(d * 1.7) * Math.cos(d * 0.3)) * (d >= spikeAt && d < spikeAt + 4 && spikeAt >= 0 ? spike : 1))

/**
 * @example
 * ```ts
 * import { DEMO_POOLS } from './src/demo/pools.ts'
 * DEMO_POOLS.map((p) => p.name) // ['usdc-lending', 'eth-lst-lp', 'new-farm']
 * ```
 */
export const DEMO_POOLS: DemoPool[] = [
  {
    name: 'usdc-lending',
    ageDays: 5 * 365,
    auditScore: 95,
    tvlUsd: 900_000_000n,
    tvlUsd30dAgo: 880_000_000n,
    apyBps: series(420, 25),
    rewardShareBps: 500,
    utilizationBps: 7800,
    oraclePrice: 100_010_000n,
    referencePrice: 100_000_000n,
    top10Bps: 1800,
  },
  {
    name: 'eth-lst-lp',
    ageDays: 300,
    auditScore: 55,
    tvlUsd: 12_000_000n,
    tvlUsd30dAgo: 15_000_000n,
    apyBps: series(1400, 600, 12, 2),
    rewardShareBps: 6000,
    utilizationBps: 8800,
    oraclePrice: 100_600_000n,
    referencePrice: 100_000_000n,
    top10Bps: 6000,
  },
  {
    name: 'new-farm',
    ageDays: 60,
    auditScore: 30,
    tvlUsd: 1_500_000n,
    tvlUsd30dAgo: 2_100_000n,
    apyBps: series(4000, 1500, 20, 2),
    rewardShareBps: 8500,
    utilizationBps: 9000,
    oraclePrice: 101_500_000n,
    referencePrice: 100_000_000n,
    top10Bps: 7500,
  },
]

/**
 * A pool's market after `step` steps of stress (utilization up, TVL draining, its oracle price
 * drifting from the reference): what the demo writes on-chain between rounds so that later rounds
 * prove different inputs and the explorer's history has a shape. Step 0 is the pool as deployed.
 *
 * @example
 * ```ts
 * import { DEMO_POOLS, stressedMarket } from './src/demo/pools.ts'
 * stressedMarket(DEMO_POOLS[1]!, 2).utilizationBps // 9300
 * ```
 */
export function stressedMarket(p: DemoPool, step: number): { tvlUsd: bigint; utilizationBps: number; oraclePrice: bigint } {
  const k = BigInt(step)
  return {
    tvlUsd: (p.tvlUsd * (100n - 7n * k > 10n ? 100n - 7n * k : 10n)) / 100n,
    utilizationBps: Math.min(9_990, p.utilizationBps + 250 * step),
    oraclePrice: p.oraclePrice + (p.referencePrice * 4n * k) / 1000n,
  }
}
