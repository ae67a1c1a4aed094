// The market wired into the real prover network: ProverWorkers (in-process, and `zkml worker --market` as a
// process) on the real Redis (BullMQ), a Coordinator, real Groth16 proofs of a bundled model compiled by the
// real compiler, its generated verifier on a real anvil with ProofMarket.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import type { Hex } from 'viem'
import { deployContract, verifierAbi } from '../../src/chain/index.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { buildApi } from '../../src/api/index.ts'
import { anvilPrivateKeys } from '../../src/dev/anvil.ts'
import { ProverWorker, snarkjsEngine, detectHardware } from '../../src/prover/index.ts'
import { connectRedis, defaultRedisUrl, badProofCount, CircuitRegistry, CircuitCache, Coordinator, LocalArtifactStore, ProverQueue, type ProvingEngine } from '../../src/network/index.ts'
import { inputsCommitment, inputSignalsOf, marketHooks, proverReputation, type MarketHookEvent } from '../../src/market/index.ts'
import type { CircuitManifest } from '../../src/compiler/manifest.ts'
import { startMarketFixture, type MarketFixture } from './market-fixture.ts'
import { compiledTestCircuit, deletePrefix, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('market')
const dirs = tempDir('market-net')
let f: MarketFixture
let queue: ProverQueue
let coordinator: Coordinator
let engine: ProvingEngine
let circuit: Awaited<ReturnType<typeof compiledTestCircuit>>
let networkCircuitId = '' as Hex
let manifest: CircuitManifest
const workers: ProverWorker[] = []
// Each in-process worker gets its own connection (BullMQ blocks on it); the caller owns and closes it.
const connections: Redis[] = []
const procs: Proc[] = []
const storeDir = join(dirs.dir, 'store')
const store = new LocalArtifactStore(storeDir)

before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
  circuit = await compiledTestCircuit(dirs.dir)
  const body = await registerBody(circuit.dir)
  const registry = new CircuitRegistry(redis, prefix, store)
  const bytes = Object.fromEntries(Object.entries(body.artifacts).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]))
  networkCircuitId = (await registry.register(body.manifest, bytes)).id
  manifest = body.manifest
  // The compiler's own verifier for this circuit, registered on the market under the network's circuit id
  // (the hooks' default on-chain id): a proof under any other key is rejected on-chain (InvalidProof).
  const v = JSON.parse(readFileSync(join(circuit.dir, 'Verifier.json'), 'utf8')) as { bytecode: Hex }
  const verifier = await deployContract({ wallet: f.wallets[0]!, publicClient: f.client }, { abi: verifierAbi, bytecode: v.bytecode })
  await f.write(f.wallets[0]!, 'registerCircuit', [networkCircuitId, verifier, body.manifest.outputs.length])
  queue = new ProverQueue({ redis, prefix, registry, attempts: 6, backoffMs: 200 })
  engine = await snarkjsEngine()
  coordinator = new Coordinator({ redis, prefix, circuits: new CircuitCache({ registry, store, engine, workDir: join(dirs.dir, 'coord') }), engine })
  coordinator.start()
})
after(async () => {
  for (const p of procs) if (p.child.exitCode === null) { p.child.kill('SIGTERM'); await p.exited }
  for (const w of workers) await w.stop().catch(() => {})
  for (const c of connections) c.disconnect()
  await coordinator?.close().catch(() => {})
  await queue?.close().catch(() => {})
  await deletePrefix(redis, prefix)
  redis.disconnect()
  await f?.stop()
  await engine?.terminate?.()
  dirs.remove()
})

/** An engine whose proofs never finish: a worker that stops mid-proof. */
const hanging = (): ProvingEngine => ({ ...engine, prove: () => new Promise(() => {}) })

async function startWorker(walletIndex: number, events: MarketHookEvent[], eng = engine) {
  const hooks = marketHooks({
    wallet: f.wallets[walletIndex]!, client: f.client, market: f.market.address, backendOf: () => 'groth16', pollMs: 100,
    inputsHashOf: (job) => inputsCommitment(inputSignalsOf(manifest, job.input)),
    onEvent: (e) => { events.push(e); if (process.env.ZKML_TEST_VERBOSE) console.error(`[m${walletIndex}]`, e.event) },
  })
  const conn = redis.duplicate()
  connections.push(conn)
  const w = new ProverWorker({
    redis: conn, prefix, store, engine: eng, hardware: await detectHardware({ noGpu: true }), hooks, id: `market-w${walletIndex}`,
    lockDurationMs: 2000, stalledIntervalMs: 500, pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 300,
  })
  if (process.env.ZKML_TEST_VERBOSE) w.on('log', (e) => console.error(`[w${walletIndex}]`, JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v))))
  await w.start()
  workers.push(w)
  return w
}
const bal = (a: Hex) => f.read('balanceOf', [a])
const fulfilledEvents = async (id: bigint) =>
  (await f.client.getContractEvents({ address: f.market.address, abi: f.market.abi, eventName: 'RequestFulfilled', fromBlock: 0n }))
    .filter((e) => (e.args as { id: bigint }).id === id)
/** The inputs commitment of the test circuit's sample i, as a requester computes it before anyone proves. */
const sampleHash = (i: number) => inputsCommitment(inputSignalsOf(manifest, circuit.sample(i)))
const submitJob = (round: bigint, i: number) => queue.submit({ circuitId: networkCircuitId, input: circuit.sample(i), subject: '42', round: String(round) })

test('two workers on the queue: the job is locked, proved and paid exactly once', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, { circuitId: networkCircuitId, round: 101n, subject: 42n, inputsHash: sampleHash(0) })
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  await startWorker(1, evA)
  await startWorker(2, evB)
  const { jobId } = await submitJob(offer.round, 0)
  await until(async () => [...evA, ...evB].some((e) => e.event === 'fulfilled'), 60_000, 'a fulfilment')
  const winnerEv = evA.some((e) => e.event === 'fulfilled') ? evA : evB
  assert.ok(winnerEv.some((e) => e.event === 'locked'), 'the paid worker locked first')
  const r = await f.read('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal((await fulfilledEvents(id)).length, 1)
  const rec = await until(async () => { const j = await coordinator.jobs.get(jobId); return j?.status === 'verified' && j }, 10_000, 'job verified')
  assert.equal(rec.status, 'verified')
  for (const w of workers.splice(0)) await w.stop()
})

test('a worker that stops mid-proof is slashed; the job is re-delivered and the other worker fulfils late', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, { circuitId: networkCircuitId, round: 102n, subject: 42n, inputsHash: sampleHash(1) })
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  const A = await startWorker(3, evA, hanging())
  await submitJob(offer.round, 1)
  await until(async () => evA.some((e) => e.event === 'locked'), 30_000, 'A locks')
  await A.stop() // mid-proof: the job is released, A's lock on-chain stays
  const a0 = await bal(f.wallets[3]!.account.address)
  await startWorker(4, evB)
  await until(async () => evB.some((e) => e.event === 'lock-foreign'), 30_000, 'B takes the job over A’s lock')
  // B proves, then waits for A's lock deadline on chain time.
  await new Promise((r) => setTimeout(r, 500))
  assert.equal((await f.read('getRequest', [id])).status, 2)
  await f.warp(offer.lockDeadline + 1n)
  await until(async () => evB.some((e) => e.event === 'fulfilled'), 30_000, 'B fulfils late')
  const r = await f.read('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal(r.prover, f.wallets[4]!.account.address)
  assert.equal(await bal(f.wallets[3]!.account.address), a0, 'A recovers nothing')
  assert.equal((await fulfilledEvents(id)).length, 1)
  const [repA] = await proverReputation(f.client, f.market.address, [f.wallets[3]!.account.address])
  assert.equal(repA!.slashed, 1)
  for (const w of workers.splice(0)) await w.stop()
})

const workerArgs = (extra: string[]) => [
  'worker', '--allow-volatile-redis', '--prefix', prefix, '--store-dir', storeDir, '--no-gpu', '--lock-ms', '2000', '--stalled-ms', '500', '--poll-ms', '100', '--heartbeat-ms', '500', '--grace-ms', '300', ...extra,
]

test('zkml worker --market refuses to start without a prover key, or with no market at the address', async () => {
  const noKey = spawnZkml(workerArgs(['--market', f.market.address, '--rpc', f.anvil.rpcUrl]), { ZKML_PROVER_KEY: '' }, 'worker-nokey')
  assert.equal(await noKey.exited, 1)
  assert.ok(noKey.lines.some((l) => l.includes('MARKET_CONFIG_INVALID')), noKey.lines.join('\n'))
  assert.ok(noKey.lines.some((l) => l.includes('expected ZKML_PROVER_KEY=0x<64 hex> in the environment')), noKey.lines.join('\n'))
  const noCode = spawnZkml(workerArgs(['--market', `0x${'12'.repeat(20)}`, '--rpc', f.anvil.rpcUrl]), { ZKML_PROVER_KEY: anvilPrivateKeys[5]! }, 'worker-nocode')
  assert.equal(await noCode.exited, 1)
  assert.ok(noCode.lines.some((l) => l.includes('MARKET_CONFIG_INVALID')), noCode.lines.join('\n'))
  assert.ok(noCode.lines.some((l) => l.includes('got an account without code')), noCode.lines.join('\n'))
})

test('zkml worker --market: a rejected (tampered) proof is counted against the prover by the coordinator and lowers its score', async () => {
  const key = anvilPrivateKeys[5]!
  const prover = privateKeyToAccount(key).address
  const honest = f.wallets[1]!.account.address // paid on time in the first test, no rejected proof
  const { id, offer } = await f.submit(f.wallets[0]!, { circuitId: networkCircuitId, round: 103n, subject: 42n, inputsHash: sampleHash(2) })
  const w = spawnZkml(workerArgs(['--id', 'cli-tamper', '--market', f.market.address, '--rpc', f.anvil.rpcUrl, '--test-tamper-proofs', '1']), { ZKML_PROVER_KEY: key }, 'worker-market')
  procs.push(w)
  const configured = JSON.parse(await w.waitFor(/"event":"market-configured"/, 60_000))
  assert.equal(configured.prover, prover)
  await w.waitFor(/"event":"started"/, 60_000)
  const { jobId } = await submitJob(offer.round, 2)
  const rejected = JSON.parse(await w.waitFor(/"event":"market-proof-rejected"/, 60_000))
  assert.equal(rejected.code, 'PROOF_INVALID')
  assert.equal(rejected.job ?? rejected.jobId, jobId)
  const paid = JSON.parse(await w.waitFor(/"event":"market-fulfilled"/, 60_000))
  assert.equal(paid.requestId, String(id))
  assert.equal(paid.late, false, 'the retry still came within its own lock')
  assert.ok(w.lines.some((l) => l.includes('"event":"market-locked"')))
  const r = await f.read('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal(r.prover, prover)

  // Counted server-side, by the coordinator that rejected it: under the worker id and the signing address.
  assert.equal(await badProofCount(redis, prefix, 'cli-tamper'), 1)
  assert.equal(await badProofCount(redis, prefix, prover), 1)
  assert.equal(await badProofCount(redis, prefix, honest), 0)

  const { app } = await buildApi({ redis, prefix, store, apiKeys: [], market: { rpcUrl: f.anvil.rpcUrl, address: f.market.address } })
  try {
    const res = await app.inject({ url: `/provers/${prover}/reputation` })
    assert.equal(res.statusCode, 200, res.body)
    const rep = res.json().reputation
    assert.deepEqual({ locks: rep.locks, onTime: rep.onTime, slashed: rep.slashed, badProofs: rep.badProofs, score: rep.score }, { locks: 1, onTime: 1, slashed: 0, badProofs: 1, score: 0.5 })
    const clean = (await app.inject({ url: `/provers/${honest}/reputation` })).json().reputation
    assert.equal(clean.score, 1)
    assert.ok(rep.score < clean.score, 'the bad proof lowers the score')
    const badAddr = await app.inject({ url: '/provers/0x1234/reputation' })
    assert.equal(badAddr.statusCode, 400)
    assert.equal(badAddr.json().code, 'REQUEST_INVALID')
    assert.ok((await app.inject({ url: '/openapi.json' })).json().paths['/provers/{address}/reputation'].get)
  } finally {
    await app.close()
  }

  const cli = spawnZkml(['reputation', '--rpc', f.anvil.rpcUrl, '--market', f.market.address, '--redis', process.env.REDIS_URL ?? defaultRedisUrl, '--prefix', prefix, prover, honest], {}, 'reputation')
  assert.equal(await cli.exited, 0, cli.lines.join('\n'))
  const row = (a: string) => cli.lines.find((l) => l.startsWith(a))?.trim().split(/\s+/)
  assert.ok(cli.lines.some((l) => /^prover\s+locks\s+on-time\s+late\s+slashed\s+bad proofs\s+on-time rate\s+score$/.test(l.trim())), cli.lines.join('\n'))
  assert.deepEqual(row(prover), [prover, '1', '1', '0', '0', '1', '1.00', '0.50'])
  assert.deepEqual(row(honest)?.slice(-2), ['1.00', '1.00'])

  w.child.kill('SIGTERM')
  assert.equal(await w.exited, 0)
})
