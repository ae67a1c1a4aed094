import type { FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'

/** How long a request may wait on Redis before it is answered 503 (ms). */
const DEFAULT_DEADLINE_MS = 5000

const unavailable = (details: string) =>
  new BaseError('REDIS_UNAVAILABLE', 'Redis is not available; try again shortly.', { details })

/**
 * An `onRequest` hook answering `REDIS_UNAVAILABLE` (503) at once while the client is not
 * connected: the client queues commands while it reconnects, so without this a request would hang
 * until Redis came back. Paths that never touch Redis pass through.
 *
 * @example
 * ```ts
 * import { redisGuard } from './src/api/index.ts'
 * app.addHook('onRequest', redisGuard(redis, ['/health', '/openapi.json']))
 * ```
 */
export function redisGuard(redis: Redis, exempt: readonly string[]) {
  return async (req: FastifyRequest) => {
    const path = req.url.split('?')[0]!
    if (exempt.some((p) => path === p || path.startsWith(`${p}/`))) return
    if (redis.status !== 'ready')
      throw unavailable(`expected the network's Redis to be connected, got client status "${redis.status}"; nothing was changed`)
  }
}

/**
 * Races `work` against a deadline: Redis may drop while a request is under way, and the client
 * would wait for it to return. After `ms` answers `REDIS_UNAVAILABLE`; the work may still complete
 * once Redis is back (a retry with the same idempotency key finds it).
 *
 * @example
 * ```ts
 * import { withRedisDeadline } from './src/api/index.ts'
 * const r = await withRedisDeadline(ctx.queue.submit(body), 'submitting the job')
 * ```
 */
export async function withRedisDeadline<T>(work: Promise<T>, what: string, ms = DEFAULT_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(`expected Redis to answer within ${ms} ms while ${what}, got no answer; retry with the same idempotency key`)), ms)
  })
  work.catch(() => {}) // a late failure after the deadline must not be an unhandled rejection
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}
