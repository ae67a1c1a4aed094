import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseManifest, type CircuitManifest } from '../compiler/manifest.ts'
import { BaseError } from '../errors/index.ts'
import { checkManifestArtifacts, joinPlainFile } from './artifactNames.ts'

export type CircuitUpload = { manifest: CircuitManifest; artifacts: Record<string, string> }

/**
 * The body of `POST /circuits` for a compiled circuit directory: the manifest and every artifact it
 * lists, base64. The server re-hashes each artifact against the manifest.
 *
 * @example
 * ```ts
 * const body = await readCircuitUpload('out/pool-risk')
 * ```
 */
export async function readCircuitUpload(dir: string): Promise<CircuitUpload> {
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')))
  // A downloaded manifest must not make us read (and upload) files outside its directory.
  checkManifestArtifacts(manifest)
  const artifacts: Record<string, string> = {}
  for (const [name, a] of Object.entries(manifest.artifacts)) artifacts[name] = Buffer.from(await readFile(joinPlainFile(dir, a.file))).toString('base64')
  return { manifest, artifacts }
}

/**
 * Registers a compiled circuit with a prover network's API (the model owner's path) and returns
 * its circuit id. Registering the same circuit again returns the same id.
 *
 * @example
 * ```ts
 * const { id } = await registerCircuit({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'k', dir: 'out/pool-risk' })
 * ```
 */
export async function registerCircuit(o: { apiUrl: string; apiKey: string; dir: string }): Promise<{ id: string; created: boolean }> {
  const res = await fetch(`${o.apiUrl}/circuits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` },
    body: JSON.stringify(await readCircuitUpload(o.dir)),
  })
  const json = (await res.json()) as { created?: boolean; circuit?: { id: string }; code?: string; message?: string; details?: string }
  if (!res.ok || !json.circuit)
    throw new BaseError('ARTIFACT_NOT_FOUND', `The network refused the circuit in ${o.dir}.`, {
      details: `expected 200/201 with a circuit id, got ${res.status}: ${json.code ?? ''} ${json.message ?? ''} ${json.details ?? ''}`.trim(),
    })
  return { id: json.circuit.id, created: json.created ?? false }
}
