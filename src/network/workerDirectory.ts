import type { Redis } from 'ioredis'
import type { Hardware } from './hardware.ts'
import { isCluster, redisKeys } from './keys.ts'

/** A worker's advertisement, refreshed by its heartbeat. */
export type WorkerAd = {
  id: string
  hardware: Hardware
  classes: string[]
  currentJob: string | null
  counts: Record<string, number>
  heartbeatAt: number
  stopping: boolean
}

/**
 * The workers whose advertisement has not expired. Entries whose key expired (a dead worker
 * stops heartbeating) are dropped from the index as a side effect.
 *
 * @example
 * ```ts
 * import { listWorkers } from './src/network/index.ts'
 * for (const w of await listWorkers(redis, 'zkml')) console.log(w.id, w.hardware.gpus)
 * ```
 */
export async function listWorkers(redis: Redis, prefix: string): Promise<WorkerAd[]> {
  const k = redisKeys(prefix, isCluster(redis))
  const ids = await redis.zrange(k.workers, '0', '-1')
  if (ids.length === 0) return []
  const ads = await redis.mget(ids.map((id) => k.worker(id)))
  const out: WorkerAd[] = []
  const dead: string[] = []
  ids.forEach((id, i) => {
    if (ads[i]) out.push(JSON.parse(ads[i]!))
    else dead.push(id)
  })
  if (dead.length) await redis.zrem(k.workers, ...dead)
  return out.sort((a, b) => a.id.localeCompare(b.id))
}
