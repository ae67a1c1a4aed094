import type { FastifyInstance } from 'fastify'
import { BaseError } from '../errors/index.ts'
import { connectMarket, proverReputation, type HardwareProfile, type MarketConnection, type QuoteOptions } from '../market/index.ts'
import { quoteRoute } from './quote.ts'
import { badProofCount } from '../network/index.ts'
import { errorResponses, type ApiContext } from './context.ts'

/** What the API needs to know about the proof market. */
export type ApiMarketOptions = {
  /** Hardware profile quotes are priced on. Default: the bundled measured one. */
  profile?: HardwareProfile | undefined
  quoteOptions?: QuoteOptions | undefined
  /** JSON-RPC URL of the market's chain; with `address`, serves prover reputation. */
  rpcUrl?: string | undefined
  /** The deployed ProofMarket. */
  address?: string | undefined
}

const reputationSchema = {
  type: 'object',
  properties: {
    prover: { type: 'string' },
    locks: { type: 'integer' },
    onTime: { type: 'integer' },
    late: { type: 'integer' },
    slashed: { type: 'integer' },
    badProofs: { type: 'integer', description: 'proofs the coordinator rejected from this address (signed hand-ins)' },
    onTimeRate: { type: 'number' },
    score: { type: 'number', description: 'onTime / (onTime + slashed + badProofs); 1 with no history' },
  },
} as const

/**
 * Market routes of the API: `GET /quote?circuitId=…` for registered circuits, and, when the API knows
 * the market (`rpcUrl` + `address`), `GET /provers/:address/reputation` from the market's events and
 * the coordinator's bad-proof counter.
 *
 * @example
 * ```ts
 * app.register(marketRoutes, { ctx, market: { rpcUrl: 'http://127.0.0.1:8545', address: '0x…' } })
 * // curl '/quote?circuitId=0x…'                 → { minPrice, maxPrice, rampLength, lockTimeout, timeout, collateral, estimate }
 * // curl '/provers/0xf39F…/reputation'          → { reputation: { locks, onTime, late, slashed, badProofs, score } }
 * ```
 */
export async function marketRoutes(app: FastifyInstance, { ctx, market }: { ctx: ApiContext; market?: ApiMarketOptions | undefined }): Promise<void> {
  await app.register(quoteRoute, {
    getManifest: async (id) => (await ctx.registry.get(id))?.manifest,
    profile: market?.profile,
    quoteOptions: market?.quoteOptions,
  })
  if (market?.rpcUrl === undefined && market?.address === undefined) return
  // Checked at start-up: an API that advertises reputation must be able to read it.
  const conn: MarketConnection = await connectMarket({ rpcUrl: market.rpcUrl, market: market.address })
  app.get<{ Params: { address: string } }>('/provers/:address/reputation', {
    schema: {
      summary: 'A prover\'s market record: locks, on-time and late fulfilments, slashes, rejected proofs, score',
      params: { type: 'object', required: ['address'], properties: { address: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'prover address' } } },
      response: { 200: { type: 'object', properties: { market: { type: 'string' }, reputation: reputationSchema } }, ...errorResponses(400, 503) },
    },
  }, async (req) => {
    let rep
    try {
      ;[rep] = await proverReputation(conn.client, conn.market, [req.params.address as `0x${string}`], (p) => badProofCount(ctx.redis, ctx.prefix, p))
    } catch (cause) {
      throw new BaseError('CHAIN_UNAVAILABLE', 'Cannot read the market\'s events.', { details: `expected the node to answer eth_getLogs for ${conn.market}, got: ${(cause as Error).message.split('\n')[0]}`, cause })
    }
    return { market: conn.market, reputation: rep }
  })
}
