import { Redis, type Cluster, type RedisOptions } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { isCluster } from './keys.ts'

/** What Redis says about its persistence. `rdbSave` undefined: `CONFIG GET save` was refused. */
export type RedisPersistence = {
  /** AOF on (`INFO persistence`: `aof_enabled:1`). */
  aof: boolean
  /** The `save` schedule (`"3600 1 300 100"`), `''` when snapshots are off, undefined when unknown. */
  rdbSave: string | undefined
  /** Why `rdbSave` is unknown (the error `CONFIG GET` gave: renamed or disabled by the operator). */
  rdbUnknownBecause?: string | undefined
  /** AOF on, or an RDB snapshot schedule. */
  durable: boolean
  /** On a Redis Cluster: each node's own finding (masters and replicas); `aof`, `rdbSave` and `durable` above are then the weakest. */
  nodes?: Array<{ node: string } & Omit<RedisPersistence, 'nodes'>> | undefined
}

/**
 * Reads Redis's persistence: AOF from `INFO persistence`, RDB from `CONFIG GET save`. A managed
 * Redis may rename or disable `CONFIG`; then the RDB side is unknown (not assumed on).
 *
 * @example
 * ```ts
 * import { redisPersistence } from './src/network/index.ts'
 * const p = await redisPersistence(redis) // { aof: true, rdbSave: '', durable: true }
 * ```
 */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence> {
  if (isCluster(redis)) {
    // Every node, replicas included (a fail-over promotes a replica, which must not forget either).
    // The client's pool may hold only masters: CLUSTER NODES lists them all, each read directly.
    const cluster = redis as unknown as Cluster
    const seed = cluster.nodes('master')[0] ?? cluster.nodes('all')[0]
    const listed = seed ? String(await seed.cluster('NODES')) : ''
    const addrs = listed.split('\n').map((l) => l.split(' ')).filter((f) => f.length > 2 && !/fail|handshake|noaddr/.test(f[2]!))
      .map((f) => f[1]!.split('@')[0]!).filter((a) => a.includes(':'))
    const nodes = await Promise.all(addrs.map(async (node) => {
      const i = node.lastIndexOf(':')
      const own = cluster.nodes('all').find((n) => `${n.options.host}:${n.options.port}` === node)
      const conn = own ?? new Redis({ ...withoutReplyMapping(cluster.options.redisOptions), host: node.slice(0, i), port: Number(node.slice(i + 1)), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
      conn.on('error', () => {})
      try {
        return { node, ...(await nodePersistence(conn)) }
      } catch (e) {
        return { node, aof: false, rdbSave: undefined, rdbUnknownBecause: `node did not answer: ${(e as Error).message.split('\n')[0]}`, durable: false }
      } finally {
        if (!own) conn.disconnect()
      }
    }))
    const weak = nodes.find((n) => !n.durable) ?? nodes.find((n) => !n.aof) ?? nodes[0]
    return {
      aof: nodes.length > 0 && nodes.every((n) => n.aof),
      rdbSave: weak?.rdbSave,
      rdbUnknownBecause: weak?.rdbUnknownBecause,
      durable: nodes.length > 0 && nodes.every((n) => n.durable),
      nodes,
    }
  }
  return nodePersistence(redis)
}

async function nodePersistence(redis: Redis): Promise<RedisPersistence> {
  const info = await redis.info('persistence')
  const aof = /^aof_enabled:1\s*$/m.test(info)
  let rdbSave: string | undefined
  let rdbUnknownBecause: string | undefined
  try {
    const r = (await redis.config('GET', 'save')) as string[]
    rdbSave = r.length >= 2 ? String(r[1]).trim() : undefined
    if (rdbSave === undefined) rdbUnknownBecause = 'CONFIG GET save returned nothing'
  } catch (e) {
    rdbUnknownBecause = (e as Error).message.split('\n')[0]
  }
  return { aof, rdbSave, rdbUnknownBecause, durable: aof || (rdbSave !== undefined && rdbSave !== '') }
}

/**
 * Refuses to run on a Redis that would lose the network on restart (every queued and proving job,
 * every circuit registration): throws `REDIS_NOT_DURABLE` unless AOF or RDB snapshots are on, or
 * `allowVolatile` (`--allow-volatile-redis`: tests, throw-away networks), in which case `warn` is
 * told why and it returns. Returns what it found.
 *
 * @example
 * ```ts
 * import { requireDurableRedis } from './src/network/index.ts'
 * await requireDurableRedis(redis, { allowVolatile: false, who: 'zkml serve' }) // throws on a volatile Redis
 * ```
 */
export async function requireDurableRedis(
  redis: Redis,
  o: { allowVolatile?: boolean | undefined; who: string; warn?: ((line: string) => void) | undefined },
): Promise<RedisPersistence> {
  const p = await redisPersistence(redis)
  if (p.durable) return p
  const one = (q: RedisPersistence) => `AOF off (aof_enabled:0) and RDB snapshots ${q.rdbSave === '' ? 'off (save "")' : `unknown (CONFIG GET save failed: ${q.rdbUnknownBecause})`}`
  const got = p.nodes
    ? `on cluster node${p.nodes.filter((n) => !n.durable).length > 1 ? 's' : ''} ${p.nodes.filter((n) => !n.durable).map((n) => `${n.node}: ${one(n)}`).join('; ')}${p.nodes.length === 0 ? ' (no node known)' : ''}`
    : one(p)
  if (o.allowVolatile) {
    o.warn?.(`${o.who}: WARNING: Redis has no persistence (${got}); a Redis restart loses every queued and proving job and every registered circuit. Running anyway (--allow-volatile-redis).`)
    return p
  }
  throw new BaseError('REDIS_NOT_DURABLE', 'Redis has no persistence: a restart would lose every job and circuit registration.', {
    details: `expected AOF (appendonly yes) or RDB snapshots (save "<seconds> <changes>"), got ${got}. Turn AOF on (redis-server --appendonly yes, or CONFIG SET appendonly yes and appendonly yes in redis.conf), or pass --allow-volatile-redis for a throw-away network (see docs/network.md, "Durability")`,
    meta: { aof: p.aof, rdbSave: p.rdbSave ?? null },
  })
}

/** ioredis's RedisOptions lets `replyMapping` be undefined, its constructor does not: drop the key. */
function withoutReplyMapping(o: RedisOptions | undefined): Omit<RedisOptions, 'replyMapping'> {
  const { replyMapping: _drop, ...rest } = o ?? {}
  return rest
}
