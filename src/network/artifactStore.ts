import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
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

function checkHash(hash: string): asserts hash is ContentHash {
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
}
