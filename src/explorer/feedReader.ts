import { createPublicClient, http, parseAbi, type PublicClient } from 'viem'
import { gradeFor } from '../../models/pool-risk/grade.ts'
import type { FeedEntry } from './feedsConfig.ts'

/** The part of `AggregatorV3Interface` (plus ProvedFeed's `heartbeat`) the explorer reads. */
const feedAbi = parseAbi([
  'function decimals() view returns (uint8)',
  'function description() view returns (string)',
  'function heartbeat() view returns (uint32)',
  'function latestRound() view returns (uint80)',
  'function subject() view returns (uint256)',
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
  'function getRoundData(uint80 roundId) view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
])

/** One round as the explorer shows it; `answer` stays a decimal string (int256 does not fit a number). */
export type FeedRound = { roundId: string; answer: string; value: number; updatedAt: number }

/** A feed's state at one chain time. `error` is set (and the rest partly missing) when it could not be read. */
export type FeedView = {
  label: string
  address: string
  description?: string
  decimals?: number
  /** Seconds after which ProvedFeed calls the answer stale (absent for feeds without `heartbeat()`). */
  heartbeat?: number
  /** ProvedFeed's subject as a 20-byte hex (the pool address in the demo), so jobs can be labelled. */
  subject?: string
  latest?: FeedRound
  /** Chain time minus the latest round's updatedAt, seconds. */
  stalenessS?: number
  stale?: boolean
  grade?: string
  /** Up to N latest rounds, oldest first (the sparkline). */
  history: FeedRound[]
  error?: string
}

type Meta = { description: string; decimals: number; heartbeat: number | undefined; subject: string | undefined }

/**
 * Reads feeds' latest rounds and short histories from a chain. Past rounds never change, so they
 * are cached by (feed, roundId): a page polling every few seconds costs one `latestRoundData`
 * per feed plus the block time, not N `getRoundData` calls each time.
 *
 * @example
 * ```ts
 * import { FeedReader } from './src/explorer/index.ts'
 * const reader = new FeedReader('http://127.0.0.1:8545')
 * const { feeds, chainTime } = await reader.read([{ label: 'usdc-lending', address: '0x…' }], 10)
 * console.log(feeds[0]?.latest?.value, feeds[0]?.stalenessS)
 * ```
 */
export class FeedReader {
  private client: PublicClient
  private meta = new Map<string, Meta>()
  private rounds = new Map<string, FeedRound>()

  constructor(readonly rpcUrl: string) {
    this.client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 0 }) }) as PublicClient
  }

  /** Reads every feed (in parallel); a feed that fails carries `error` instead of failing the lot. */
  async read(feeds: FeedEntry[], historyLength: number): Promise<{ chainTime: number; blockNumber: string; feeds: FeedView[] }> {
    const block = await this.client.getBlock()
    const chainTime = Number(block.timestamp)
    const views = await Promise.all(feeds.map((f) => this.readOne(f, historyLength, chainTime)))
    return { chainTime, blockNumber: String(block.number), feeds: views }
  }

  private async readOne(f: FeedEntry, historyLength: number, chainTime: number): Promise<FeedView> {
    const view: FeedView = { label: f.label, address: f.address, history: [] }
    try {
      const meta = await this.readMeta(f.address)
      view.description = meta.description
      view.decimals = meta.decimals
      if (meta.heartbeat !== undefined) view.heartbeat = meta.heartbeat
      if (meta.subject !== undefined) view.subject = meta.subject
      const latestId = (await this.client.readContract({ address: f.address, abi: feedAbi, functionName: 'latestRound' }).catch(() => undefined)) as bigint | undefined
      if (latestId === 0n) return { ...view, stale: true }
      const latest = latestId === undefined
        ? this.toRound(await this.client.readContract({ address: f.address, abi: feedAbi, functionName: 'latestRoundData' }), meta.decimals)
        : await this.round(f.address, latestId, meta.decimals)
      view.latest = latest
      view.stalenessS = Math.max(0, chainTime - latest.updatedAt)
      if (meta.heartbeat !== undefined) view.stale = view.stalenessS > meta.heartbeat
      if (f.grade === 'pool-risk') view.grade = gradeFor(latest.value)
      const first = BigInt(latest.roundId)
      const ids: bigint[] = []
      for (let id = first; id >= 1n && ids.length < historyLength; id--) ids.push(id)
      // Oldest first; a round the feed reports missing is skipped, not fatal.
      const rounds = await Promise.all(ids.reverse().map((id) => this.round(f.address, id, meta.decimals).catch(() => undefined)))
      view.history = rounds.filter((r): r is FeedRound => r !== undefined)
    } catch (e) {
      view.error = ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split('\n')[0]!
    }
    return view
  }

  private async readMeta(address: `0x${string}`): Promise<Meta> {
    const hit = this.meta.get(address)
    if (hit) return hit
    const [decimals, description, heartbeat, subject] = await Promise.all([
      this.client.readContract({ address, abi: feedAbi, functionName: 'decimals' }),
      this.client.readContract({ address, abi: feedAbi, functionName: 'description' }),
      // Not part of AggregatorV3Interface: plain Chainlink feeds have none.
      this.client.readContract({ address, abi: feedAbi, functionName: 'heartbeat' }).catch(() => undefined),
      this.client.readContract({ address, abi: feedAbi, functionName: 'subject' }).catch(() => undefined),
    ])
    const meta = {
      decimals: Number(decimals), description: String(description), heartbeat: heartbeat === undefined ? undefined : Number(heartbeat),
      subject: subject === undefined || subject >= 2n ** 160n ? undefined : `0x${subject.toString(16).padStart(40, '0')}`,
    }
    this.meta.set(address, meta)
    return meta
  }

  private async round(address: `0x${string}`, id: bigint, decimals: number): Promise<FeedRound> {
    const key = `${address}:${id}`
    const hit = this.rounds.get(key)
    if (hit) return hit
    const r = this.toRound(await this.client.readContract({ address, abi: feedAbi, functionName: 'getRoundData', args: [id] }), decimals)
    if (this.rounds.size > 10_000) this.rounds.clear() // bounded: a long-lived API must not grow forever
    this.rounds.set(key, r)
    return r
  }

  private toRound(r: readonly [bigint, bigint, bigint, bigint, bigint], decimals: number): FeedRound {
    const [roundId, answer, , updatedAt] = r
    return { roundId: String(roundId), answer: String(answer), value: Number(answer) / 10 ** decimals, updatedAt: Number(updatedAt) }
  }
}
