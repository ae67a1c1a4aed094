import type { FastifyInstance } from 'fastify'
import { BaseError } from '../errors/index.ts'
import { isCluster, listWorkers, redisKeys } from '../network/index.ts'
import { errorResponses, type ApiContext } from './context.ts'

/**
 * `GET /workers` (live workers and their hardware) and `GET /health` (Redis ping, counters).
 *
 * @example
 * ```ts
 * app.register(workerRoutes, { ctx })
 * ```
 */
export async function workerRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get('/workers', {
    schema: {
      summary: 'Connected workers (advertisement not expired): hardware, classes served, current job, and rejectedProofs (counted by the coordinator, not reported by the worker)',
      response: { 200: { type: 'object', properties: { workers: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
    },
  }, async () => {
    const workers = await listWorkers(ctx.redis, ctx.prefix)
    // A worker's own counters are its say-so; the rejections are the coordinator's verdicts.
    const bad = workers.length ? await ctx.redis.hmget(redisKeys(ctx.prefix, isCluster(ctx.redis)).badProofs, ...workers.map((w) => w.id)) : []
    return { workers: workers.map((w, i) => ({ ...w, rejectedProofs: Number(bad[i] ?? 0) })) }
  })

  app.get('/health', {
    schema: {
      summary: 'Liveness: Redis ping and network counters',
      response: {
        200: { type: 'object', properties: { status: { type: 'string' }, redis: { type: 'string' }, stats: { type: 'object', additionalProperties: { type: 'integer' } } } },
        ...errorResponses(503),
      },
    },
  }, async () => {
    let pong: string
    try {
      pong = await Promise.race([
        ctx.redis.ping(),
        new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timeout after 1000 ms')), 1000).unref()),
      ])
    } catch (cause) {
      throw new BaseError('REDIS_UNAVAILABLE', 'Redis does not answer.', { details: `expected PONG, got ${(cause as Error).message}`, cause })
    }
    return { status: 'ok', redis: pong, stats: await ctx.jobs.stats() }
  })
}
