import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createPublicClient, http, isAddress, keccak256, type Address, type ContractFunctionReturnType, type Hex, type PublicClient } from 'viem'
import { manifestPostprocessing, parseManifest, type CircuitManifest } from '../compiler/manifest.ts'
import { sha256Hex } from '../compiler/hash.ts'
import { circuitId } from '../compiler/circuitId.ts'
import { verificationKeyHash } from '../compiler/snark/vkHash.ts'
import { BaseError } from '../errors/index.ts'
import { POSTPROCESS } from './modelRegistration.ts'
import { projectContract, verifierAbi } from './projectContracts.ts'
import type { modelRegistryAbi } from './contracts/generated/index.ts'
import { registryLayout } from './registryLayout.ts'

/** One link of the chain of custody from a feed address to an ONNX file. */
export type AuditLink = { link: string; status: 'verified' | 'broken' | 'skipped'; detail: string }

/** `circuitId` is the one the registry holds for the feed's model (docs/identity.md). */
export type AuditReport = { feed: Address; modelId?: bigint; circuitId?: Hex; links: AuditLink[]; ok: boolean }

type RegistryModel = ContractFunctionReturnType<typeof modelRegistryAbi, 'view', 'model'>

/**
 * Walks chain → feed → registry → verifier → manifest → ONNX file and says, link by link, whether
 * what each one names is what the next one is:
 * 1. `chain → feed`: the address has code and answers as a ProvedFeed;
 * 2. `feed → registry`: the feed's registry has the feed's model id;
 * 3. `registry → verifier code`: the verifier's EXTCODEHASH now is the one registered;
 * 4. `registry → verifier vkHash`: the verifier's `vkHash()` is the one registered;
 * 5. `registry → manifest`: the registered circuitId is `circuitId(manifest)` (sha256 of the manifest's
 *    canonical JSON, which commits to every artifact hash), and vkHash, layout and post-processing equal the manifest's;
 * 6. `manifest → verifier code`: the runtime code the manifest's verifier artifact deploys hashes to the
 *    registered code hash (this is what catches a verifier that lies about its vkHash, e.g. accept-all);
 * 7. `manifest → verification key`: the key file hashes to the manifest's vkHash;
 * 8. `manifest → circuit`: the .r1cs file hashes to the manifest's `circuitHash` field (an ingredient of the manifest, not an id);
 * 9. `manifest → ONNX`: the ONNX file hashes to the modelHash.
 * Without a manifest directory, links 5–9 are `skipped`. Unreachable nodes and malformed arguments throw.
 *
 * @example
 * ```ts
 * import { auditFeed } from './src/chain/auditFeed.ts'
 * const r = await auditFeed({ rpcUrl: 'http://127.0.0.1:8545', feed: '0x…', manifestDir: 'out/pool-risk' })
 * for (const l of r.links) console.log(l.status, l.link, l.detail)
 * ```
 */
export async function auditFeed(opts: { rpcUrl: string; feed: string; manifestDir?: string; client?: PublicClient }): Promise<AuditReport> {
  if (!isAddress(opts.feed, { strict: false }))
    throw new BaseError('INPUT_INVALID', 'The feed is not an address.', { details: `expected 0x + 40 hex digits, got ${JSON.stringify(opts.feed).slice(0, 60)}` })
  const feed = opts.feed as Address
  const client = opts.client ?? (createPublicClient({ transport: http(opts.rpcUrl, { retryCount: 0 }) }) as PublicClient)
  const links: AuditLink[] = []
  const add = (link: string, ok: boolean, detail: string) => links.push({ link, status: ok ? 'verified' : 'broken', detail })
  let registered: Hex | undefined
  const done = (modelId?: bigint): AuditReport => ({
    feed, ...(modelId === undefined ? {} : { modelId }), ...(registered === undefined ? {} : { circuitId: registered }), links, ok: links.every((l) => l.status !== 'broken'),
  })
  const manifest = opts.manifestDir === undefined ? undefined : await readManifest(opts.manifestDir)

  let code: Hex | undefined
  try {
    code = await client.getCode({ address: feed })
  } catch (cause) {
    throw new BaseError('CHAIN_UNAVAILABLE', `Could not reach the chain at ${opts.rpcUrl}.`, { details: `expected a JSON-RPC node, got: ${(cause as Error).message.split('\n')[0]}`, cause })
  }
  const feedAbi = projectContract('ProvedFeed').abi
  const registryAbi = projectContract('ModelRegistry').abi
  let registry: Address, modelId: bigint
  try {
    if (!code || code === '0x') throw new Error('no code at this address')
    ;[registry, modelId] = await Promise.all([
      client.readContract({ address: feed, abi: feedAbi, functionName: 'registry' }),
      client.readContract({ address: feed, abi: feedAbi, functionName: 'modelId' }),
    ])
    add('chain → feed', true, `ProvedFeed at ${feed}, model id ${modelId}, registry ${registry}`)
  } catch (e) {
    add('chain → feed', false, `expected a ProvedFeed at ${feed}, got: ${short(e)}`)
    return done()
  }
  let m: RegistryModel
  try {
    m = await client.readContract({ address: registry, abi: registryAbi, functionName: 'model', args: [modelId] })
    registered = m.circuitId
    add('feed → registry', true, `model ${modelId}: version ${m.version}, circuitId ${m.circuitId}, verifier ${m.verifier}`)
  } catch (e) {
    add('feed → registry', false, `expected registry ${registry} to hold model ${modelId}, got: ${short(e)}`)
    return done(modelId)
  }
  const runtime = await client.getCode({ address: m.verifier })
  const codeHash = runtime && runtime !== '0x' ? keccak256(runtime) : undefined
  add('registry → verifier code', codeHash === m.codeHash,
    `registered code hash ${m.codeHash}, verifier ${m.verifier} has ${codeHash ?? 'no code'}`)
  let vk: Hex | undefined
  try {
    vk = await client.readContract({ address: m.verifier, abi: verifierAbi, functionName: 'vkHash' })
  } catch {}
  add('registry → verifier vkHash', vk === m.vkHash, `registered vkHash ${m.vkHash}, verifier.vkHash() = ${vk ?? 'none (call failed)'}`)

  if (!manifest) {
    for (const link of ['registry → manifest', 'manifest → verifier code', 'manifest → verification key', 'manifest → circuit', 'manifest → ONNX'])
      links.push({ link, status: 'skipped', detail: 'no manifest directory given (--manifest)' })
    return done(modelId)
  }
  const { m: mf, dir } = manifest
  const layout = registryLayout(mf)
  const pp = manifestPostprocessing(mf).function === 'sigmoid' ? POSTPROCESS.sigmoid : POSTPROCESS.none
  const diffs = [
    ['circuitId', m.circuitId, circuitId(mf)],
    ['vkHash', m.vkHash, mf.vkHash ?? 'none'],
    ['layout', JSON.stringify(m.layout), JSON.stringify({ nOutputs: layout.nOutputs, nInputs: layout.nInputs, subjectIndex: layout.subjectIndex, roundIndex: layout.roundIndex, scaleBits: layout.scaleBits })],
    ['postprocess', String(m.postprocess), String(pp)],
  ].filter(([, a, b]) => String(a).toLowerCase() !== String(b).toLowerCase())
  add('registry → manifest', diffs.length === 0,
    diffs.length === 0 ? `circuitId ${m.circuitId} is circuitId(${dir}/manifest.json); vkHash, layout and post-processing match it`
      : diffs.map(([k, a, b]) => `${k}: registered ${a}, manifest ${b}`).join('; '))

  // The runtime code the manifest's verifier deploys: eth_call of its creation code returns it.
  try {
    const art = JSON.parse(new TextDecoder().decode(await artifact(dir, mf, 'verifierBytecode'))) as { bytecode?: Hex }
    if (typeof art.bytecode !== 'string' || !/^0x[0-9a-fA-F]+$/.test(art.bytecode)) throw new Error('no bytecode in the verifier artifact')
    const { data } = await client.call({ data: art.bytecode })
    const expected = data ? keccak256(data) : undefined
    add('manifest → verifier code', expected === m.codeHash, `manifest's verifier deploys code hash ${expected ?? 'none'}, registered ${m.codeHash}`)
  } catch (e) {
    add('manifest → verifier code', false, `expected the manifest's verifier artifact to deploy, got: ${short(e)}`)
  }
  await fileLink(links, 'manifest → verification key', async () => {
    const got = verificationKeyHash(JSON.parse(new TextDecoder().decode(await artifact(dir, mf, 'vkey'))))
    return [got === mf.vkHash, `verification key hashes to ${got}, manifest vkHash ${mf.vkHash ?? 'none'}`]
  })
  await fileLink(links, 'manifest → circuit', async () => {
    const got = sha256Hex(await artifact(dir, mf, 'r1cs'))
    return [got === mf.circuitHash, `${mf.artifacts.r1cs.file} sha256 ${got}, manifest's circuit-file hash (circuitHash) ${mf.circuitHash}`]
  })
  await fileLink(links, 'manifest → ONNX', async () => {
    const got = sha256Hex(await artifact(dir, mf, 'onnx'))
    return [got === mf.modelHash, `${mf.artifacts.onnx.file} sha256 ${got}, manifest modelHash ${mf.modelHash}`]
  })
  return done(modelId)
}

async function fileLink(links: AuditLink[], link: string, check: () => Promise<[boolean, string]>) {
  try {
    const [ok, detail] = await check()
    links.push({ link, status: ok ? 'verified' : 'broken', detail })
  } catch (e) {
    links.push({ link, status: 'broken', detail: `expected a readable artifact, got: ${short(e)}` })
  }
}

async function readManifest(dir: string): Promise<{ m: CircuitManifest; dir: string }> {
  let raw: string
  try {
    raw = await readFile(join(dir, 'manifest.json'), 'utf8')
  } catch (cause) {
    throw new BaseError('ARTIFACT_NOT_FOUND', `No circuit manifest in ${dir}.`, { details: `expected ${join(dir, 'manifest.json')}`, cause })
  }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (cause) {
    throw new BaseError('MANIFEST_INVALID', 'Circuit manifest is invalid: not JSON.', { details: `expected JSON in ${join(dir, 'manifest.json')}`, cause })
  }
  return { m: parseManifest(json), dir }
}

/** An artifact's bytes; its name must be a plain file name (the manifest is untrusted input here). */
async function artifact(dir: string, m: CircuitManifest, name: 'onnx' | 'r1cs' | 'vkey' | 'verifierBytecode'): Promise<Uint8Array> {
  const file = m.artifacts[name]?.file
  if (typeof file !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(file) || file.startsWith('.'))
    throw new Error(`artifact ${name}: expected a plain file name, got ${JSON.stringify(file)}`)
  return new Uint8Array(await readFile(join(dir, file)))
}

function short(e: unknown): string {
  const err = e as { shortMessage?: string; message?: string }
  return (err.shortMessage ?? err.message ?? String(e)).split('\n')[0]!.slice(0, 200)
}
