import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { joinPlainFile } from './artifactNames.ts'
import type { ArtifactStore } from './artifactStore.ts'
import type { CircuitRegistry } from './circuitRegistry.ts'
import { LruCache } from './lruCache.ts'
import type { LoadedCircuit, ProvingEngine } from './provingEngine.ts'

export type CircuitCacheOptions = {
  registry: CircuitRegistry
  store: ArtifactStore
  engine: ProvingEngine
  /** Where circuit directories are materialised. Default `ZKML_WORK_DIR` or `<tmp>/zkml-work`. */
  workDir?: string | undefined
  /** Byte budget for loaded circuits kept in memory (proving keys dominate). Default 1 GiB. */
  maxBytes?: number | undefined
}

/**
 * Loaded circuits by id, kept in memory between jobs (LRU by artifact bytes). On a miss the
 * circuit directory is materialised from the content-addressed store — every artifact verified
 * against its hash on the way — and handed to the engine's loader. Artifacts are written under
 * their content hash (`<64 hex>`), never under the manifest's `file` name: a manifest is the
 * model owner's text, and its names must not choose paths on a worker. The directory's
 * manifest.json is the registered one with each `file` pointing at that hash name.
 *
 * @example
 * ```ts
 * import { CircuitCache } from './src/network/index.ts'
 * const cache = new CircuitCache({ registry, store, engine })
 * const circuit = await cache.load(circuitId) // second call: from memory
 * ```
 */
export class CircuitCache {
  readonly lru: LruCache<Promise<LoadedCircuit>>
  readonly workDir: string
  hits = 0
  misses = 0

  constructor(private opts: CircuitCacheOptions) {
    this.lru = new LruCache(opts.maxBytes ?? 2 ** 30)
    this.workDir = opts.workDir ?? process.env.ZKML_WORK_DIR ?? join(tmpdir(), 'zkml-work')
  }

  load(circuitId: string): Promise<LoadedCircuit> {
    const hit = this.lru.get(circuitId)
    if (hit) {
      this.hits++
      return hit
    }
    this.misses++
    const p = this.materialise(circuitId)
    p.then(
      (c) => this.lru.set(circuitId, p, Object.values(c.manifest.artifacts).reduce((n, a) => n + a.bytes, 0)),
      () => {},
    )
    // Cache the promise at once so concurrent loads share one materialisation.
    this.lru.set(circuitId, p, 1)
    p.catch(() => this.lru.delete(circuitId))
    return p
  }

  private async materialise(circuitId: string): Promise<LoadedCircuit> {
    const { manifest } = await this.opts.registry.require(circuitId)
    const dir = join(this.workDir, circuitId.slice(2))
    await mkdir(dir, { recursive: true })
    const local = structuredClone(manifest)
    for (const [name, entry] of Object.entries(manifest.artifacts)) {
      // The hash is checked by the store (0x + 64 hex) before anything is read; the joined name is re-checked.
      const file = entry.sha256.slice(2)
      const path = joinPlainFile(dir, file)
      ;(local.artifacts as Record<string, { file: string }>)[name]!.file = file
      // Always rewrite from the verified store: the directory is only a cache and could have been altered.
      if (!(await this.opts.store.has(entry.sha256))) continue // optional artifacts (onnx, verifier) may be absent
      // Streamed and verified chunk by chunk: a proving key of hundreds of MB never sits whole in memory here.
      await this.opts.store.getToFile(entry.sha256, path)
    }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(local, null, 2))
    return this.opts.engine.load(dir)
  }
}
