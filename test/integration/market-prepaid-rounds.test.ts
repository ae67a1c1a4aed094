import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { PrepaidRounds, inputsCommitment } from '../../src/market/index.ts'
import { startMarketFixture, circuitId, revertName, type MarketFixture } from './market-fixture.ts'

let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

test('prepaid rounds: prepaid rounds, a lapsed round is refunded and re-offered, then the next round follows', async () => {
  const terms = { minPrice: 1000n, maxPrice: 4000n, rampLength: 10n, lockTimeout: 30n, timeout: 100n, collateral: 8000n }
  // Each round binds the inputs the feed read for it: 5 for round 500, 6 for round 501.
  const inputOf = (round: bigint) => (round === 500n ? 5n : 6n)
  const order = new PrepaidRounds({
    wallet: f.wallets[0]!, client: f.client, market: f.market.address, circuitId, subject: 42n, firstRound: 500n, rounds: 2, terms,
    inputsHashFor: (round) => inputsCommitment([inputOf(round)]),
  })
  await order.start()
  const owner = f.wallets[0]!.account.address
  assert.equal(await f.read('balanceOf', [owner]), terms.maxPrice, 'two rounds prepaid, one escrowed')
  const first = order.state.requestId!
  assert.equal(await order.tick(), 'idle')

  // Nobody proves round 500 in time: it lapses and is re-offered for the same round from the refund.
  await f.warp((await f.now()) + terms.timeout + 5n)
  assert.equal(await order.tick(), 'reoffered')
  const second = order.state.requestId!
  assert.notEqual(second, first)
  const r = await f.read('getRequest', [second])
  assert.equal(r.offer.round, 500n)
  assert.equal((await f.read('getRequest', [first])).status, 5)
  assert.equal(await f.read('balanceOf', [owner]), terms.maxPrice)

  // A prover fulfils the re-offer; the order moves to round 501, then finishes after it.
  const p = await f.proofFor(42n, 500n)
  await f.write(f.wallets[2]!, 'fulfil', [second, p.proof, p.signals])
  assert.equal(await order.tick(), 'next')
  assert.equal(order.state.round, 501n)
  // Round 501 binds input 6: a valid proof of round 501 over input 5 (last round's inputs) is refused.
  const stale = await f.proofFor(42n, 501n, 5n)
  await assert.rejects(f.write(f.wallets[2]!, 'fulfil', [order.state.requestId!, stale.proof, stale.signals]), (e) => revertName(e) === 'PublicSignalsMismatch')
  const p2 = await f.proofFor(42n, 501n, 6n)
  await f.write(f.wallets[2]!, 'fulfil', [order.state.requestId!, p2.proof, p2.signals])
  assert.equal(await order.tick(), 'done')
  assert.equal(order.state.fulfilled, 2)
  assert.equal(order.state.reoffers, 1)
})

test('prepaid rounds: a round whose statement another request already paid is refunded at once and counts as proved', async () => {
  const terms = { minPrice: 1000n, maxPrice: 4000n, rampLength: 10n, lockTimeout: 30n, timeout: 100n, collateral: 8000n }
  const order = new PrepaidRounds({
    wallet: f.wallets[0]!, client: f.client, market: f.market.address, circuitId, subject: 42n, firstRound: 700n, rounds: 1, terms,
    inputsHashFor: () => inputsCommitment([5n]),
  })
  await order.start()
  // Someone else asks for the very same statement, and a prover is paid for it there.
  const { id: other } = await f.submit(f.wallets[3]!, { subject: 42n, round: 700n, inputsHash: inputsCommitment([5n]) })
  const p = await f.proofFor(42n, 700n, 5n)
  await f.write(f.wallets[2]!, 'fulfil', [other, p.proof, p.signals])
  // The same proof cannot be paid a second time through the order's request.
  await assert.rejects(f.write(f.wallets[2]!, 'fulfil', [order.state.requestId!, p.proof, p.signals]), (e) => revertName(e) === 'StatementAlreadyPaid')
  const owner = f.wallets[0]!.account.address
  const before = await f.read('balanceOf', [owner])
  assert.equal(await order.tick(), 'done')
  assert.equal(order.state.supersededRounds, 1)
  assert.equal((await f.read('getRequest', [order.state.requestId!])).status, 5, 'refunded')
  assert.equal(await f.read('balanceOf', [owner]), before + terms.maxPrice, 'escrow back before the deadline')
})
