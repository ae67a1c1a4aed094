import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { decodeEventLog, type ContractFunctionArgs, type ContractFunctionName, type Hex } from 'viem'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { inputsCommitment, offerStruct, type proofMarketContract } from '../../src/market/index.ts'
import { writeAndWait } from '../../src/chain/writeAndWait.ts'
import { startMarketFixture, revertName, circuitId, type MarketFixture, type Signer } from './market-fixture.ts'

let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 3000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

const SEED = Number(process.env.MARKET_PROPERTY_SEED ?? 20261122)
const STEPS = Number(process.env.MARKET_PROPERTY_STEPS ?? 140)

test(`funds are conserved and every request is settled at most once over ${STEPS} random actions (seed ${SEED})`, async (t) => {
  let s = SEED >>> 0
  const rnd = (n: number) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    return s % n
  }
  const big = (n: number) => BigInt(rnd(n))
  const actors = f.wallets.slice(0, 5)
  const addrs = actors.map((w) => w.account.address)
  const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)]!
  const ethOf = async () => {
    let t = await f.client.getBalance({ address: f.market.address })
    for (const a of addrs) t += await f.client.getBalance({ address: a })
    return t
  }
  const total0 = await ethOf()
  let gasSpent = 0n
  const settled = new Map<bigint, string[]>()
  const ids: bigint[] = []
  const tally: Record<string, number> = {}

  type Write = ContractFunctionName<typeof proofMarketContract.abi, 'nonpayable' | 'payable'>
  const send = async <fn extends Write>(w: Signer, functionName: fn, args: ContractFunctionArgs<typeof proofMarketContract.abi, 'nonpayable' | 'payable', fn>, value = 0n) => {
    try {
      const call = { address: f.market.address, abi: f.market.abi, functionName, args, ...(value ? { value } : {}) }
      const rc = await writeAndWait({ wallet: w, publicClient: f.client }, call as never) // typed by send's signature
      gasSpent += rc.gasUsed * rc.effectiveGasPrice
      for (const log of rc.logs) {
        const ev = decodeEventLog({ abi: f.market.abi, data: log.data, topics: log.topics })
        if (ev.eventName === 'RequestFulfilled' || ev.eventName === 'RequestRefunded') {
          const id = (ev.args as unknown as { id: bigint }).id
          settled.set(id, [...(settled.get(id) ?? []), ev.eventName])
        }
      }
      tally[`${functionName} ok`] = (tally[`${functionName} ok`] ?? 0) + 1
      return rc.status === 'success'
    } catch (e) {
      const name = revertName(e)
      assert.ok(name, `${functionName} failed without a custom error: ${String(e).slice(0, 300)}`)
      tally[`${functionName} ✗${name}`] = (tally[`${functionName} ✗${name}`] ?? 0) + 1
      return false
    }
  }

  const rounds = [1n, 2n, 3n, 4n, 5n, 6n]
  const inputOf = new Map<bigint, bigint>()
  for (let step = 0; step < STEPS; step++) {
    const w = pick(actors)
    const id = ids.length > 0 && rnd(8) > 0 ? pick(ids) : BigInt(1 + rnd(ids.length + 1))
    switch (rnd(11)) {
      case 0:
      case 1: {
        const t = await f.now()
        const min = big(5000)
        // Two inputs per round: distinct statements, and repeats of one (paid once, the rest superseded).
        const input = pick([5n, 6n])
        const rampStart = t + big(20)
        const lockDeadline = rampStart + 1n + big(40)
        const offer = {
          circuitId, subject: 7n, round: pick(rounds), inputsHash: inputsCommitment([input]), minPrice: min, maxPrice: min + big(20000),
          rampStart, rampLength: big(30), lockDeadline, deadline: lockDeadline + big(60), collateral: big(8000),
        }
        if (await send(w, 'submitRequest', [offerStruct(offer)], offer.maxPrice)) {
          ids.push(await f.read('requestCount'))
          inputOf.set(ids[ids.length - 1]!, input)
        }
        break
      }
      case 2: await send(w, 'deposit', [], big(20000)); break
      case 3: {
        const b = await f.read('balanceOf', [w.account.address])
        await send(w, 'withdraw', [(b * big(130)) / 100n])
        break
      }
      case 4:
      case 5: await send(w, 'lock', [id], rnd(2) ? big(10000) : 0n); break
      case 6:
      case 7: {
        const r = await f.read('getRequest', [id])
        const { proof, signals } = await f.proofFor(7n, r.offer.round || 1n, inputOf.get(id) ?? 5n)
        const tamper = rnd(5) === 0
        const bad = tamper ? (`${proof.slice(0, 10)}${proof[10] === '0' ? '1' : '0'}${proof.slice(11)}` as Hex) : proof
        await send(w, 'fulfil', [id, bad, signals])
        break
      }
      case 8: await send(w, rnd(2) ? 'slash' : 'refund', [id]); break
      case 9: {
        const r = await f.read('getRequest', [id])
        const owner = actors.find((a) => a.account.address === r.requester) ?? w
        if (rnd(2)) {
          const add = 1n + big(3000)
          await send(owner, 'raiseMaxPrice', [id, r.offer.maxPrice + add], add)
        } else await send(owner, 'extendDeadline', [id, r.offer.lockDeadline + big(2) * big(10), r.offer.deadline + big(50)])
        break
      }
      default: await f.warp((await f.now()) + 1n + big(35))
    }

    // Invariant 1: the contract's ETH is exactly what it owes (balances + live escrow) plus what it burned.
    let owed = await f.read('burned')
    for (const a of addrs) owed += await f.read('balanceOf', [a])
    const lockedBy = new Map<string, bigint>()
    const paidPerStatement = new Map<string, number>()
    for (const i of ids) {
      owed += await f.read('escrowOf', [i])
      const r = await f.read('getRequest', [i])
      // Invariant 5: a statement (round, inputs) is paid through at most one request.
      if (r.status === 4) {
        const k = `${r.offer.round}:${inputOf.get(i)}`
        paidPerStatement.set(k, (paidPerStatement.get(k) ?? 0) + 1)
        assert.equal(paidPerStatement.get(k), 1, `step ${step}: statement ${k} paid twice`)
      }
      if (r.status === 2) lockedBy.set(r.prover, (lockedBy.get(r.prover) ?? 0n) + r.heldCollateral)
      // Invariant 3: settled at most once, and terminal states match the one settlement.
      const ev = settled.get(i) ?? []
      assert.ok(ev.length <= 1, `request ${i} settled ${ev.length} times: ${ev}`)
      if (r.status === 4) assert.deepEqual(ev, ['RequestFulfilled'])
      if (r.status === 5) assert.deepEqual(ev, ['RequestRefunded'])
      if (r.status < 4) assert.equal(ev.length, 0)
    }
    const eth = await f.client.getBalance({ address: f.market.address })
    assert.equal(eth, owed, `step ${step}: contract ETH ${eth} ≠ owed ${owed}`)
    // Invariant 2: ETH only moves between these accounts and the market, minus gas.
    assert.equal((await ethOf()) + gasSpent, total0, `step ${step}: ETH created or lost`)
    // Invariant 4: each prover's locked total is the collateral of the requests it holds locked.
    for (const a of addrs) assert.equal(await f.read('lockedOf', [a]), lockedBy.get(a) ?? 0n, `step ${step}: lockedOf ${a}`)
  }
  t.diagnostic(JSON.stringify(tally))
  // The run must have exercised the interesting transitions, not just reverts.
  for (const k of ['submitRequest ok', 'lock ok', 'fulfil ok', 'fulfil ✗InvalidProof'])
    assert.ok((tally[k] ?? 0) > 0, `no "${k}" in ${JSON.stringify(tally)}`)
  const refundedOrSlashed = (tally['refund ok'] ?? 0) + (tally['slash ok'] ?? 0)
  assert.ok(refundedOrSlashed > 0, `no refund/slash in ${JSON.stringify(tally)}`)
})
