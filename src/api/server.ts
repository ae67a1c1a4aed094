import Fastify, { type FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { CircuitRegistry, DEFAULT_ARTIFACT_MAX_BYTES, idempotentJobId, ProverQueue, type ArtifactStore } from '../network/index.ts'
import { artifactRoutes } from './artifacts.ts'
import type { CircuitManifest } from '../compiler/manifest.ts'
import { estimateProof } from '../market/estimateProof.ts'
import type { HardwareProfile } from '../market/hardwareProfile.ts'
import { loadHardwareProfile } from '../market/loadHardwareProfile.ts'
import { apiKeyId } from './auth.ts'
import { chainRejectionRoutes } from './chainRejections.ts'
import { circuitRoutes } from './circuits.ts'
import type { ApiContext } from './context.ts'
import { errorSchema, frameworkError, installErrorHandling } from './errors.ts'
import { parseJsonBody } from './jsonBody.ts'
import { redisGuard } from './redisGuard.ts'
import { explorerRoutes, type FeedsSource } from '../explorer/index.ts'
import { jobRoutes } from './jobs.ts'
import { marketRoutes, type ApiMarketOptions } from './market.ts'
import { collectOpenApi } from './openapi.ts'
import { proofRoutes } from './proofs.ts'
import { workerRoutes } from './workers.ts'

export type ApiOptions = {
  redis: Redis
  /** Redis key prefix of the network (also BullMQ's prefix). */
  prefix: string
  store: ArtifactStore
  /** Keys admitted on write routes. */
  apiKeys: string[]
  /**
   * Largest `POST /circuits` body, bytes. Default 64 MiB (circuits carry their proving keys).
   * `POST /jobs` takes at most 8 MiB and every other route 1 MiB; the API key is checked first.
   */
  bodyLimit?: number | undefined
  /** Largest artifact `PUT /artifacts/:hash` streams into the store, bytes. Default 4 GiB. */
  artifactLimit?: number | undefined
  /** Proving attempts per job. Default 4. */
  attempts?: number | undefined
  /** First retry delay (exponential). Default 1000 ms. */
  backoffMs?: number | undefined
  logger?: boolean | undefined
  /** Feeds the explorer shows (`zkml serve --feeds <file>`); without it `/feeds` says none are configured. */
  feeds?: FeedsSource | undefined
  /** Proof market: quote pricing (`GET /quote`); with `rpcUrl` + `address`, prover reputation. */
  market?: ApiMarketOptions | undefined
}

/** Largest body of a route that does not set its own limit, bytes (1 MiB). */
const DEFAULT_BODY_LIMIT = 2 ** 20
/** Longest path parameter, characters: the id schemas' maxLength. */
const MAX_PARAM_LENGTH = 200

/**
 * Builds the HTTP API (not listening yet). The coordinator that verifies workers' results runs
 * beside it in `zkml serve`, not inside it, so the API can scale apart from verification.
 *
 * @example
 * ```ts
 * import { buildApi } from './src/api/index.ts'
 * import { connectRedis, LocalArtifactStore } from './src/network/index.ts'
 * const { app } = await buildApi({ redis: await connectRedis(), prefix: 'zkml', store: new LocalArtifactStore(), apiKeys: ['k'] })
 * await app.listen({ port: 8080 })
 * ```
 */
export async function buildApi(opts: ApiOptions): Promise<{ app: FastifyInstance; ctx: ApiContext }> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Routes that take more say so (POST /circuits, POST /jobs); everything else is small.
    bodyLimit: DEFAULT_BODY_LIMIT,
    // The longest path parameter any route accepts (ids); longer is URL_TOO_LONG.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing (bad URL encoding, a parameter over maxParamLength) get codes too.
    frameworkErrors: (err, _req, reply) => {
      const e = frameworkError(err)
      void (reply as { code(n: number): { send(b: unknown): unknown } }).code(e.status).send(e.error.toJSON())
    },
    // Strict bodies: no type coercion ("12" is not 12), unknown fields refused by the schemas,
    // and `verbose` so validation errors carry the offending value for "got …".
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
  })
  const registry = new CircuitRegistry(opts.redis, opts.prefix, opts.store)
  // Deadline routing (needsGpu): a job's CPU time is the native engine's estimate on the bundled
  // profile; a request whose deadline it exceeds goes to GPU workers.
  let profile: HardwareProfile | undefined
  const cpuSeconds = (m: CircuitManifest) => {
    try {
      profile ??= loadHardwareProfile()
      return estimateProof(m, profile, 'native').seconds
    } catch {
      return undefined
    }
  }
  const queue = new ProverQueue({ redis: opts.redis, prefix: opts.prefix, registry, attempts: opts.attempts, backoffMs: opts.backoffMs, cpuSeconds })
  const ctx: ApiContext = { redis: opts.redis, prefix: opts.prefix, registry, queue, jobs: queue.jobs, apiKeys: opts.apiKeys, circuitBodyLimit: opts.bodyLimit ?? 64 * 2 ** 20, artifactLimit: opts.artifactLimit ?? DEFAULT_ARTIFACT_MAX_BYTES }
  app.addSchema(errorSchema)
  installErrorHandling(app)
  // JSON only, through a parser that refuses deep nesting before it can reach the stack; any
  // other content type is MEDIA_TYPE_UNSUPPORTED (fastify's text/plain parser is dropped).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string))
    } catch (e) {
      done(e as Error, undefined)
    }
  })
  // Registered before the routes, so it runs before their API-key check: 503 at once, not a hang.
  app.addHook('onRequest', redisGuard(opts.redis, ['/', '/health', '/openapi.json', '/explorer', '/feeds']))
  const openapi = collectOpenApi(app)
  await app.register(circuitRoutes, { ctx })
  await app.register(artifactRoutes, { ctx })
  await app.register(jobRoutes, { ctx })
  await app.register(workerRoutes, { ctx })
  await app.register(proofRoutes, { ctx })
  await app.register(chainRejectionRoutes, { ctx })
  // The explorer finds a rebalance's proof job by the keeper's idempotency key, which the API scoped
  // by the submitter's API key: so it asks under every key this server admits (and unscoped).
  const scopes = [undefined, ...opts.apiKeys.map(apiKeyId)]
  await app.register(explorerRoutes, {
    feeds: opts.feeds,
    jobs: {
      get: (id) => ctx.jobs.get(id), recent: (n) => ctx.jobs.recent(n), ready: () => opts.redis.status === 'ready',
      idsForKey: (key) => scopes.map((scope) => idempotentJobId(key, scope)),
    },
  })
  await app.register(marketRoutes, { ctx, market: opts.market })
  app.get('/openapi.json', { schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async () => openapi())
  app.addHook('onClose', async () => { await queue.close() })
  return { app, ctx }
}
