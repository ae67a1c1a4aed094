// Issue 11 items 2 and 4 on the real parts: Redis (BullMQ), the HTTP API, in-process ProverWorkers and
// Coordinators, real Groth16 proofs of a bundled model compiled by the compiler, its generated verifier,
// ModelRegistry and ProvedFeeds on a real anvil, and the oracle talking to the network over HTTP.
//  - a worker hands in a projective-form proof (valid for snarkjs, refused by the chain): the
//    coordinator refuses it (PROOF_NONCANONICAL) and counts it against the worker; an honest worker's
//    proof is accepted and accepted on-chain;
//  - a job verified before this fix with such a proof: the feed reverts InvalidProof, the oracle marks
//    the job chain-rejected (persisted), reports it (the worker is charged), and after a restart proves
//    the round with a new job instead of re-posting the same proof;
//  - a network that returns a verified proof of other inputs: the oracle refuses it, logs it, posts nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Redis } from 'ioredis'
import * as snarkjs from 'snarkjs'
import { createPublicClient, http, type Abi, type Address, type Hex, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { buildApi } from '../../src/api/index.ts'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainWriter, type TestWallet } from '../support/chain.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { projectContract, verifierAbi } from '../../src/chain/projectContracts.ts'
import { modelRegistration, registerArgs } from '../../src/chain/modelRegistration.ts'
import { inputLength, type CircuitManifest } from '../../src/compiler/manifest.ts'
import { BN254_Q, canonicalProof, encodeProof, type SnarkProof } from '../../src/compiler/snark/index.ts'
import { Oracle, StateStore, fileAdapter, httpProverClient, memoryLogger, type OracleFeed, type ProverClient } from '../../src/oracle/index.ts'
import { detectHardware, ProverWorker, snarkjsEngine } from '../../src/prover/index.ts'
import { badProofCount, CircuitCache, CircuitRegistry, Coordinator, connectRedis, LocalArtifactStore, ProverQueue, type LoadedCircuit, type ProvingEngine } from '../../src/network/index.ts'
import { compiledTestCircuit, deletePrefix, registerBody, tempDir, testPrefix, until } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('canon')
const dirs = tempDir('canon')
const apiKey = 'canon-test-key'
const store = new LocalArtifactStore(join(dirs.dir, 'store'))
const registry = new CircuitRegistry(redis, prefix, store)
let circuit: Awaited<ReturnType<typeof compiledTestCircuit>>
let manifest: CircuitManifest
let circuitId = ''
let engine: ProvingEngine
let queue: ProverQueue
let api: Awaited<ReturnType<typeof buildApi>>
let baseUrl = ''
let anvil: AnvilInstance
let pub: PublicClient
let wallet: TestWallet
let verifier: { address: Address; abi: Abi }
let modelRegistry: Address
const connections: Redis[] = []
const workers: ProverWorker[] = []
const coordinators: Coordinator[] = []
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v))

const write = chainWriter(() => ({ wallet, publicClient: pub }))

/** pi_a as [x·λ², y·λ³, λ]: the same point for snarkjs (Jacobian), an off-curve point for the chain. */
function projective(proof: unknown, lambda = 7n): SnarkProof {
  const p = proof as { pi_a: string[] }
  const [x, y] = p.pi_a.map(BigInt) as [bigint, bigint]
  return { ...(proof as SnarkProof), pi_a: [(x * lambda ** 2n) % BN254_Q, (y * lambda ** 3n) % BN254_Q, lambda].map(String) }
}
/** A hostile worker's engine: proves honestly, hands in the projective form, skips its own check. */
function tamperingEngine(handedIn: SnarkProof[]): ProvingEngine {
  return {
    ...engine,
    prove: async (c, input, ctx, opts) => {
      const r = await engine.prove(c, input, ctx, opts)
      const proof = projective(r.proof)
      handedIn.push(proof)
      return { ...r, proof }
    },
    verify: async () => true,
  }
}
/** The coordinator as it was before the fix: whatever snarkjs accepts, as the worker handed it in. */
const legacyEngine = (): ProvingEngine => ({
  ...engine,
  canonicalProof: (_c, proof) => proof,
  verify: async (c, proof, publicSignals) =>
    snarkjs.groth16.verify((c as LoadedCircuit & { vkey: Record<string, unknown> }).vkey, publicSignals, proof as SnarkProof),
})

function startCoordinator(eng: ProvingEngine): Coordinator {
  const c = new Coordinator({ redis, prefix, engine: eng, circuits: new CircuitCache({ registry, store, engine: eng, workDir: join(dirs.dir, `coord-${coordinators.length}`) }) })
  c.start()
  coordinators.push(c)
  return c
}
async function stopCoordinators(): Promise<void> {
  for (const c of coordinators.splice(0)) await c.close()
}
async function startWorker(id: string, eng: ProvingEngine): Promise<ProverWorker> {
  const conn = redis.duplicate()
  connections.push(conn)
  const w = new ProverWorker({
    redis: conn, prefix, store, engine: eng, hardware: await detectHardware({ noGpu: true }), id,
    lockDurationMs: 5000, stalledIntervalMs: 1000, pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 60_000,
  })
  await w.start()
  workers.push(w)
  return w
}
async function stopWorker(w: ProverWorker): Promise<void> {
  await w.stop()
  workers.splice(workers.indexOf(w), 1)
}
async function onChainVerify(proof: SnarkProof, publicSignals: string[]): Promise<boolean> {
  return (pub.readContract({ address: verifier.address, abi: verifier.abi, functionName: 'verify', args: [encodeProof('groth16', proof), publicSignals.map(BigInt)] }) as Promise<boolean>)
    .catch(() => false)
}
async function deployFeed(subject: bigint): Promise<Address> {
  const feed = await deployContract({ wallet, publicClient: pub }, projectContract('ProvedFeed'), [{
    registry: modelRegistry, modelId: 0n, subject, outputIndex: 0, decimals: 8, description: `canon / ${subject}`,
    heartbeat: 3600, minAnswer: -(10n ** 20n), maxAnswer: 10n ** 20n, upgradeDelay: 86400, owner: wallet.account.address,
    maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, projectContract('ProvedFeed').abi, 'setReporter', [wallet.account.address, true])
  return feed
}
const latestRound = async (feed: Address) => (await pub.readContract({ address: feed, abi: projectContract('ProvedFeed').abi, functionName: 'latestRound' })) as bigint
function feedOf(id: string, address: Address, inputs: number[]): OracleFeed {
  const path = join(dirs.dir, `${id}-inputs.json`)
  writeFileSync(path, JSON.stringify(inputs))
  return { id, address, circuitId, backend: 'groth16', adapter: fileAdapter(path, inputLength(manifest)), orders: { heartbeatS: 3600, deviationBps: 50 } }
}
function oracleFor(feed: OracleFeed, statePath: string, prover: ProverClient = httpProverClient({ baseUrl, apiKey })) {
  const log = memoryLogger()
  const o = new Oracle({ feeds: [feed], prover, chain: { wallet, publicClient: pub }, store: new StateStore(statePath), log, proveTimeoutMs: 120_000, postRetries: 2, postBackoffMs: 100 })
  return { o, log }
}
const apiCall = async (path: string, body?: unknown) => {
  const r = await fetch(baseUrl + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: r.status, json: (await r.json()) as any }
}

before(async () => {
  circuit = await compiledTestCircuit(dirs.dir)
  const body = await registerBody(circuit.dir)
  manifest = body.manifest
  const bytes = Object.fromEntries(Object.entries(body.artifacts).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]))
  circuitId = (await registry.register(manifest, bytes)).id
  engine = await snarkjsEngine()
  queue = new ProverQueue({ redis, prefix, registry, attempts: 8, backoffMs: 200 })
  api = await buildApi({ redis, prefix, store, apiKeys: [apiKey], attempts: 8, backoffMs: 200 })
  await api.app.listen({ host: '127.0.0.1', port: 0 })
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`

  anvil = await startAnvil()
  pub = createPublicClient({ chain: { ...foundry, id: anvil.chainId }, transport: http(anvil.rpcUrl) }) as PublicClient
  wallet = anvilWallet(anvil.rpcUrl, 0, anvil.chainId)
  const v = JSON.parse(readFileSync(join(circuit.dir, 'Verifier.json'), 'utf8')) as { bytecode: Hex }
  verifier = { address: await deployContract({ wallet, publicClient: pub }, { abi: verifierAbi, bytecode: v.bytecode }), abi: verifierAbi }
  modelRegistry = await deployContract({ wallet, publicClient: pub }, projectContract('ModelRegistry'))
  await write(modelRegistry, projectContract('ModelRegistry').abi, 'register', registerArgs(manifest.name, verifier.address, modelRegistration(manifest)))
})
after(async () => {
  for (const w of workers.splice(0)) await w.stop().catch(() => {})
  for (const c of connections) c.disconnect()
  await stopCoordinators().catch(() => {})
  await api?.app.close().catch(() => {})
  await queue?.close().catch(() => {})
  await deletePrefix(redis, prefix)
  redis.disconnect()
  await anvil?.stop()
  await engine?.terminate?.()
  dirs.remove()
})

test('a projective-form proof handed in by a worker is refused as PROOF_NONCANONICAL and counted against it; an honest worker\'s proof is accepted, on-chain too', { timeout: 300_000 }, async () => {
  startCoordinator(engine)
  const handedIn: SnarkProof[] = []
  const T = await startWorker('tamper-1', tamperingEngine(handedIn))
  const { jobId } = await queue.submit({ circuitId, input: circuit.sample(0), subject: '7', round: '1' })
  // Judged either way: counted as bad (the fix), or accepted (before it, which fails below at once).
  await until(async () => (await badProofCount(redis, prefix, 'tamper-1')) >= 1 || (await queue.jobs.get(jobId))?.status === 'verified', 120_000, 'the tampered proof to be judged')
  await stopWorker(T) // lets a proof in flight finish and be judged, so the counts below are final
  // The attack's premise: what it handed in verifies in snarkjs and fails on-chain.
  const first = handedIn[0]!
  const signals = (await queue.jobs.get(jobId))!
  const { publicSignals } = await (await engine.load(circuit.dir)).computeWitness(circuit.sample(0), { subject: 7n, round: 1n })
  const vkey = JSON.parse(readFileSync(join(circuit.dir, manifest.artifacts.vkey.file), 'utf8'))
  assert.equal(await snarkjs.groth16.verify(vkey, publicSignals, first), true, 'snarkjs accepts the projective form')
  assert.equal(await onChainVerify(first, publicSignals), false, 'the chain does not')
  assert.notEqual(signals.status, 'verified', 'the coordinator did not accept it')
  assert.equal(await badProofCount(redis, prefix, 'tamper-1'), handedIn.length, 'every tampered hand-in counted against the worker')
  const evs = await queue.jobs.events(jobId)
  assert.ok(evs.some((e) => e.type === 'progress' && /^rejected: proof is not in the canonical on-chain encoding/.test(e.stage)), show(evs.filter((e) => e.type === 'progress')))

  const H = await startWorker('honest-1', engine)
  const rec = await until(async () => { const j = await queue.jobs.get(jobId); return j?.status === 'verified' && j }, 120_000, 'the honest proof verified')
  assert.equal(rec.result!.provedBy, 'honest-1')
  assert.deepEqual(canonicalProof('groth16', rec.result!.proof as SnarkProof), rec.result!.proof, 'the stored proof is the canonical form')
  assert.equal(await onChainVerify(rec.result!.proof as SnarkProof, rec.result!.publicSignals), true, 'and the chain accepts it')
  assert.equal(await badProofCount(redis, prefix, 'honest-1'), 0)
  await stopWorker(H)
  await stopCoordinators()
})

test('a verified proof the feed refuses (InvalidProof) is marked, reported, charged to its worker and never re-posted; the round is re-proved by another worker', { timeout: 300_000 }, async () => {
  // Before the fix a coordinator accepted the projective form: such a job is in the network's records.
  startCoordinator(legacyEngine())
  const T = await startWorker('tamper-2', tamperingEngine([]))
  const feed = await deployFeed(0xc0ffeen)
  const f = feedOf('canon-feed', feed, circuit.sample(1))
  const statePath = join(dirs.dir, 'oracle-state.json')
  const a = oracleFor(f, statePath)
  const [first] = await a.o.tick()
  assert.equal(first!.status, 'error', show(first))
  assert.equal((first as { code: string }).code, 'PROOF_REJECTED_ON_CHAIN', show(a.log.entries.slice(-4)))
  const rejectedJob = a.log.entries.find((e) => e.event === 'job.submitted')!.meta.jobId as string
  assert.equal((await queue.jobs.get(rejectedJob))!.result!.provedBy, 'tamper-2', 'the network had verified the tampering worker\'s proof')
  assert.ok(a.log.entries.some((e) => e.event === 'round.chain-rejected' && e.meta.jobId === rejectedJob && e.meta.code === 'PROOF_REJECTED_ON_CHAIN'))
  const saved = JSON.parse(readFileSync(statePath, 'utf8')).feeds['canon-feed']
  assert.deepEqual(saved.chainRejected, [rejectedJob], 'persisted, so a restart cannot post it again')
  assert.equal(saved.pending, undefined)
  // The network re-checked the stored proof (not canonical) and charged the worker, once.
  assert.equal(await badProofCount(redis, prefix, 'tamper-2'), 1)
  assert.ok(a.log.entries.some((e) => e.event === 'job.chain-rejection-reported' && show(e.meta).includes('tamper-2')), show(a.log.entries.slice(-3)))
  const again = await apiCall(`/jobs/${rejectedJob}/chain-rejection`, { error: 'InvalidProof' })
  assert.equal(again.status, 200, show(again.json))
  assert.deepEqual({ firstReport: again.json.firstReport, proofCanonical: again.json.proofCanonical, charged: again.json.charged }, { firstReport: false, proofCanonical: false, charged: [] })
  assert.equal(await badProofCount(redis, prefix, 'tamper-2'), 1, 'a second report charges nothing')
  assert.equal(await latestRound(feed), 0n)

  // The network is upgraded and the tampering worker leaves; the oracle restarts from its state file.
  await stopWorker(T)
  await stopCoordinators()
  startCoordinator(engine)
  const H = await startWorker('honest-2', engine)
  const b = oracleFor(f, statePath)
  const [second] = await b.o.tick()
  assert.equal(second!.status, 'posted', show(b.log.entries.slice(-4)))
  assert.ok(!b.log.entries.some((e) => e.event === 'job.resumed'), 'the refused job is not resumed')
  const newJob = b.log.entries.find((e) => e.event === 'job.submitted')!.meta.jobId as string
  assert.notEqual(newJob, rejectedJob)
  assert.equal((await queue.jobs.get(newJob))!.result!.provedBy, 'honest-2')
  assert.equal(await latestRound(feed), 1n)
  assert.notEqual(b.o.latestProved('canon-feed')!.proof, encodeProof('groth16', (await queue.jobs.get(rejectedJob))!.result!.proof as SnarkProof))

  // A reporter cannot pin a rejection on an honest worker: its proof passes the re-check, nobody is charged.
  const falseReport = await apiCall(`/jobs/${newJob}/chain-rejection`, { error: 'InvalidProof' })
  assert.equal(falseReport.status, 200, show(falseReport.json))
  assert.deepEqual(falseReport.json, { jobId: newJob, firstReport: true, proofCanonical: true, proofValid: true, charged: [] })
  assert.equal(await badProofCount(redis, prefix, 'honest-2'), 0)
  const anon = await fetch(`${baseUrl}/jobs/${newJob}/chain-rejection`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"error":"InvalidProof"}' })
  assert.equal(anon.status, 401)
  assert.equal((await apiCall('/jobs/nope/chain-rejection', { error: 'InvalidProof' })).json.code, 'JOB_NOT_FOUND')
  assert.equal((await apiCall(`/jobs/${newJob}/chain-rejection`, { error: 'Invalid Proof!' })).status, 400)
  await stopWorker(H)
})

test('a verified proof of other inputs (someone else\'s job for the same subject and round) is refused with ORACLE_INPUTS_MISMATCH and nothing is posted', { timeout: 300_000 }, async () => {
  if (coordinators.length === 0) startCoordinator(engine)
  await startWorker('honest-3', engine)
  const subject = 0xbeefn
  const feed = await deployFeed(subject)
  const mine = circuit.sample(2)
  const theirs = circuit.sample(3)
  assert.notDeepEqual(mine, theirs)
  // Someone else proves the same subject and round over other inputs; a hostile API hands it to the oracle.
  const other = await apiCall('/jobs', { circuitId, input: theirs, subject: String(subject), round: '1' })
  assert.equal(other.status, 202, show(other.json))
  const honest = httpProverClient({ baseUrl, apiKey })
  const hostile: ProverClient = { ...honest, submit: async () => ({ jobId: other.json.jobId as string }) }
  const f = feedOf('inputs-feed', feed, mine)
  const statePath = join(dirs.dir, 'inputs-state.json')
  const a = oracleFor(f, statePath, hostile)
  const [out] = await a.o.tick()
  assert.equal(out!.status, 'error', show(out))
  assert.equal((out as { code: string }).code, 'ORACLE_INPUTS_MISMATCH', show(a.log.entries.slice(-3)))
  const logged = a.log.entries.find((e) => e.event === 'proof.inputs-mismatch')
  assert.ok(logged && logged.level === 'error' && logged.meta.code === 'ORACLE_INPUTS_MISMATCH', show(a.log.entries.slice(-3)))
  assert.equal((await queue.jobs.get(other.json.jobId))!.status, 'verified', 'the proof itself was valid')
  assert.equal(await latestRound(feed), 0n, 'nothing posted')
  assert.equal(JSON.parse(readFileSync(statePath, 'utf8')).feeds['inputs-feed'].pending, undefined, 'the foreign job is dropped, not resumed')

  // The same oracle with an honest network posts the round (input scales from the circuit's manifest, checked by its id).
  const b = oracleFor(f, statePath, honest)
  const [ok] = await b.o.tick()
  assert.equal(ok!.status, 'posted', show(b.log.entries.slice(-3)))
  assert.equal(await latestRound(feed), 1n)
})
