import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { checkHash, checkRead, sha256Hex, StreamMeter, type ArtifactStore, type ContentHash, type StreamedPut } from './artifactStore.ts'
import { isCluster, redisKeys } from './keys.ts'

/**
 * Layout in Redis (`P` = `<prefix>:net:blob`, `H` = the hash's 64 hex digits):
 *
 * (`P` is untagged on a Redis Cluster — docs/scaling.md — so blobs and chunks spread over shards.)
 * - `P:H` — a whole blob (String), written by {@link RedisArtifactStore.put}: small artifacts.
 * - `P:H:meta` — a chunked blob's commit record (String, JSON `{ bytes, chunks, upload }`), written
 *   with `SET NX` only after every chunk is stored and the whole stream hashed to `H`. Readers trust
 *   nothing without it.
 * - `P:H:<upload>:<i>` — chunk `i` (0-based, each {@link RedisArtifactStore.chunkBytes} but the last)
 *   of upload `<upload>` (16 random hex digits). Chunks are written with a 1 h expiry and made
 *   permanent only once their upload verified, so an upload that is cut off, too large or lying
 *   about its hash leaves nothing that lasts. Upload-scoped names mean a hostile uploader racing an
 *   honest one for the same hash can never overwrite the chunks the commit record points at.
 *
 * No Lua and no multi-key command touches these keys, so on Redis Cluster the chunks of one blob
 * spread over every shard.
 */
const UPLOAD_TTL_S = 3600

/**
 * An {@link ArtifactStore} in the network's own Redis (`<prefix>:net:blob:<hash>`), so workers
 * on other hosts need nothing but `REDIS_URL` (no shared filesystem). Large artifacts (an ezkl
 * proving key can be hundreds of MB) are streamed in and out in chunks
 * ({@link putStream}, {@link getToFile}); reads are verified against the hash like the local store's.
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
  /** Bytes per chunk of a streamed blob. Default 4 MiB. */
  readonly chunkBytes: number

  constructor(private redis: Redis, prefix: string, opts: { chunkBytes?: number | undefined } = {}) {
    const k = redisKeys(prefix, isCluster(redis))
    this.key = (hash) => k.blob(hash.slice(2))
    this.chunkBytes = opts.chunkBytes ?? 4 * 2 ** 20
    if (!Number.isInteger(this.chunkBytes) || this.chunkBytes < 1024)
      throw new BaseError('INPUT_INVALID', 'Bad artifact chunk size.', { details: `expected an integer of at least 1024 bytes, got ${opts.chunkBytes}` })
  }

  async put(bytes: Uint8Array): Promise<ContentHash> {
    const hash = sha256Hex(bytes)
    await this.redis.set(this.key(hash), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'NX')
    return hash
  }

  private async meta(hash: ContentHash): Promise<{ bytes: number; chunks: number; upload: string } | null> {
    const raw = await this.redis.get(`${this.key(hash)}:meta`)
    if (raw === null) return null
    const m = JSON.parse(raw) as { bytes: number; chunks: number; upload: string }
    if (!Number.isInteger(m.bytes) || !Number.isInteger(m.chunks) || !/^[0-9a-f]{16}$/.test(m.upload))
      throw new BaseError('ARTIFACT_CORRUPT', `Stored artifact ${hash} has a malformed chunk record.`, { details: `expected { bytes, chunks, upload }, got ${raw.slice(0, 120)}`, meta: { hash } })
    return m
  }

  private missing(hash: ContentHash): BaseError {
    return new BaseError('ARTIFACT_NOT_FOUND', `Artifact ${hash} is not in the store.`, { details: `expected Redis key ${this.key(hash)} or ${this.key(hash)}:meta, got neither`, meta: { hash } })
  }

  /** The chunks of a committed blob, in order, each fetched as it is needed. */
  private async *chunks(hash: ContentHash, m: { chunks: number; upload: string }): AsyncGenerator<Buffer> {
    for (let i = 0; i < m.chunks; i++) {
      const c = await this.redis.getBuffer(`${this.key(hash)}:${m.upload}:${i}`)
      if (!c)
        throw new BaseError('ARTIFACT_CORRUPT', `Stored artifact ${hash} lost chunk ${i}.`, { details: `expected ${m.chunks} chunks of upload ${m.upload}, got none at ${i}`, meta: { hash } })
      yield c
    }
  }

  async get(hash: ContentHash): Promise<Uint8Array> {
    if (!/^0x[0-9a-f]{64}$/.test(hash))
      throw new BaseError('ARTIFACT_NOT_FOUND', 'Artifact hash is malformed.', { details: `expected 0x + 64 lowercase hex digits, got ${JSON.stringify(hash).slice(0, 80)}` })
    let bytes: Uint8Array
    const buf = await this.redis.getBuffer(this.key(hash))
    if (buf) bytes = new Uint8Array(buf)
    else {
      const m = await this.meta(hash)
      if (!m) throw this.missing(hash)
      const parts: Buffer[] = []
      for await (const c of this.chunks(hash, m)) parts.push(c)
      bytes = new Uint8Array(Buffer.concat(parts))
    }
    checkRead(hash, sha256Hex(bytes), bytes.length, `Redis key ${this.key(hash)}`)
    return bytes
  }

  async has(hash: ContentHash): Promise<boolean> {
    // Two single-key calls: on a cluster the blob and its commit record may live in different slots.
    return /^0x[0-9a-f]{64}$/.test(hash) && ((await this.redis.exists(this.key(hash))) > 0 || (await this.redis.exists(`${this.key(hash)}:meta`)) > 0)
  }

  async putStream(source: AsyncIterable<Uint8Array>, expected: ContentHash, opts: { maxBytes?: number | undefined } = {}): Promise<StreamedPut> {
    const meter = new StreamMeter(expected, opts.maxBytes)
    if (await this.has(expected)) {
      const m = await this.meta(expected)
      return { hash: expected, bytes: m ? m.bytes : await this.redis.strlen(this.key(expected)), created: false }
    }
    const upload = randomBytes(8).toString('hex')
    const chunkKey = (i: number) => `${this.key(expected)}:${upload}:${i}`
    let chunks = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    const flush = async (all: boolean) => {
      while (pendingBytes >= this.chunkBytes || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending)
        const n = Math.min(this.chunkBytes, joined.length)
        await this.redis.set(chunkKey(chunks++), joined.subarray(0, n), 'EX', UPLOAD_TTL_S)
        pending = n < joined.length ? [joined.subarray(n)] : []
        pendingBytes = joined.length - n
      }
    }
    try {
      for await (const chunk of source) {
        meter.add(chunk)
        pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        pendingBytes += chunk.byteLength
        await flush(false)
      }
      await flush(true)
      meter.finish()
      for (let i = 0; i < chunks; i++) await this.redis.persist(chunkKey(i))
      const won = await this.redis.set(`${this.key(expected)}:meta`, JSON.stringify({ bytes: meter.bytes, chunks, upload }), 'NX')
      if (won !== 'OK') {
        // Another upload of the same bytes committed first: ours is redundant.
        await this.dropChunks(chunkKey, chunks)
        return { hash: expected, bytes: meter.bytes, created: false }
      }
    } catch (e) {
      await this.dropChunks(chunkKey, chunks).catch(() => {})
      throw e
    }
    return { hash: expected, bytes: meter.bytes, created: true }
  }

  private async dropChunks(chunkKey: (i: number) => string, n: number): Promise<void> {
    // One key a call: chunks spread over a cluster's slots (only failed or redundant uploads come here).
    for (let i = 0; i < n; i++) await this.redis.unlink(chunkKey(i))
  }

  async getToFile(hash: ContentHash, path: string): Promise<number> {
    checkHash(hash)
    const whole = await this.redis.getBuffer(this.key(hash))
    const m = whole ? null : await this.meta(hash)
    if (!whole && !m) throw this.missing(hash)
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const h = createHash('sha256')
    let bytes = 0
    const source: Iterable<Buffer> | AsyncIterable<Buffer> = whole ? [whole] : this.chunks(hash, m!)
    try {
      await pipeline(
        async function* () {
          for await (const c of source) {
            h.update(c)
            bytes += c.length
            yield c
          }
        },
        createWriteStream(tmp),
      )
      checkRead(hash, `0x${h.digest('hex')}`, bytes, `Redis key ${this.key(hash)}`)
      await rename(tmp, path)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
    return bytes
  }
}
