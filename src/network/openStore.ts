import type { Redis } from 'ioredis'
import { LocalArtifactStore, type ArtifactStore } from './artifactStore.ts'
import { RedisArtifactStore } from './redisArtifactStore.ts'

/**
 * The artifact store a command asked for: `'dir'` (default; `ZKML_STORE_DIR`) or `'redis'` (the
 * network's Redis, for workers on other hosts without a shared filesystem). `ZKML_STORE` sets the
 * default kind.
 *
 * @example
 * ```ts
 * import { openArtifactStore } from './src/network/index.ts'
 * const store = openArtifactStore({ kind: 'redis', redis, prefix: 'zkml' })
 * ```
 */
export function openArtifactStore(opts: { kind?: string | undefined; dir?: string | undefined; redis: Redis; prefix: string }): ArtifactStore {
  const kind = opts.kind ?? process.env.ZKML_STORE ?? 'dir'
  if (kind === 'redis') return new RedisArtifactStore(opts.redis, opts.prefix)
  if (kind !== 'dir') throw new TypeError(`unknown artifact store "${kind}": expected "dir" or "redis"`)
  return new LocalArtifactStore(opts.dir)
}
