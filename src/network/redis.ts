import { Redis, type RedisOptions } from 'ioredis'
import { BaseError } from '../errors/index.ts'

/**
 * Default Redis URL when `REDIS_URL` is unset.
 *
 * @example
 * ```ts
 * import { defaultRedisUrl } from './src/network/index.ts'
 * console.log(process.env.REDIS_URL ?? defaultRedisUrl)
 * ```
 */
export const defaultRedisUrl = 'redis://127.0.0.1:6379'

export type ConnectRedisOptions = {
  /** Redis URL; defaults to `REDIS_URL` or {@link defaultRedisUrl}. */
  url?: string | undefined
  /** How long start-up may take before failing with `REDIS_UNAVAILABLE`. Default 3000 ms. */
  connectTimeoutMs?: number | undefined
  /**
   * Extra ioredis options (BullMQ blocking connections need `maxRetriesPerRequest: null`, set by default).
   * Without `replyMapping`: ioredis's RedisOptions lets it be undefined, its constructor does not.
   */
  redis?: Omit<RedisOptions, 'replyMapping'> | undefined
}

/**
 * Connects to Redis and fails fast with `REDIS_UNAVAILABLE` when it cannot, instead of
 * ioredis's default of retrying forever while callers hang. Once connected, the client
 * reconnects with capped backoff like ioredis normally does (a Redis restart should not
 * kill a long-running worker).
 *
 * @example
 * ```ts
 * import { connectRedis } from './src/network/index.ts'
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379' })
 * console.log(await redis.ping()) // PONG
 * redis.disconnect()
 * ```
 */
export async function connectRedis(opts: ConnectRedisOptions = {}): Promise<Redis> {
  const url = opts.url ?? process.env.REDIS_URL ?? defaultRedisUrl
  const timeout = opts.connectTimeoutMs ?? 3000
  let connected = false
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectTimeout: timeout,
    // Before the first connection: give up at once so start-up fails fast.
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
    ...opts.redis,
  })
  redis.on('error', () => {}) // surfaced through connect() below; later errors trigger reconnects
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout).unref()),
    ])
    await redis.ping()
    connected = true
    return redis
  } catch (cause) {
    redis.disconnect()
    throw new BaseError('REDIS_UNAVAILABLE', `Redis is not reachable at ${redactUrl(url)}.`, {
      details: `expected a Redis server answering PING within ${timeout} ms, got: ${(cause as Error).message}. Set REDIS_URL or start Redis.`,
      cause,
      meta: { url: redactUrl(url) },
    })
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}
