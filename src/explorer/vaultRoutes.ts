import type { FastifyInstance } from 'fastify'
import type { Address } from 'viem'
import { errorResponses } from '../api/context.ts'
import { BaseError } from '../errors/index.ts'
import type { FeedsSource, VaultEntry } from './feedsConfig.ts'
import { VaultProofJobs, type ProofJobView, type VaultJobSource } from './vaultProofJobs.ts'
import { MAX_LOG_SPAN, shortError, VaultReader, type RebalanceRecord, type VaultSummary } from './vaultReader.ts'

const str = { type: 'string' } as const
const strs = { type: 'array', items: str } as const
const ints = { type: 'array', items: { type: 'integer' } } as const

const summarySchema = {
  type: 'object',
  properties: {
    label: str, address: str, name: str, symbol: str, decimals: { type: 'integer' }, pools: strs, capBps: ints,
    modelId: str, circuitId: str, scoreScaleBits: { type: 'integer' }, lastRound: str, lastRebalanceAt: { type: 'integer' }, cooldown: { type: 'integer' },
    allocation: {
      type: 'object',
      description: 'amounts in asset units (decimal strings); bps of totalAssets',
      properties: { idle: str, inPools: strs, totalAssets: str, bps: ints, idleBps: { type: 'integer' } },
    },
    error: { type: 'string', description: 'the vault could not be read' },
  },
} as const

const jobSchema = {
  type: ['object', 'null'],
  description: 'the network job whose proof was posted, or null when the job store has none (expired, or proved elsewhere)',
  properties: {
    jobId: str, status: str, verified: { type: 'boolean' }, circuitId: str, engine: str, workerId: str,
    matchedBy: { type: 'string', enum: ['idempotency-key', 'input-signals'] },
    proofMatches: { type: 'boolean', description: 'the job\'s proof, encoded for the verifier, hashes to the event\'s proofHash' },
    proofUrl: str, verifyUrl: str,
  },
} as const

const rebalanceSchema = {
  type: 'object',
  properties: {
    round: str, blockNumber: str, blockTime: { type: 'integer' }, txHash: str, logIndex: { type: 'integer' }, caller: str, modelId: str,
    scores: { ...strs, description: 'proved scores, signed fixed-point integers' },
    scoreValues: { type: 'array', items: { type: 'number' }, description: 'scores / 2^scoreScaleBits' },
    before: strs, after: strs, moved: str, totalAssets: str, beforeBps: ints, afterBps: ints,
    proofHash: str, inputsHash: str, inputSignals: strs, job: jobSchema, jobError: str,
  },
} as const

const addressParams = {
  type: 'object',
  required: ['address'],
  properties: { address: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'a vault from the explorer configuration' } },
} as const

/** How the explorer API reaches the network's job store (absent: rebalances are shown without jobs). */
export type VaultRoutesOptions = { feeds?: FeedsSource | undefined; jobs?: VaultJobSource | undefined }

const bps = (part: bigint, total: bigint | undefined) => (total === undefined || total === 0n ? undefined : Number((part * 10_000n) / total))

function rebalanceView(r: RebalanceRecord, job: ProofJobView | null | undefined, scaleBits: number | undefined, jobError: string | undefined) {
  const before = r.before.map((b) => bps(b, r.totalAssets))
  const after = r.after.map((b) => bps(b, r.totalAssets))
  return {
    round: String(r.round), blockNumber: String(r.blockNumber), ...(r.blockTime !== undefined ? { blockTime: r.blockTime } : {}),
    txHash: r.txHash, logIndex: r.logIndex, caller: r.caller, modelId: String(r.modelId),
    scores: r.scores.map(String), ...(scaleBits !== undefined ? { scoreValues: r.scores.map((s) => Number(s) / 2 ** scaleBits) } : {}),
    before: r.before.map(String), after: r.after.map(String), moved: String(r.moved),
    ...(r.totalAssets !== undefined ? { totalAssets: String(r.totalAssets), beforeBps: before as number[], afterBps: after as number[] } : {}),
    proofHash: r.proofHash, inputsHash: r.inputsHash, ...(r.inputSignals ? { inputSignals: r.inputSignals.map(String) } : {}),
    job: job ?? null, ...(jobError ? { jobError } : {}),
  }
}

/**
 * The vault half of the explorer: `GET /explorer/vaults` (every configured vault's current
 * allocation) and `GET /explorer/vaults/:address` (its `Rebalanced` history, newest first, in a
 * bounded block window, each rebalance with the network job whose proof it posted). Vaults come
 * from the same file as the feeds (`vaults: [{ label, address, fromBlock? }]`); an address not in
 * it is `VAULT_NOT_FOUND`, so no caller can point the server at arbitrary contracts.
 *
 * @example
 * ```ts
 * import { vaultRoutes } from './src/explorer/vaultRoutes.ts'
 * await app.register(vaultRoutes, { feeds: feedsFromFile('feeds.json'), jobs })
 * // curl '/explorer/vaults/0x…?limit=20&blocks=10000' → { vault, rebalances, range, next? }
 * ```
 */
export async function vaultRoutes(app: FastifyInstance, opts: VaultRoutesOptions): Promise<void> {
  let reader: VaultReader | undefined
  const matcher = opts.jobs ? new VaultProofJobs(opts.jobs) : undefined
  const readerFor = (rpcUrl: string) => {
    if (reader?.rpcUrl !== rpcUrl) reader = new VaultReader(rpcUrl)
    return reader
  }

  app.get('/explorer/vaults', {
    schema: {
      summary: 'Configured ProvedAllocationVaults: pools, caps, model and circuit, the current allocation',
      response: {
        200: {
          type: 'object',
          properties: {
            configured: { type: 'boolean' }, rpcUrl: str, chainTime: { type: 'integer' }, blockNumber: str,
            error: { type: 'string', description: 'the chain could not be read at all' },
            vaults: { type: 'array', items: summarySchema },
          },
        },
        ...errorResponses(500),
      },
    },
  }, async () => {
    const config = await opts.feeds?.()
    if (!config || config.vaults.length === 0) return { configured: false, vaults: [] }
    const r = readerFor(config.rpcUrl)
    try {
      const head = await r.head()
      const vaults = await Promise.all(config.vaults.map((v) => r.summary(v)))
      return { configured: true, rpcUrl: config.rpcUrl, chainTime: head.chainTime, blockNumber: String(head.blockNumber), vaults }
    } catch (e) {
      const error = shortError(e)
      return { configured: true, rpcUrl: config.rpcUrl, error, vaults: config.vaults.map((v) => ({ label: v.label, address: v.address, error })) }
    }
  })

  app.get<{ Params: { address: string }; Querystring: { limit?: string; toBlock?: string; blocks?: string } }>('/explorer/vaults/:address', {
    schema: {
      summary: 'A vault\'s rebalances, newest first, in a bounded block window: scores, balances before/after, proof and input hashes, and the proof job',
      params: addressParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          limit: { type: 'string', pattern: '^([1-9]|[1-4][0-9]|50)$', description: 'most rebalances returned, 1–50 (default 20); a block is never split across pages' },
          toBlock: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'newest block scanned (default: the head; later is the head)' },
          blocks: { type: 'string', pattern: '^[0-9]{1,5}$', description: `blocks scanned back from toBlock, 1–${MAX_LOG_SPAN} (default ${MAX_LOG_SPAN})` },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            vault: summarySchema, chainTime: { type: 'integer' }, blockNumber: str,
            range: { type: 'object', description: 'the blocks scanned, inclusive', properties: { fromBlock: str, toBlock: str } },
            rebalances: { type: 'array', items: rebalanceSchema },
            next: { type: 'object', description: 'where older rebalances continue: pass as ?toBlock=', properties: { toBlock: str } },
            error: { type: 'string', description: 'the chain could not be read' },
          },
        },
        ...errorResponses(400, 404, 500),
      },
    },
  }, async (req) => {
    const address = req.params.address.toLowerCase()
    const config = await opts.feeds?.()
    const entry: VaultEntry | undefined = config?.vaults.find((v) => v.address.toLowerCase() === address)
    if (!config || !entry)
      throw new BaseError('VAULT_NOT_FOUND', `No vault ${req.params.address} is configured in the explorer.`, {
        details: `expected one of the configured vaults (${config?.vaults.map((v) => v.address).join(', ') || 'none configured'}), got ${req.params.address}`,
        meta: { address: req.params.address },
      })
    const blocks = BigInt(req.query.blocks ?? MAX_LOG_SPAN)
    if (blocks < 1n || blocks > MAX_LOG_SPAN)
      throw new BaseError('REQUEST_INVALID', 'The block window is out of range.', { details: `expected querystring.blocks from 1 to ${MAX_LOG_SPAN}, got ${req.query.blocks}` })
    const limit = Number(req.query.limit ?? 20)
    const r = readerFor(config.rpcUrl)
    let vault: VaultSummary = { label: entry.label, address: entry.address }
    try {
      const head = await r.head()
      vault = await r.summary(entry)
      const start = entry.fromBlock ?? 0n
      const toBlock = req.query.toBlock === undefined || BigInt(req.query.toBlock) > head.blockNumber ? head.blockNumber : BigInt(req.query.toBlock)
      const fromBlock = toBlock - blocks + 1n > start ? toBlock - blocks + 1n : start
      const range = { fromBlock: String(fromBlock), toBlock: String(toBlock) }
      const base = { vault, chainTime: head.chainTime, blockNumber: String(head.blockNumber) }
      if (toBlock < start) return { ...base, range, rebalances: [] }
      const { rebalances: all, nOutputs, nFeatures } = await r.rebalances(entry, fromBlock, toBlock)
      // Page by whole blocks: cut after `limit`, but keep the rest of the last block, so ?toBlock=next never skips one.
      let page = all.slice(0, limit)
      const lastBlock = page.at(-1)?.blockNumber
      if (all.length > limit && lastBlock !== undefined) page = all.filter((x) => x.blockNumber >= lastBlock)
      const olderFrom = all.length > page.length ? lastBlock! - 1n : fromBlock - 1n
      const next = olderFrom >= start ? { next: { toBlock: String(olderFrom) } } : {}
      let jobs: (ProofJobView | null)[] = []
      let jobError: string | undefined
      if (matcher && opts.jobs?.ready()) {
        try {
          jobs = await matcher.match(entry.address as Address, page, { nOutputs, nFeatures })
        } catch (e) {
          jobError = `the job store could not be read: ${shortError(e)}`
        }
      } else if (matcher) jobError = 'the job store (Redis) is not reachable'
      const rebalances = page.map((x, i) => rebalanceView(x, jobs[i], vault.scoreScaleBits, jobError))
      return { ...base, range, rebalances, ...next }
    } catch (e) {
      return { vault, rebalances: [], error: shortError(e) }
    }
  })
}
