import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { BaseError } from '../../errors/index.ts'
import { sha256Hex } from '../hash.ts'
import { decodeOutputs } from '../loadCircuit.ts'
import { inputLength, parseManifest, type CircuitManifest } from '../manifest.ts'
import { ezklBridge } from './bridge.ts'
import { bigintToFelt, checkContext, contextLimbs, feltToBigint, instancesFromSignals } from './context.ts'

export type EzklWitness = { wtns: Uint8Array; publicSignals: string[]; outputs: number[] }

/** What an ezkl proof is on the wire: ezkl's proof bytes only. Instances are never taken from it. */
export type EzklProof = { protocol: 'ezkl-halo2-kzg'; hexProof: `0x${string}` }

/** An ezkl circuit directory, checked against its manifest; keys stay on disk (ezkl reads them by path). */
export type EzklCircuit = {
  dir: string
  manifest: CircuitManifest
  paths: { compiled: string; pk: string; vk: string; settings: string; srs: string }
  /** ezkl's witness for an input and context: the public signals a proof of it carries. */
  computeWitness(input: ReadonlyArray<number>, ctx: { subject: bigint; round: bigint }): Promise<EzklWitness>
}

const MAX_PROOF_BYTES = 1 << 20

/**
 * Loads an ezkl circuit directory written by `compileEzkl`, checking every artifact's sha256
 * against the manifest (so a worker never proves with keys other than the registered ones).
 *
 * @example
 * ```ts
 * const c = await loadEzklCircuit('out/pool-risk-ezkl')
 * const { publicSignals, outputs } = await c.computeWitness(features, { subject: 1n, round: 1n })
 * ```
 */
export async function loadEzklCircuit(dir: string): Promise<EzklCircuit> {
  let manifest: CircuitManifest
  try {
    manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')))
  } catch (cause) {
    if (cause instanceof BaseError) throw cause
    throw new BaseError('ARTIFACT_NOT_FOUND', `No circuit manifest in ${dir}.`, { details: `expected ${join(dir, 'manifest.json')}`, cause })
  }
  if (manifest.backend !== 'ezkl' || !manifest.ezkl)
    throw new BaseError('MANIFEST_INVALID', 'Not an ezkl circuit.', { details: `expected backend "ezkl", got ${JSON.stringify(manifest.backend)}` })
  const path = async (name: 'witnessProgram' | 'zkey' | 'vkey' | 'settings' | 'srs') => {
    const a = manifest.artifacts[name]
    if (!a) throw new BaseError('ARTIFACT_NOT_FOUND', `The manifest lists no "${name}" artifact.`, { details: `expected artifacts.${name} for backend ezkl, got none` })
    const p = join(dir, a.file)
    let bytes: Uint8Array
    try {
      bytes = await readFile(p)
    } catch (cause) {
      throw new BaseError('ARTIFACT_NOT_FOUND', `Artifact ${a.file} is missing.`, { details: `expected ${p}`, cause })
    }
    const got = sha256Hex(bytes)
    if (got !== a.sha256) throw new BaseError('ARTIFACT_CORRUPT', `Artifact ${a.file} does not match the manifest.`, { details: `expected sha256 ${a.sha256}, got ${got}` })
    return p
  }
  const paths = { compiled: await path('witnessProgram'), pk: await path('zkey'), vk: await path('vkey'), settings: await path('settings'), srs: await path('srs') }
  const circuit: EzklCircuit = {
    dir,
    manifest,
    paths,
    async computeWitness(input, ctx) {
      const w = await witness(circuit, input, ctx)
      try {
        return { wtns: await readFile(join(w.dir, 'witness.json')), publicSignals: w.publicSignals, outputs: w.outputs }
      } finally {
        await rm(w.dir, { recursive: true, force: true })
      }
    },
  }
  return circuit
}

async function witness(c: EzklCircuit, input: ReadonlyArray<number>, ctx: { subject: bigint; round: bigint }) {
  const n = inputLength(c.manifest)
  if (!Array.isArray(input) || input.length !== n || !input.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new BaseError('INPUT_INVALID', 'Inference input has the wrong shape.', { details: `expected ${n} finite numbers, got ${Array.isArray(input) ? `${input.length} values` : typeof input}` })
  checkContext(ctx.subject, ctx.round)
  const dir = await mkdtemp(join(tmpdir(), 'zkml-ezkl-w-'))
  let off = 0
  const data = c.manifest.inputs.map((t) => {
    const len = t.shape.reduce((a, b) => a * b, 1)
    return input.slice((off += len) - len, off)
  })
  await writeFile(join(dir, 'input.json'), JSON.stringify({ input_data: [...data, contextLimbs(ctx.subject, ctx.round)] }))
  const w = await ezklBridge().request('gen_witness', { data: join(dir, 'input.json'), model: c.paths.compiled, output: join(dir, 'witness.json') })
  const nIn = c.manifest.inputs.length
  const felts = (groups: string[][]) => groups.flat().map((f) => feltToBigint(f).toString())
  const publicSignals = [...felts(w.outputs.slice(0, -1)), ...felts(w.inputs.slice(0, nIn)), ctx.subject.toString(), ctx.round.toString()]
  if (publicSignals.length !== c.manifest.publicSignals.length)
    throw new BaseError('EZKL_FAILED', 'ezkl witness has the wrong number of public values.', { details: `expected ${c.manifest.publicSignals.length}, got ${publicSignals.length}` })
  return { dir, publicSignals, outputs: decodeOutputs(c.manifest, publicSignals) }
}

/**
 * Proves one inference with ezkl: witness, then prove; checks the proof's instances are the ones
 * the manifest's layout derives from the public signals.
 *
 * @example
 * ```ts
 * const { proof, publicSignals, outputs } = await proveEzkl(c, features, { subject: 1n, round: 7n })
 * ```
 */
export async function proveEzkl(
  c: EzklCircuit,
  input: ReadonlyArray<number>,
  ctx: { subject: bigint; round: bigint },
  opts: { onProgress?: (p: { stage: string; fraction?: number }) => void } = {},
): Promise<{ proof: EzklProof; publicSignals: string[]; outputs: number[] }> {
  opts.onProgress?.({ stage: 'witness', fraction: 0 })
  const w = await witness(c, input, ctx)
  try {
    opts.onProgress?.({ stage: 'prove', fraction: 0.1 })
    const proofPath = join(w.dir, 'proof.json')
    await ezklBridge().request('prove', { witness: join(w.dir, 'witness.json'), model: c.paths.compiled, pk_path: c.paths.pk, proof_path: proofPath, srs_path: c.paths.srs })
    const doc = JSON.parse(await readFile(proofPath, 'utf8')) as { instances: string[][]; hex_proof: `0x${string}` }
    const want = instancesFromSignals(c.manifest.ezkl!.instances, c.manifest.ezkl!.settings.inputScale, w.publicSignals)!
    const got = doc.instances.flat().map(feltToBigint)
    if (got.length !== want.length || got.some((v, i) => v !== want[i]))
      throw new BaseError('PROOF_INVALID', 'ezkl proved instances other than the manifest layout derives.', {
        details: `expected ${want.length} instances [${want.slice(0, 3).join(', ')}…], got ${got.length} [${got.slice(0, 3).join(', ')}…]`,
      })
    opts.onProgress?.({ stage: 'proved', fraction: 1 })
    return { proof: { protocol: 'ezkl-halo2-kzg', hexProof: doc.hex_proof }, publicSignals: w.publicSignals, outputs: w.outputs }
  } finally {
    await rm(w.dir, { recursive: true, force: true })
  }
}

/**
 * Verifies an ezkl proof for the given public signals: the instances are rebuilt from the
 * signals (subject and round included), never read from the proof. Malformed proofs are `false`.
 *
 * @example
 * ```ts
 * if (!(await verifyEzkl(c, proof, publicSignals))) throw new Error('bad proof')
 * ```
 */
export async function verifyEzkl(c: Pick<EzklCircuit, 'manifest' | 'paths'>, proof: unknown, publicSignals: ReadonlyArray<string>): Promise<boolean> {
  const p = proof as Partial<EzklProof> | null
  if (!p || typeof p !== 'object' || typeof p.hexProof !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(p.hexProof) || p.hexProof.length > 2 + 2 * MAX_PROOF_BYTES) return false
  if (publicSignals.length !== c.manifest.publicSignals.length || !publicSignals.every((s) => typeof s === 'string' && /^\d{1,78}$/.test(s))) return false
  const instances = instancesFromSignals(c.manifest.ezkl!.instances, c.manifest.ezkl!.settings.inputScale, publicSignals)
  if (!instances) return false
  let felts: string[]
  try {
    felts = instances.map(bigintToFelt)
  } catch {
    return false
  }
  const dir = await mkdtemp(join(tmpdir(), 'zkml-ezkl-v-'))
  try {
    const bytes = Buffer.from(p.hexProof.slice(2), 'hex')
    const doc = { protocol: null, instances: [felts], proof: [...bytes], hex_proof: p.hexProof.toLowerCase(), split: null, pretty_public_inputs: null, timestamp: null, version: null }
    await writeFile(join(dir, 'proof.json'), JSON.stringify(doc))
    return (await ezklBridge().request('verify', { proof_path: join(dir, 'proof.json'), settings_path: c.paths.settings, vk_path: c.paths.vk, srs_path: c.paths.srs })) === true
  } catch (e) {
    if (e instanceof BaseError && e.code === 'EZKL_FAILED') return false // ezkl raises on a proof that does not verify
    throw e
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
