import { readFile, stat } from 'node:fs/promises'
import { BaseError } from '../errors/index.ts'

/** One feed the explorer shows: a contract behind `AggregatorV3Interface` and a human label. */
export type FeedEntry = {
  label: string
  address: `0x${string}`
  /** How to grade the answer: `pool-risk` maps the 0–100 score to A–F (models/pool-risk/grade.ts). */
  grade?: 'pool-risk' | undefined
}

/** One `ProvedAllocationVault` the explorer shows: its allocation history and each rebalance's proof. */
export type VaultEntry = {
  label: string
  address: `0x${string}`
  /** The block the vault was deployed in: no log is asked for before it (default 0). */
  fromBlock?: bigint | undefined
}

/** What `zkml serve --feeds <file>` reads: the chain to ask, the feeds and the vaults to show. */
export type FeedsConfig = { rpcUrl: string; feeds: FeedEntry[]; vaults: VaultEntry[] }

/** Returns the current feed configuration, or undefined when there is none (yet). */
export type FeedsSource = () => Promise<FeedsConfig | undefined>

const fail = (what: string, got: unknown) =>
  new BaseError('FEEDS_CONFIG_INVALID', 'The feed configuration is malformed.', {
    details: `expected ${what}, got ${JSON.stringify(got)?.slice(0, 80) ?? 'nothing'}`,
  })

/**
 * Checks a parsed feed configuration: `{ rpcUrl, feeds: [{ label, address, grade? }], vaults?: [{ label, address, fromBlock? }] }`.
 * Throws `FEEDS_CONFIG_INVALID` naming the first wrong field.
 *
 * @example
 * ```ts
 * import { parseFeedsConfig } from './src/explorer/index.ts'
 * parseFeedsConfig({ rpcUrl: 'http://127.0.0.1:8545', feeds: [{ label: 'usdc-lending', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }] })
 * ```
 */
export function parseFeedsConfig(v: unknown): FeedsConfig {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw fail('an object { rpcUrl, feeds }', v)
  const o = v as Record<string, unknown>
  if (typeof o.rpcUrl !== 'string' || !/^https?:\/\//.test(o.rpcUrl)) throw fail('rpcUrl to be an http(s) URL', o.rpcUrl)
  if (!Array.isArray(o.feeds)) throw fail('feeds to be an array', o.feeds)
  const feeds = o.feeds.map((f: unknown, i): FeedEntry => {
    const e = (f ?? {}) as Record<string, unknown>
    if (typeof e.label !== 'string' || e.label.length === 0 || e.label.length > 100) throw fail(`feeds[${i}].label to be a string of 1–100 characters`, e.label)
    if (typeof e.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(e.address)) throw fail(`feeds[${i}].address to be 0x + 40 hex digits`, e.address)
    if (e.grade !== undefined && e.grade !== 'pool-risk') throw fail(`feeds[${i}].grade to be "pool-risk" or absent`, e.grade)
    return { label: e.label, address: e.address as `0x${string}`, ...(e.grade ? { grade: 'pool-risk' as const } : {}) }
  })
  if (o.vaults !== undefined && !Array.isArray(o.vaults)) throw fail('vaults to be an array or absent', o.vaults)
  const vaults = (o.vaults ?? []).map((v: unknown, i): VaultEntry => {
    const e = (v ?? {}) as Record<string, unknown>
    if (typeof e.label !== 'string' || e.label.length === 0 || e.label.length > 100) throw fail(`vaults[${i}].label to be a string of 1–100 characters`, e.label)
    if (typeof e.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(e.address)) throw fail(`vaults[${i}].address to be 0x + 40 hex digits`, e.address)
    if (e.fromBlock !== undefined && !(Number.isSafeInteger(e.fromBlock) && (e.fromBlock as number) >= 0)) throw fail(`vaults[${i}].fromBlock to be a block number (an integer ≥ 0) or absent`, e.fromBlock)
    return { label: e.label, address: e.address as `0x${string}`, ...(e.fromBlock !== undefined ? { fromBlock: BigInt(e.fromBlock as number) } : {}) }
  })
  return { rpcUrl: o.rpcUrl, feeds, vaults }
}

/**
 * A {@link FeedsSource} over a JSON file, re-read whenever its modification time changes, so a
 * deployment script can write it after the API is up (the demo does) and edit it without a
 * restart. A missing file means "no feeds configured", not an error; a malformed one throws
 * `FEEDS_CONFIG_INVALID` on every read until it is fixed.
 *
 * @example
 * ```ts
 * import { feedsFromFile } from './src/explorer/index.ts'
 * const source = feedsFromFile('feeds.json')
 * console.log((await source())?.feeds.length ?? 'not configured')
 * ```
 */
export function feedsFromFile(path: string): FeedsSource {
  let cached: { mtimeMs: number; size: number; config: FeedsConfig } | undefined
  return async () => {
    let st
    try {
      st = await stat(path)
    } catch {
      cached = undefined
      return undefined
    }
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.config
    let json: unknown
    try {
      json = JSON.parse(await readFile(path, 'utf8'))
    } catch (cause) {
      throw new BaseError('FEEDS_CONFIG_INVALID', `The feed configuration ${path} is not readable JSON.`, { details: `expected a JSON file, got: ${(cause as Error).message}`, cause })
    }
    const config = parseFeedsConfig(json)
    cached = { mtimeMs: st.mtimeMs, size: st.size, config }
    return config
  }
}
