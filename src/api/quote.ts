import type { FastifyInstance } from 'fastify'
import { BaseError } from '../errors/index.ts'
import { errorSchema } from './errors.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import type { HardwareProfile } from '../market/hardwareProfile.ts'
import { loadHardwareProfile } from '../market/loadHardwareProfile.ts'
import { quote, quoteToJson, type QuoteOptions } from '../market/quote.ts'

export type QuoteRouteOptions = {
  /** Finds a circuit's manifest by id (the API's registered circuit id); undefined when unknown. */
  getManifest(circuitId: string): Promise<CircuitManifest | undefined> | CircuitManifest | undefined
  /** Defaults to the bundled measured profile. */
  profile?: HardwareProfile | undefined
  quoteOptions?: QuoteOptions | undefined
}

const wei = { type: 'string', pattern: '^[0-9]+$', description: 'wei, decimal string' } as const
const seconds = { type: 'string', pattern: '^[0-9]+$', description: 'seconds, decimal string' } as const
const errorRef = { $ref: 'Error#' } as const

/**
 * JSON schema of a `GET /quote` answer (bigints as decimal strings, as `quoteToJson` writes them).
 *
 * @example
 * ```ts
 * import { quoteResponseSchema } from './src/api/quote.ts'
 * Object.keys(quoteResponseSchema.properties) // ['circuit', 'profile', 'estimate', 'minPrice', …]
 * ```
 */
export const quoteResponseSchema = {
  type: 'object',
  properties: {
    circuit: {
      type: 'object',
      properties: { name: { type: 'string' }, circuitHash: { type: 'string' }, backend: { type: 'string' }, constraints: { type: 'integer' } },
    },
    profile: { type: 'string', description: 'hardware profile the estimate comes from' },
    estimate: {
      type: 'object',
      properties: {
        backend: { type: 'string' }, constraints: { type: 'integer' }, size: { type: 'integer', description: 'what the fit was applied to: constraints (Groth16) or PLONK gates' }, seconds: { type: 'number' }, bytes: { type: 'number' },
        fitsMemory: { type: 'boolean' }, maxRelError: { type: 'number' },
        engine: { type: 'string', description: 'the proving engine whose measured fit priced this (snarkjs, or native where the profile has native points; cuda fits are estimates until measured)' },
        costFactor: { type: 'number', description: 'the engine\'s hardware cost relative to a CPU core (a GPU costs more an hour; 1 for CPU engines)' },
      },
    },
    minPrice: wei,
    maxPrice: wei,
    rampLength: seconds,
    lockTimeout: seconds,
    timeout: { ...seconds, description: 'seconds from the ramp start to the request deadline' },
    collateral: wei,
  },
} as const

/**
 * Fastify plugin: `GET /quote?circuitId=…` answers a quote as JSON (bigints as decimal strings).
 * Errors are thrown as `BaseError`s for the API's error handler (`installErrorHandling`, which also
 * turns a missing `circuitId` into 400 `REQUEST_INVALID`): 404 `MARKET_CIRCUIT_NOT_FOUND` for an
 * unknown circuit, 422 `MARKET_PROFILE_INVALID` when the profile cannot price its backend. Install
 * the API's error handling for those statuses and codes (without it Fastify answers its own way).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { errorSchema, installErrorHandling } from './src/api/index.ts'
 * import { quoteRoute } from './src/api/quote.ts'
 * const app = Fastify()
 * app.addSchema(errorSchema)
 * installErrorHandling(app)
 * await app.register(quoteRoute, { getManifest: async (id) => (await registry.get(id))?.manifest })
 * const res = await app.inject({ url: '/quote?circuitId=0xabc…' })
 * ```
 */
export async function quoteRoute(app: FastifyInstance, opts: QuoteRouteOptions): Promise<void> {
  // Loaded once at registration: a broken profile should stop the server starting, not fail each quote.
  const profile = opts.profile ?? loadHardwareProfile()
  // The API registers the shared Error schema at its root; a bare Fastify would fail to build the route without it.
  if (!app.getSchema('Error')) app.addSchema(errorSchema)
  app.get<{ Querystring: { circuitId: string } }>('/quote', {
    schema: {
      summary: 'Price a proof of a registered circuit: estimated time and memory, auction price range, lock timeout, collateral',
      querystring: {
        type: 'object',
        required: ['circuitId'],
        additionalProperties: false,
        properties: { circuitId: { type: 'string', minLength: 1, maxLength: 200, description: 'a registered circuit id (GET /circuits)' } },
      },
      response: { 200: quoteResponseSchema, 404: errorRef, 422: errorRef, 400: errorRef },
    },
  }, async (req) => {
    const { circuitId } = req.query
    const manifest = await opts.getManifest(circuitId)
    if (!manifest)
      throw new BaseError('MARKET_CIRCUIT_NOT_FOUND', `No circuit "${circuitId}".`, { details: `expected the id of a registered circuit (GET /circuits), got "${circuitId}"` })
    return quoteToJson(quote(manifest, profile, opts.quoteOptions))
  })
}
