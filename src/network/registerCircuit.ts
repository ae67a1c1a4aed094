import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { parseManifest, type CircuitManifest } from '../compiler/manifest.ts'
import { BaseError, errorCodes, type ErrorCode } from '../errors/index.ts'
import { checkManifestArtifacts, joinPlainFile } from './artifactNames.ts'

export type CircuitUpload = { manifest: CircuitManifest; artifacts: Record<string, string> }

/** Artifacts larger than this go by `PUT /artifacts/:hash` (streamed) rather than inside the JSON. */
export const INLINE_ARTIFACT_MAX = 2 ** 20

/**
 * The body of `POST /circuits` for a compiled circuit directory: the manifest and its artifacts,
 * base64 — those of at most `inlineMax` bytes (default all). The server re-hashes each artifact
 * against the manifest; one left out must already be in the network's store.
 *
 * @example
 * ```ts
 * const body = await readCircuitUpload('out/pool-risk')
 * ```
 */
export async function readCircuitUpload(dir: string, inlineMax = Number.POSITIVE_INFINITY): Promise<CircuitUpload> {
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')))
  // A downloaded manifest must not make us read (and upload) files outside its directory.
  checkManifestArtifacts(manifest)
  const artifacts: Record<string, string> = {}
  for (const [name, a] of Object.entries(manifest.artifacts)) {
    const path = joinPlainFile(dir, a.file)
    if ((await stat(path)).size <= inlineMax) artifacts[name] = Buffer.from(await readFile(path)).toString('base64')
  }
  return { manifest, artifacts }
}

type ApiReply = { created?: boolean | undefined; circuit?: { id: string } | undefined; code?: string | undefined; message?: string | undefined; details?: string | undefined }

/** The API's own error, re-raised with its code where it is one of ours (else PROVER_API_ERROR). */
function apiError(what: string, status: number, json: ApiReply): BaseError {
  const code = json.code && json.code in errorCodes ? (json.code as ErrorCode) : 'PROVER_API_ERROR'
  return new BaseError(code, `The network refused ${what}: ${json.message ?? `HTTP ${status}`}`, {
    details: json.details ?? `expected a 2xx reply, got ${status} ${json.code ?? ''}`.trim(),
    meta: { status },
  })
}

/**
 * Streams one artifact file to `PUT /artifacts/:hash` unless `HEAD` says the network has it.
 * The file is read in chunks; the server keeps it only if it hashes to `sha256`.
 *
 * @example
 * ```ts
 * await uploadArtifact({ apiUrl, apiKey, path: 'out/m/pk.key', sha256: manifest.artifacts.pk.sha256 })
 * ```
 */
export async function uploadArtifact(o: { apiUrl: string; apiKey: string; path: string; sha256: string }): Promise<{ uploaded: boolean }> {
  const url = `${o.apiUrl}/artifacts/${o.sha256}`
  const auth = { authorization: `Bearer ${o.apiKey}` }
  const head = await fetch(url, { method: 'HEAD', headers: auth })
  if (head.status === 200) return { uploaded: false }
  if (head.status !== 404) throw apiError(`artifact ${o.sha256}`, head.status, { code: head.status === 401 ? 'UNAUTHORIZED' : undefined })
  const { size } = await stat(o.path)
  const res = await fetch(url, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Readable.toWeb(createReadStream(o.path)) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  const json = (await res.json()) as ApiReply
  if (!res.ok) throw apiError(`artifact ${o.sha256}`, res.status, json)
  return { uploaded: true }
}

/**
 * Registers a compiled circuit with a prover network's API (the model owner's path) and returns
 * its circuit id. Artifacts over {@link INLINE_ARTIFACT_MAX} are streamed first
 * (`PUT /artifacts/:hash`, skipped when the network has them), the rest travel inside
 * `POST /circuits`. Registering the same circuit again returns the same id.
 *
 * @example
 * ```ts
 * const { id } = await registerCircuit({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'k', dir: 'out/pool-risk' })
 * ```
 */
export async function registerCircuit(o: { apiUrl: string; apiKey: string; dir: string; inlineMax?: number | undefined }): Promise<{ id: string; created: boolean; streamed: string[] }> {
  const inlineMax = o.inlineMax ?? INLINE_ARTIFACT_MAX
  const body = await readCircuitUpload(o.dir, inlineMax)
  const streamed: string[] = []
  for (const [name, a] of Object.entries(body.manifest.artifacts)) {
    if (name in body.artifacts) continue
    await uploadArtifact({ apiUrl: o.apiUrl, apiKey: o.apiKey, path: joinPlainFile(o.dir, a.file), sha256: a.sha256 })
    streamed.push(name)
  }
  const res = await fetch(`${o.apiUrl}/circuits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as ApiReply
  if (!res.ok || !json.circuit) throw apiError(`the circuit in ${o.dir}`, res.status, json)
  return { id: json.circuit.id, created: json.created ?? false, streamed }
}
