import type { FastifyPluginAsync } from 'fastify'
import { BaseError } from '../errors/index.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import type { HardwareProfile } from './hardwareProfile.ts'
import { loadHardwareProfile } from './loadHardwareProfile.ts'
import { quote, quoteToJson, type QuoteOptions } from './quote.ts'

export type QuoteRouteOptions = {
  /** Finds a circuit's manifest by id (the circuitHash, or whatever id the API uses); undefined when unknown. */
  getManifest(circuitId: string): Promise<CircuitManifest | undefined> | CircuitManifest | undefined
  /** Defaults to the bundled measured profile. */
  profile?: HardwareProfile
  quoteOptions?: QuoteOptions
}

/**
 * Fastify plugin: `GET /quote?circuitId=…` answers a quote as JSON (bigints as decimal strings);
 * 400 `MARKET_QUOTE_INVALID` without a circuitId, 404 `MARKET_CIRCUIT_NOT_FOUND` for an unknown one.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { quoteRoute } from './src/market/index.ts'
 * const app = Fastify()
 * await app.register(quoteRoute, { getManifest: (id) => registry.get(id) })
 * const res = await app.inject({ url: '/quote?circuitId=0xabc…' })
 * ```
 */
export const quoteRoute: FastifyPluginAsync<QuoteRouteOptions> = async (app, opts) => {
  const profile = opts.profile ?? loadHardwareProfile()
  app.get<{ Querystring: { circuitId?: string } }>('/quote', async (req, reply) => {
    const circuitId = req.query.circuitId
    if (!circuitId) {
      const e = new BaseError('MARKET_QUOTE_INVALID', 'Missing circuitId.', { details: 'expected ?circuitId=<circuit id>, got none' })
      return reply.code(400).send(e.toJSON())
    }
    const manifest = await opts.getManifest(circuitId)
    if (!manifest) {
      const e = new BaseError('MARKET_CIRCUIT_NOT_FOUND', `No circuit "${circuitId}".`, { details: `expected a registered circuit id, got ${circuitId}` })
      return reply.code(404).send(e.toJSON())
    }
    try {
      return quoteToJson(quote(manifest, profile, opts.quoteOptions))
    } catch (e) {
      if (e instanceof BaseError) return reply.code(422).send(e.toJSON())
      throw e
    }
  })
}
