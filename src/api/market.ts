import type { FastifyInstance } from 'fastify'
import type { HardwareProfile, QuoteOptions } from '../market/index.ts'
import { quoteRoute } from '../market/quoteRoute.ts'
import type { ApiContext } from './context.ts'

/** What the API needs to know about the proof market. */
export type ApiMarketOptions = {
  /** Hardware profile quotes are priced on. Default: the bundled measured one. */
  profile?: HardwareProfile | undefined
  quoteOptions?: QuoteOptions | undefined
}

/**
 * Market routes of the API: `GET /quote?circuitId=…` for registered circuits.
 *
 * @example
 * ```ts
 * app.register(marketRoutes, { ctx, market: {} })
 * // curl '/quote?circuitId=0x…'  → { minPrice, maxPrice, rampLength, lockTimeout, timeout, collateral, estimate }
 * ```
 */
export async function marketRoutes(app: FastifyInstance, { ctx, market }: { ctx: ApiContext; market?: ApiMarketOptions | undefined }): Promise<void> {
  await app.register(quoteRoute, {
    getManifest: async (id) => (await ctx.registry.get(id))?.manifest,
    profile: market?.profile,
    quoteOptions: market?.quoteOptions,
  })
}
