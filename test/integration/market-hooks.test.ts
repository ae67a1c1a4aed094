// The market hooks a ProverWorker runs, driven on a real anvil with real Groth16 proofs: two workers
// compete for one request, and a worker that stops mid-proof is slashed and replaced.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from 'viem'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { inputsCommitment, marketHooks, proverReputation, type MarketHookEvent } from '../../src/market/index.ts'
import type { WorkerJob, ProveOutcome } from '../../src/prover/index.ts'
import { startMarketFixture, circuitId, type MarketFixture } from './market-fixture.ts'

let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

const job = (round: bigint, workerId: string): WorkerJob => ({
  jobId: `job-${round}`, circuitId, input: [5], subject: '42', round: String(round), attempt: 1, workerId,
  requirements: {} as never, className: 'prove.groth16.cpu.m1',
})
const hooksFor = (i: number, events: MarketHookEvent[]) =>
  marketHooks({ wallet: f.wallets[i]!, client: f.client, market: f.market.address, backendOf: () => 'groth16', pollMs: 50, onEvent: (e) => events.push(e),
    // the fixture circuit's input signal is the input itself (no fixed-point scale)
    inputsHashOf: (j) => inputsCommitment(j.input.map((x) => BigInt(x))) })
const verified = async (round: bigint): Promise<ProveOutcome> => {
  const p = await f.proofFor(42n, round)
  return { status: 'verified', result: { proof: p.raw, publicSignals: p.publicSignals, outputs: [15] }, verdict: { accepted: true } }
}
const bal = (a: Hex) => f.read('balanceOf', [a])

test('two workers race for one request: one locks and is paid exactly once, the other loses cleanly', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, {})
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  const A = hooksFor(1, evA)
  const B = hooksFor(2, evB)
  const a0 = await bal(f.wallets[1]!.account.address)
  const b0 = await bal(f.wallets[2]!.account.address)
  await f.warp(offer.rampStart + 20n)
  await Promise.all([A.beforeProve!(job(offer.round, 'A')), B.beforeProve!(job(offer.round, 'B'))])
  const lockers = [...evA, ...evB].filter((e) => e.event === 'locked')
  assert.equal(lockers.length, 1, JSON.stringify([...evA, ...evB], (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
  const [winner, loser, winEv, loseEv, winIdx] = evA.some((e) => e.event === 'locked') ? [A, B, evA, evB, 1] : [B, A, evB, evA, 2]
  const r = await f.read('getRequest', [id])
  assert.equal(r.prover, f.wallets[winIdx]!.account.address)
  // Both prove; the winner delivers first, the loser's fulfil finds the request settled.
  const outcome = await verified(offer.round)
  await winner.afterProve!(job(offer.round, 'w'), outcome)
  await loser.afterProve!(job(offer.round, 'l'), outcome)
  assert.ok(winEv.some((e) => e.event === 'fulfilled' && !e.late))
  assert.ok(loseEv.some((e) => e.event === 'lost'))
  assert.equal((await f.read('getRequest', [id])).status, 4)
  const gainA = (await bal(f.wallets[1]!.account.address)) - a0
  const gainB = (await bal(f.wallets[2]!.account.address)) - b0
  // Fresh market: the winner's lock deposited exactly the collateral (msg.value top-up), and fulfilment
  // returned it with the price; the loser deposited nothing and got nothing.
  const [gw, gl] = winIdx === 1 ? [gainA, gainB] : [gainB, gainA]
  assert.equal(gl, 0n)
  assert.equal(gw, r.price + offer.collateral)
  const events = (await f.client.getContractEvents({ address: f.market.address, abi: f.market.abi, eventName: 'RequestFulfilled', fromBlock: 0n }))
    .filter((e) => (e.args as { id: bigint }).id === id)
  assert.equal(events.length, 1, 'paid exactly once')
})

test('a worker that stops mid-proof is slashed after its lock deadline and the other worker fulfils late', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, {})
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  const A = hooksFor(3, evA)
  const B = hooksFor(4, evB)
  await A.beforeProve!(job(offer.round, 'A'))
  assert.ok(evA.some((e) => e.event === 'locked'))
  // A dies here: it never calls afterProve. The job is re-delivered to B, which sees A's lock.
  await B.beforeProve!(job(offer.round, 'B'))
  assert.ok(evB.some((e) => e.event === 'lock-foreign'))
  const price = (await f.read('getRequest', [id])).price
  const b0 = await bal(f.wallets[4]!.account.address)
  const a0 = await bal(f.wallets[3]!.account.address)
  // B's afterProve waits on chain time until A's lock lapses; move chain time there while it waits.
  const done = B.afterProve!(job(offer.round, 'B'), await verified(offer.round))
  await new Promise((r) => setTimeout(r, 200))
  assert.equal((await f.read('getRequest', [id])).status, 2, 'B waits while A’s lock is valid')
  await f.warp(offer.lockDeadline + 1n)
  await done
  assert.ok(evB.some((e) => e.event === 'fulfilled' && e.late))
  const r = await f.read('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal(r.prover, f.wallets[4]!.account.address)
  assert.equal(await bal(f.wallets[4]!.account.address), b0 + price + offer.collateral / 2n)
  assert.equal(await bal(f.wallets[3]!.account.address), a0, 'A gets nothing back')
  assert.equal(await f.read('lockedOf', [f.wallets[3]!.account.address]), 0n)

  const [repA, repB] = await proverReputation(f.client, f.market.address, [f.wallets[3]!.account.address, f.wallets[4]!.account.address])
  assert.equal(repA!.slashed, 1)
  assert.equal(repA!.onTimeRate, 0)
  assert.equal(repB!.late, 1)
})

test('beforeProve without a live request fails with MARKET_REQUEST_NOT_FOUND (the job is retried)', async () => {
  const A = hooksFor(1, [])
  await assert.rejects(async () => A.beforeProve!(job(987654n, 'A')), (e: unknown) => (e as { code?: string }).code === 'MARKET_REQUEST_NOT_FOUND')
})

test('beforeProve does not lock a request for the same round over other inputs (its proof could not be paid)', async () => {
  const { offer } = await f.submit(f.wallets[0]!, {}) // binds input 5
  const events: MarketHookEvent[] = []
  const A = hooksFor(1, events)
  await assert.rejects(async () => A.beforeProve!({ ...job(offer.round, 'A'), jobId: 'job-other-inputs', input: [6] }), (e: unknown) => (e as { code?: string }).code === 'MARKET_REQUEST_NOT_FOUND')
  assert.deepEqual(events, [])
})
