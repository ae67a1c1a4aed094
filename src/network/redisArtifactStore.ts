import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { sha256Hex, type ArtifactStore, type ContentHash } from './artifactStore.ts'
import { isCluster, redisKeys } from './keys.ts'

/**
 * An {@link ArtifactStore} in the network's own Redis (`<prefix>:net:blob:<hash>`), so workers
 * on other hosts need nothing but `REDIS_URL` (no shared filesystem). Suited to keys up to some
 * tens of MB; bigger ones belong in an object store behind the same interface. Reads are
 * verified against the hash like the local store's.
 *
 * @example
 * ```ts
 * import { RedisArtifactStore, connectRedis } from './src/network/index.ts'
 * const store = new RedisArtifactStore(await connectRedis(), 'zkml')
 * const h = await store.put(new Uint8Array([1, 2, 3]))
 * await store.get(h) // Uint8Array [1, 2, 3]
 * ```
 */
export class RedisArtifactStore implements ArtifactStore {
  private key: (hash: string) => string

  constructor(private redis: Redis, prefix: string) {
    const k = redisKeys(prefix, isCluster(redis))
    this.key = (hash) => k.blob(hash.slice(2))
  }

  async put(bytes: Uint8Array): Promise<ContentHash> {
    const hash = sha256Hex(bytes)
    await this.redis.set(this.key(hash), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'NX')
    return hash
  }

  async get(hash: ContentHash): Promise<Uint8Array> {
    if (!/^0x[0-9a-f]{64}$/.test(hash))
      throw new BaseError('ARTIFACT_NOT_FOUND', 'Artifact hash is malformed.', { details: `expected 0x + 64 lowercase hex digits, got ${JSON.stringify(hash).slice(0, 80)}` })
    const buf = await this.redis.getBuffer(this.key(hash))
    if (!buf)
      throw new BaseError('ARTIFACT_NOT_FOUND', `Artifact ${hash} is not in the store.`, { details: `expected Redis key ${this.key(hash)}, got none`, meta: { hash } })
    const bytes = new Uint8Array(buf)
    const got = sha256Hex(bytes)
    if (got !== hash)
      throw new BaseError('ARTIFACT_CORRUPT', `Stored artifact ${hash} does not match its hash.`, { details: `expected sha256 ${hash}, got ${got} (${bytes.length} bytes)`, meta: { hash, got } })
    return bytes
  }

  async has(hash: ContentHash): Promise<boolean> {
    return /^0x[0-9a-f]{64}$/.test(hash) && (await this.redis.exists(this.key(hash))) === 1
  }
}
