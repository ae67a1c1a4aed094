import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, http, type Address, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainWriter, type TestWallet } from '../support/chain.ts'
import { projectContract } from '../../src/chain/projectContracts.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { provedFixture, type ProvedFixture } from '../../src/dev/provedFixture.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import {
  Oracle, StateStore, chainPoolAdapter, inProcessProverClient, memoryLogger, poolRiskFeatures, toFeedAnswer,
  type OracleFeed, type ProofJobRequest, type ProverClient,
} from '../../src/oracle/index.ts'

// Real anvil (with a state file, so it can be restarted), real Groth16 proofs of the fixture circuit
// with 12 public model inputs (the pool-risk features) and output x0 - x1, proved in-process behind the
// prover-network client interface. Inputs are quantized with 8 fractional bits.
const SCALE = 8
const POOL_SUBJECT = 0xfeedn
/** The circuit id the feed's model is registered with (a stand-in: the fixture has no manifest), and the feed's configured one. */
const CIRCUIT_ID = `0x${'11'.repeat(32)}` as const
let dir: string
let anvil: AnvilInstance
let port: number
let pub: PublicClient
let wallet: TestWallet
let fx: ProvedFixture
let feed: Address
let pool: Address
let proveDelayMs = 0
const poolAbi = () => projectContract('MockYieldPool').abi
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
const feedAbi = () => projectContract('ProvedFeed').abi

const write = chainWriter(() => ({ wallet, publicClient: pub }))
const quantize = (x: number) => BigInt(Math.round(x * 2 ** SCALE))
const prover = inProcessProverClient(async (req: ProofJobRequest) => {
  if (proveDelayMs) await new Promise((r) => setTimeout(r, proveDelayMs))
  const { proof, publicSignals } = await fx.prove(req.input.map(quantize), BigInt(req.subject), BigInt(req.round))
  return { proof, publicSignals: publicSignals.map(String) }
})
async function expectedAnswer() {
  const s = await pub.readContract({ address: pool, abi: poolAbi(), functionName: 'snapshot' })
  const f = poolRiskFeatures(s as never)
  const out = quantize(f[0]!) - quantize(f[1]!)
  return toFeedAnswer(out < 0n ? out + 21888242871839275222246405745257275088548364400416034343698204186575808495617n : out, SCALE, 8)
}
async function latest() {
  return await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'latestRoundData' })
}
function feedConfig(): OracleFeed {
  return {
    id: 'pool-feed', address: feed, circuitId: CIRCUIT_ID, backend: 'groth16', inputScaleBits: SCALE,
    adapter: chainPoolAdapter(pub, pool), orders: { heartbeatS: 3600, deviationBps: 100 },
  }
}
function oracle(statePath: string, proveTimeoutMs = 60_000, log = memoryLogger(), now = () => clock, client: ProverClient = prover) {
  return { log, o: new Oracle({ feeds: [feedConfig()], prover: client, chain: { publicClient: pub, wallet }, store: new StateStore(statePath), log, now, proveTimeoutMs, postRetries: 2, postBackoffMs: 100 }) }
}
let clock = 1_000_000

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oracle-it-'))
  // Genesis one hour into a UTC day, so the pool's age in whole days cannot tick over mid-test.
  anvil = await startAnvil({ args: ['--state', join(dir, 'anvil-state.json'), '--timestamp', '1699923600'] })
  port = anvil.port
  pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  wallet = anvilWallet(anvil.rpcUrl)
  const clients = { wallet, publicClient: pub }
  fx = await provedFixture('groth16', 1, 12, 'OracleTestVerifier')
  const verifier = await deployContract(clients, fx.verifier)
  const registry = await deployContract(clients, projectContract('ModelRegistry'))
  await write(registry, projectContract('ModelRegistry').abi, 'register',
    ['pool-risk', CIRCUIT_ID, verifier, fx.vkHash, 0, { nOutputs: 1, nInputs: 12, subjectIndex: 13, roundIndex: 14, scaleBits: SCALE }])
  feed = await deployContract(clients, projectContract('ProvedFeed'), [{
    registry, modelId: 0n, subject: POOL_SUBJECT, outputIndex: 0, decimals: 8, description: 'pool-risk / 0xfeed',
    heartbeat: 3600, minAnswer: -(10n ** 12n), maxAnswer: 10n ** 12n, upgradeDelay: 86400, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, feedAbi(), 'setReporter', [wallet.account.address, true])
  pool = await deployContract(clients, projectContract('MockYieldPool'), [0n, 90])
  await write(pool, poolAbi(), 'setTvl', [1_000_000n, 800_000n])
  for (const bps of [500, 700, 600]) await write(pool, poolAbi(), 'recordApy', [bps])
  await write(pool, poolAbi(), 'setMarket', [8000, 101_000_000n, 100_000_000n])
  await write(pool, poolAbi(), 'setRiskFacts', [90, 4000, 3000])
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
  rmSync(dir, { recursive: true, force: true })
})

test('posting policy: first round, skip unchanged, skip within deviation, post on deviation and on heartbeat', async () => {
  const { o, log } = oracle(join(dir, 'a.json'))
  const [first] = await o.tick()
  assert.equal(first!.status, 'posted', show(first))
  const [r1, a1] = await latest()
  assert.equal(r1, 1n)
  assert.equal(a1, await expectedAnswer()) // ln(1e6) - 0.25, quantized: (3537 - 64) / 256
  assert.equal(a1, 1_356_640_625n)
  assert.equal(o.latestProved('pool-feed')?.round, '1')

  const submitted = prover.submitted
  assert.deepEqual(await o.tick(), [{ feed: 'pool-feed', status: 'skipped', reason: 'inputs-unchanged' }])
  assert.equal(prover.submitted, submitted, 'no proof is paid for when nothing changed')

  // Utilization is not in this circuit's output: proved, but the answer did not move.
  await write(pool, poolAbi(), 'setMarket', [9000, 101_000_000n, 100_000_000n])
  const [within] = await o.tick()
  assert.equal(within!.status, 'skipped')
  assert.equal((within as { reason: string }).reason, 'within-threshold')
  assert.equal((await latest())[0], 1n)

  // TVL drops to $300k: ln TVL - 30-day change moves ~2.4 %, beyond the 1 % threshold.
  await write(pool, poolAbi(), 'setTvl', [300_000n, 800_000n])
  const [dev] = await o.tick()
  assert.equal(dev!.status, 'posted')
  assert.equal((dev as { reason: string }).reason, 'deviation')
  const [r2, a2] = await latest()
  assert.equal(r2, 2n, 'the skipped proof did not burn a round number')
  assert.equal(a2, await expectedAnswer())

  clock += 3600
  const [hb] = await o.tick()
  assert.equal((hb as { reason: string }).reason, 'heartbeat')
  assert.equal((await latest())[0], 3n)
  assert.ok(log.entries.some((e) => e.event === 'round.posted'))
})

test('a feed whose model is registered with another circuitId is refused before anything is proved (ORACLE_CIRCUIT_MISMATCH)', async () => {
  const other = `0x${'22'.repeat(32)}`
  const client = inProcessProverClient(async () => assert.fail('nothing may be proved for a mismatched feed'))
  const log = memoryLogger()
  const o = new Oracle({
    feeds: [{ ...feedConfig(), circuitId: other }], prover: client, chain: { publicClient: pub, wallet },
    store: new StateStore(join(dir, 'mismatch.json')), log, now: () => clock,
  })
  const [out] = await o.tick()
  assert.equal(out!.status, 'error', show(out))
  assert.equal((out as { code: string }).code, 'ORACLE_CIRCUIT_MISMATCH')
  const failed = log.entries.find((e) => e.event === 'feed.failed')
  assert.match(String(failed?.meta.details), new RegExp(`registered with circuitId ${other}.*got ${CIRCUIT_ID}`))
  assert.equal(client.submitted, 0, 'no job was submitted')
  // The feed itself names its circuit.
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'circuitId' }), CIRCUIT_ID)
})

test('restart mid-round resumes the same job and never posts a round twice', async () => {
  const statePath = join(dir, 'b.json')
  clock += 3600
  proveDelayMs = 1500
  const first = oracle(statePath, 200)
  const [waiting] = await first.o.tick()
  assert.equal(waiting!.status, 'waiting')
  const submitted = prover.submitted
  // "Crash": a new process with the same state file.
  proveDelayMs = 0
  const second = oracle(statePath)
  const [resumed] = await second.o.tick()
  assert.equal(resumed!.status, 'posted', show(resumed))
  assert.equal(prover.submitted, submitted, 'the pending job was resumed, not resubmitted')
  assert.ok(second.log.entries.some((e) => e.event === 'job.resumed'))
  const round = (resumed as { round: bigint }).round
  assert.equal((await latest())[0], round)

  // A replica with stale local state learns the floor from the chain and moves past it.
  clock += 3600
  const replica = oracle(join(dir, 'c.json'))
  const [next] = await replica.o.tick()
  assert.equal(next!.status, 'posted')
  assert.equal((next as { round: bigint }).round, round + 1n)
  assert.ok(replica.log.entries.some((e) => e.event === 'feed.synced-from-chain'))
})

test('a crash between submitting a job and saving it resubmits the same idempotency key: no second proof', async () => {
  const statePath = join(dir, 'b2.json')
  clock += 3600
  const keys: string[] = []
  // The network accepts the job, then the oracle process "dies" before it saves the job id.
  const dying: typeof prover = { ...prover, async submit(req) { keys.push(req.idempotencyKey!); await prover.submit(req); throw new Error('killed before saving the job id') } }
  const [failed] = await oracle(statePath, 60_000, memoryLogger(), () => clock, dying).o.tick()
  assert.equal(failed!.status, 'error')
  const submitted = prover.submitted
  const recording: ProverClient = { ...prover, async submit(req) { keys.push(req.idempotencyKey!); return prover.submit(req) } }
  const [posted] = await oracle(statePath, 60_000, memoryLogger(), () => clock, recording).o.tick()
  assert.equal(posted!.status, 'posted', show(posted))
  assert.equal(keys.length, 2)
  assert.equal(keys[1], keys[0], 'the restart resubmitted the saved key')
  assert.equal(prover.submitted, submitted, 'the network answered it with the job it already had: no second proof')
  assert.equal(new StateStore(statePath).get('pool-feed').submitKey, undefined, 'the saved key is dropped once the job id is saved')
})

test('a reverted update is reported by name and retried on the next tick; a nonce clash is resynced', async () => {
  const { o, log } = oracle(join(dir, 'd.json'))
  clock += 3600
  await write(feed, feedAbi(), 'setReporter', [wallet.account.address, false])
  const [bad] = await o.tick()
  assert.equal(bad!.status, 'error')
  assert.equal((bad as { code: string }).code, 'FEED_UPDATE_REVERTED')
  assert.ok(log.entries.some((e) => e.event === 'feed.failed' && /NotReporter/.test(String(e.meta.details))))
  const before = (await latest())[0]!
  await write(feed, feedAbi(), 'setReporter', [wallet.account.address, true])

  // Prime the oracle's nonce tracker, then let another process spend the same key's next nonce.
  const [ok] = await o.tick()
  assert.equal(ok!.status, 'posted', show(ok))
  assert.equal((ok as { round: bigint }).round, before + 1n, 'the failed attempt reused its round number')
  await write(pool, poolAbi(), 'setTvl', [400_000n, 800_000n]) // same key: the tracker's cached nonce is now taken
  const [afterClash] = await o.tick()
  assert.equal(afterClash!.status, 'posted', show(afterClash))
  assert.ok(log.entries.some((e) => e.event === 'tx.nonce-clash'), 'the clash was logged')
})

test('a restarted chain node: ticks fail with CHAIN_UNAVAILABLE while it is down, then posting resumes', async () => {
  const { o, log } = oracle(join(dir, 'e.json'))
  clock += 3600
  const before = (await latest())[0]!
  await anvil.stop()
  const [down] = await o.tick()
  assert.equal(down!.status, 'error')
  assert.equal((down as { code: string }).code, 'CHAIN_UNAVAILABLE')
  assert.ok(log.entries.some((e) => e.event === 'feed.failed' && e.meta.code === 'CHAIN_UNAVAILABLE'))
  anvil = await startAnvil({ port, args: ['--state', join(dir, 'anvil-state.json')] })
  const [up] = await o.tick()
  assert.equal(up!.status, 'posted', show(up))
  assert.equal((await latest())[0], before + 1n)
})

test('start/stop: the loop ticks until stopped, and stop waits for the tick in flight', async () => {
  const { o, log } = oracle(join(dir, 'f.json'))
  clock += 3600
  const before = (await latest())[0]!
  o.start(50)
  const deadline = Date.now() + 60_000
  while (!log.entries.some((e) => e.event === 'round.posted') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  await o.stop()
  assert.equal((await latest())[0], before + 1n)
  const n = log.entries.length
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(log.entries.length, n, 'no tick after stop()')
})
