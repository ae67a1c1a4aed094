import { Cluster, Redis, type RedisOptions } from 'ioredis'
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
 * The seed nodes and credentials of a `redis+cluster://[user:password@]host:port,host:port,…` URL,
 * or undefined for any other URL (a single Redis). Throws `REDIS_URL_INVALID` on a cluster URL
 * without a valid `host:port` list.
 *
 * @example
 * ```ts
 * import { parseClusterUrl } from './src/network/index.ts'
 * parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7000')
 * // { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }] }
 * parseClusterUrl('redis://127.0.0.1:6379') // undefined
 * ```
 */
export function parseClusterUrl(url: string): { nodes: Array<{ host: string; port: number }>; username?: string; password?: string } | undefined {
  const m = /^redis\+cluster:\/\/(?:([^@/]*)@)?([^/?#]*)\/?$/.exec(url)
  if (!m) {
    if (url.startsWith('redis+cluster:'))
      throw new BaseError('REDIS_URL_INVALID', 'The Redis Cluster URL is malformed.', {
        details: `expected redis+cluster://[user:password@]host:port,host:port,…, got ${JSON.stringify(redactUrl(url)).slice(0, 120)}`,
      })
    return undefined
  }
  const nodes = m[2]!.split(',').filter((x) => x !== '').map((hp) => {
    const i = hp.lastIndexOf(':')
    const host = (i > 0 ? hp.slice(0, i) : hp).replace(/^\[(.*)\]$/, '$1')
    const port = i > 0 ? Number(hp.slice(i + 1)) : NaN
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new BaseError('REDIS_URL_INVALID', 'The Redis Cluster URL is malformed.', {
        details: `expected each seed node as host:port (port 1-65535), got ${JSON.stringify(hp).slice(0, 80)} in ${JSON.stringify(redactUrl(url)).slice(0, 120)}`,
      })
    return { host, port }
  })
  if (nodes.length === 0)
    throw new BaseError('REDIS_URL_INVALID', 'The Redis Cluster URL names no node.', {
      details: `expected redis+cluster://host:port[,host:port…], got ${JSON.stringify(redactUrl(url)).slice(0, 120)}`,
    })
  const out: { nodes: Array<{ host: string; port: number }>; username?: string; password?: string } = { nodes }
  if (m[1]) {
    const [u, ...pw] = m[1].split(':')
    if (pw.length) out.password = decodeURIComponent(pw.join(':'))
    if (u) out.username = decodeURIComponent(u)
  }
  return out
}

/**
 * Connects to Redis and fails fast with `REDIS_UNAVAILABLE` when it cannot, instead of
 * ioredis's default of retrying forever while callers hang. Once connected, the client
 * reconnects with capped backoff like ioredis normally does (a Redis restart should not
 * kill a long-running worker).
 *
 * A `redis+cluster://host:port,host:port` URL opens an ioredis `Cluster` instead (the nodes are
 * seeds: the rest of the cluster is discovered). It is returned typed as `Redis`, whose command
 * surface it shares; the network's keys are then hash-tagged (keys.ts, docs/scaling.md) and
 * `isCluster(redis)` is true. It follows `MOVED`/`ASK` and fail-overs (retrying while the
 * cluster elects a new master).
 *
 * @example
 * ```ts
 * import { connectRedis } from './src/network/index.ts'
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379' })
 * console.log(await redis.ping()) // PONG
 * redis.disconnect()
 * const cluster = await connectRedis({ url: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001' })
 * ```
 */
export async function connectRedis(opts: ConnectRedisOptions = {}): Promise<Redis> {
  const url = opts.url ?? process.env.REDIS_URL ?? defaultRedisUrl
  const timeout = opts.connectTimeoutMs ?? 3000
  let connected = false
  const seeds = parseClusterUrl(url)
  const redis: Redis = seeds
    ? (new Cluster(seeds.nodes, {
        lazyConnect: true,
        enableOfflineQueue: true,
        // Before the first connection: give up at once so start-up fails fast.
        clusterRetryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
        // While a master fails over, commands wait and retry instead of failing.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        retryDelayOnTryAgain: 200,
        maxRedirections: 64,
        slotsRefreshTimeout: timeout,
        redisOptions: {
          maxRetriesPerRequest: null,
          connectTimeout: timeout,
          ...(seeds.username ? { username: seeds.username } : {}),
          ...(seeds.password ? { password: seeds.password } : {}),
          ...opts.redis,
        },
      }) as unknown as Redis)
    : new Redis(url, {
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
      details: `expected a Redis ${seeds ? 'Cluster (state ok, every slot served)' : 'server'} answering PING within ${timeout} ms, got: ${(cause as Error).message}. Set REDIS_URL or start Redis.`,
      cause,
      meta: { url: redactUrl(url) },
    })
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}
