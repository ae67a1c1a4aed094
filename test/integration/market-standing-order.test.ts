import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { StandingOrder } from '../../src/market/index.ts'
import { startMarketFixture, circuitId, type MarketFixture } from './market-fixture.ts'

let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

test('standing order: prepaid rounds, a lapsed round is refunded and re-offered, then the next round follows', async () => {
  const terms = { minPrice: 1000n, maxPrice: 4000n, rampLength: 10n, lockTimeout: 30n, timeout: 100n, collateral: 8000n }
  const order = new StandingOrder({ wallet: f.wallets[0]!, client: f.client, market: f.market.address, circuitId, subject: 42n, firstRound: 500n, rounds: 2, terms })
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
  const r = await f.read<{ offer: { round: bigint }; status: number }>('getRequest', [second])
  assert.equal(r.offer.round, 500n)
  assert.equal((await f.read<{ status: number }>('getRequest', [first])).status, 5)
  assert.equal(await f.read('balanceOf', [owner]), terms.maxPrice)

  // A prover fulfils the re-offer; the order moves to round 501, then finishes after it.
  const p = await f.proofFor(42n, 500n)
  await f.write(f.wallets[2]!, 'fulfil', [second, p.proof, p.signals])
  assert.equal(await order.tick(), 'next')
  assert.equal(order.state.round, 501n)
  const p2 = await f.proofFor(42n, 501n)
  await f.write(f.wallets[2]!, 'fulfil', [order.state.requestId!, p2.proof, p2.signals])
  assert.equal(await order.tick(), 'done')
  assert.equal(order.state.fulfilled, 2)
  assert.equal(order.state.reoffers, 1)
})
