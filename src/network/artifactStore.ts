import { createHash, randomBytes, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { BaseError } from '../errors/index.ts'

/** sha256 content hash, `0x` + 64 lowercase hex digits (the same form as manifest artifact hashes). */
export type ContentHash = `0x${string}`

/**
 * A content-addressed blob store: the key of a blob is the sha256 of its bytes, so a reader
 * can check what it got and a writer cannot overwrite one blob with another.
 */
export interface ArtifactStore {
  /** Stores bytes; returns their hash. Idempotent. */
  put(bytes: Uint8Array): Promise<ContentHash>
  /** Returns the bytes, verified against the hash (`ARTIFACT_CORRUPT`), or throws `ARTIFACT_NOT_FOUND`. */
  get(hash: ContentHash): Promise<Uint8Array>
  has(hash: ContentHash): Promise<boolean>
  /**
   * Streams bytes that claim to hash to `expected` into the store without holding them whole in
   * memory, hashing as they come. Nothing becomes readable unless the hash matches
   * (`CIRCUIT_ARTIFACT_MISMATCH`) and the size stays within `maxBytes` (`PAYLOAD_TOO_LARGE`); a
   * refused or broken upload leaves nothing behind (Redis: its chunks expire). `created` is false
   * when the blob was already stored (the source is then not read).
   */
  putStream(source: AsyncIterable<Uint8Array>, expected: ContentHash, opts?: { maxBytes?: number | undefined }): Promise<StreamedPut>
  /**
   * Writes a blob to `path` (a temporary name, renamed into place once the hash checks), chunk by
   * chunk, so a worker caches a proving key of hundreds of MB without holding it in memory.
   * Returns the byte count. `ARTIFACT_NOT_FOUND` / `ARTIFACT_CORRUPT` as {@link get}.
   */
  getToFile(hash: ContentHash, path: string): Promise<number>
}

/** What {@link ArtifactStore.putStream} stored. */
export type StreamedPut = { hash: ContentHash; bytes: number; created: boolean }

/** Default cap of one streamed artifact: 4 GiB (proving keys of ezkl circuits at high logrows). */
export const DEFAULT_ARTIFACT_MAX_BYTES = 4 * 2 ** 30

/**
 * Counts and hashes a stream of chunks as they pass, refusing one that grows past its cap: the
 * check every streamed write shares, so no store can forget it.
 *
 * @example
 * ```ts
 * const meter = new StreamMeter('0x…', 2 ** 20)
 * for await (const chunk of source) meter.add(chunk)
 * meter.finish() // throws CIRCUIT_ARTIFACT_MISMATCH unless the bytes hash to '0x…'
 * ```
 */
export class StreamMeter {
  bytes = 0
  private h: Hash = createHash('sha256')
  constructor(readonly expected: ContentHash, readonly maxBytes: number = DEFAULT_ARTIFACT_MAX_BYTES) {
    checkHash(expected)
  }

  add(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength
    if (this.bytes > this.maxBytes)
      throw new BaseError('PAYLOAD_TOO_LARGE', `Artifact ${this.expected} is larger than this store admits.`, {
        details: `expected at most ${this.maxBytes} bytes, got more than that (${this.bytes} so far)`,
        meta: { hash: this.expected, maxBytes: this.maxBytes },
      })
    this.h.update(chunk)
  }

  finish(): ContentHash {
    const got: ContentHash = `0x${this.h.digest('hex')}`
    if (got !== this.expected)
      throw new BaseError('CIRCUIT_ARTIFACT_MISMATCH', `Uploaded bytes do not hash to ${this.expected}.`, {
        details: `expected bytes whose sha256 is ${this.expected}, got ${this.bytes} bytes hashing to ${got}`,
        meta: { hash: this.expected, got },
      })
    return got
  }
}

/** The hash a reader computed against the one it asked for: `ARTIFACT_CORRUPT` when they differ. */
export function checkRead(hash: ContentHash, got: ContentHash, bytes: number, where: string): void {
  if (got !== hash)
    throw new BaseError('ARTIFACT_CORRUPT', `Stored artifact ${hash} does not match its hash.`, {
      details: `expected sha256 ${hash}, got ${got} (${bytes} bytes at ${where})`,
      meta: { hash, got },
    })
}

/**
 * sha256 of bytes as `0x` hex.
 *
 * @example
 * ```ts
 * import { sha256Hex } from './src/network/index.ts'
 * sha256Hex(new Uint8Array()) // 0xe3b0c442...
 * ```
 */
export function sha256Hex(bytes: Uint8Array | string): ContentHash {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`
}

const hashRe = /^0x[0-9a-f]{64}$/

/** Refuses anything but `0x` + 64 lowercase hex digits before it can become a key or a path. */
export function checkHash(hash: string): asserts hash is ContentHash {
  if (!hashRe.test(hash))
    throw new BaseError('ARTIFACT_NOT_FOUND', 'Artifact hash is malformed.', {
      details: `expected 0x + 64 lowercase hex digits, got ${JSON.stringify(hash).slice(0, 80)}`,
    })
}

/**
 * Default store directory: `ZKML_STORE_DIR`, else `<tmp>/zkml-store`.
 *
 * @example
 * ```ts
 * import { defaultStoreDir } from './src/network/index.ts'
 * console.log(defaultStoreDir())
 * ```
 */
export function defaultStoreDir(): string {
  return process.env.ZKML_STORE_DIR ?? join(tmpdir(), 'zkml-store')
}

/**
 * The default {@link ArtifactStore}: one file per blob, named by its hash, under a directory
 * (`ZKML_STORE_DIR`). Writes go to a temporary name and are renamed into place, so a reader
 * never sees a half-written blob, and two writers of the same blob do not conflict.
 * Several processes on one host can share the directory; across hosts mount it shared or
 * implement the interface over an object store.
 *
 * @example
 * ```ts
 * import { LocalArtifactStore } from './src/network/index.ts'
 * const store = new LocalArtifactStore('/tmp/zkml-store')
 * const h = await store.put(new TextEncoder().encode('hello'))
 * console.log(new TextDecoder().decode(await store.get(h))) // hello
 * ```
 */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly dir: string = defaultStoreDir()) {}

  private path(hash: ContentHash): string {
    return join(this.dir, hash.slice(2, 4), hash.slice(2))
  }

  async put(bytes: Uint8Array): Promise<ContentHash> {
    const hash = sha256Hex(bytes)
    if (await this.has(hash)) return hash
    const path = this.path(hash)
    await mkdir(join(this.dir, hash.slice(2, 4)), { recursive: true })
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    await writeFile(tmp, bytes)
    await rename(tmp, path)
    return hash
  }

  async get(hash: ContentHash): Promise<Uint8Array> {
    checkHash(hash)
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(this.path(hash)))
    } catch (cause) {
      throw new BaseError('ARTIFACT_NOT_FOUND', `Artifact ${hash} is not in the store.`, {
        details: `expected a file at ${this.path(hash)}, got none`,
        cause,
        meta: { hash },
      })
    }
    const got = sha256Hex(bytes)
    if (got !== hash)
      throw new BaseError('ARTIFACT_CORRUPT', `Stored artifact ${hash} does not match its hash.`, {
        details: `expected sha256 ${hash}, got ${got} (${bytes.length} bytes at ${this.path(hash)})`,
        meta: { hash, got },
      })
    return bytes
  }

  async has(hash: ContentHash): Promise<boolean> {
    checkHash(hash)
    try {
      return (await stat(this.path(hash))).isFile()
    } catch {
      return false
    }
  }

  async putStream(source: AsyncIterable<Uint8Array>, expected: ContentHash, opts: { maxBytes?: number | undefined } = {}): Promise<StreamedPut> {
    const meter = new StreamMeter(expected, opts.maxBytes)
    if (await this.has(expected)) return { hash: expected, bytes: (await stat(this.path(expected))).size, created: false }
    const path = this.path(expected)
    await mkdir(join(this.dir, expected.slice(2, 4)), { recursive: true })
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await pipeline(
        async function* () {
          for await (const chunk of source) {
            meter.add(chunk)
            yield chunk
          }
        },
        createWriteStream(tmp),
      )
      meter.finish()
      await rename(tmp, path)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
    return { hash: expected, bytes: meter.bytes, created: true }
  }

  async getToFile(hash: ContentHash, path: string): Promise<number> {
    checkHash(hash)
    const src = this.path(hash)
    if (!(await this.has(hash)))
      throw new BaseError('ARTIFACT_NOT_FOUND', `Artifact ${hash} is not in the store.`, { details: `expected a file at ${src}, got none`, meta: { hash } })
    const h = createHash('sha256')
    let bytes = 0
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await pipeline(
        createReadStream(src),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            h.update(c)
            bytes += c.byteLength
            yield c
          }
        },
        createWriteStream(tmp),
      )
      checkRead(hash, `0x${h.digest('hex')}`, bytes, src)
      await rename(tmp, path)
    } catch (e) {
      await rm(tmp, { force: true })
      throw e
    }
    return bytes
  }
}
