import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { parseManifest, type ArtifactName, type CircuitManifest } from '../compiler/manifest.ts'
import { checkManifestArtifacts } from './artifactNames.ts'
import { sha256Hex, type ArtifactStore, type ContentHash } from './artifactStore.ts'
import { circuitId } from '../compiler/circuitId.ts'
import { isCluster, redisKeys, type RedisKeys } from './keys.ts'

/**
 * Artifacts a worker needs to prove and the coordinator to verify.
 *
 * @example
 * ```ts
 * import { requiredArtifacts } from './src/network/index.ts'
 * console.log(requiredArtifacts) // ['witnessProgram', 'zkey', 'vkey']
 * ```
 */
export const requiredArtifacts: readonly ArtifactName[] = ['witnessProgram', 'zkey', 'vkey']

/**
 * {@link requiredArtifacts} for a backend: ezkl circuits also need their settings and SRS.
 *
 * @example
 * ```ts
 * import { requiredArtifactsFor } from './src/network/index.ts'
 * requiredArtifactsFor('ezkl') // ['witnessProgram', 'zkey', 'vkey', 'settings', 'srs']
 * ```
 */
export function requiredArtifactsFor(backend: CircuitManifest['backend']): readonly string[] {
  return backend === 'ezkl' ? [...requiredArtifacts, 'settings', 'srs'] : requiredArtifacts
}

export type RegisteredCircuit = { id: ContentHash; manifest: CircuitManifest }

/**
 * The circuits the network can prove: manifests in Redis by circuit id, artifact bytes in the
 * content-addressed store. Registration checks every artifact against the manifest's hash and
 * size, so a registered circuit id always names exactly the bytes the manifest commits to.
 *
 * @example
 * ```ts
 * import { CircuitRegistry, LocalArtifactStore, connectRedis } from './src/network/index.ts'
 * const reg = new CircuitRegistry(await connectRedis(), 'zkml', new LocalArtifactStore())
 * const { id } = await reg.register(manifest, { zkey: zkeyBytes, vkey, r1cs, witnessProgram })
 * ```
 */
export class CircuitRegistry {
  readonly keys: RedisKeys
  constructor(private redis: Redis, prefix: string, readonly store: ArtifactStore) {
    this.keys = redisKeys(prefix, isCluster(redis))
  }

  async register(manifestJson: unknown, artifacts: Partial<Record<string, Uint8Array>>): Promise<RegisteredCircuit & { created: boolean }> {
    const manifest = parseManifest(manifestJson)
    // Names and hashes become paths and store keys on every worker: a 400 here, never a write elsewhere.
    checkManifestArtifacts(manifest)
    const mismatch = (what: string, details: string, meta: Record<string, unknown>) =>
      new BaseError('CIRCUIT_ARTIFACT_MISMATCH', what, { details, meta })
    for (const name of Object.keys(artifacts))
      if (!(name in manifest.artifacts))
        throw mismatch(`Artifact "${name}" is not in the manifest.`, `expected one of [${Object.keys(manifest.artifacts).join(', ')}], got "${name}"`, { artifact: name })
    const required = requiredArtifactsFor(manifest.backend)
    for (const name of required)
      if (!(name in manifest.artifacts))
        throw mismatch(`The manifest lists no "${name}" artifact.`, `expected artifacts [${required.join(', ')}], got [${Object.keys(manifest.artifacts).join(', ')}]`, { artifact: name })
    for (const [name, entry] of Object.entries(manifest.artifacts)) {
      const bytes = artifacts[name]
      if (!bytes) {
        // Already stored (e.g. a second registration): fine; otherwise it must come with the request.
        if (await this.store.has(entry.sha256)) continue
        if (!required.includes(name)) continue
        throw mismatch(`Artifact "${name}" is missing.`, `expected the bytes of "${name}" (sha256 ${entry.sha256}, ${entry.bytes} bytes), got none`, { artifact: name })
      }
      const got = sha256Hex(bytes)
      if (got !== entry.sha256 || bytes.length !== entry.bytes)
        throw mismatch(`Artifact "${name}" does not match the manifest.`, `expected sha256 ${entry.sha256} and ${entry.bytes} bytes, got sha256 ${got} and ${bytes.length} bytes`, { artifact: name, expected: entry.sha256, got })
    }
    for (const bytes of Object.values(artifacts)) if (bytes) await this.store.put(bytes)
    const id = circuitId(manifest)
    const created = (await this.redis.set(this.keys.circuit(id), JSON.stringify(manifest), 'NX')) === 'OK'
    await this.redis.sadd(this.keys.circuits, id)
    return { id, manifest, created }
  }

  async get(id: string): Promise<RegisteredCircuit | undefined> {
    if (!/^0x[0-9a-f]{64}$/.test(id)) return undefined
    const s = await this.redis.get(this.keys.circuit(id))
    return s ? { id: id as ContentHash, manifest: JSON.parse(s) } : undefined
  }

  /** Like {@link get} but throws `CIRCUIT_NOT_FOUND`. */
  async require(id: string): Promise<RegisteredCircuit> {
    const c = await this.get(id)
    if (!c)
      throw new BaseError('CIRCUIT_NOT_FOUND', `Circuit ${id.slice(0, 80)} is not registered.`, {
        details: `expected the id of a registered circuit (0x + 64 hex digits, from POST /circuits; ${await this.redis.scard(this.keys.circuits)} registered), got ${JSON.stringify(id).slice(0, 80)}`,
        meta: { circuitId: id },
      })
    return c
  }

  async list(): Promise<RegisteredCircuit[]> {
    const ids = (await this.redis.smembers(this.keys.circuits)).sort()
    const out: RegisteredCircuit[] = []
    for (const id of ids) {
      const c = await this.get(id)
      if (c) out.push(c)
    }
    return out
  }
}
