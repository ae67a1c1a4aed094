import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, toFunctionSelector, encodePacked, keccak256, decodeErrorResult, type ContractFunctionArgs, type ContractFunctionName, type Hex } from 'viem'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { deployContract, writeAndWait } from '../../src/chain/index.ts'
import { priceAt, offerStruct, proofMarketContract } from '../../src/market/index.ts'
import { startMarketFixture, revertName, IN5, ZERO32, type MarketFixture } from './market-fixture.ts'

let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

const Status = { Open: 1, Locked: 2, Slashed: 3, Fulfilled: 4, Refunded: 5 }
const req = (id: bigint) => f.read('getRequest', [id])
const bal = (a: Hex) => f.read('balanceOf', [a])
const addr = (i: number) => f.wallets[i]!.account.address
const requester = () => f.wallets[0]!
const proverA = () => f.wallets[1]!
const proverB = () => f.wallets[2]!

async function rejects(p: Promise<unknown>, name: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.equal(revertName(e), name, String(e))
    return true
  })
}

/** Sum of what the market owes plus what it burned, for the books-balance check after each test. */
async function assertBooksBalance() {
  const count = await f.read('requestCount')
  let owed = await f.read('burned')
  for (let i = 1n; i <= count; i++) owed += await f.read('escrowOf', [i])
  for (const w of f.wallets) owed += await bal(w.account.address)
  const eth = await f.client.getBalance({ address: f.market.address })
  // Attacker contracts' balances are the only other accounts; they are withdrawn to zero in their tests.
  assert.equal(eth, owed, 'contract ETH = balances + escrow + burned')
}

test('TS priceAt equals the contract priceAt over random offers and times', async () => {
  let seed = 7
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
  for (let k = 0; k < 8; k++) {
    const min = BigInt(rnd(1e6))
    const t0 = await f.now()
    const { id, offer } = await f.submit(requester(), {
      minPrice: min, maxPrice: min + BigInt(rnd(1e9)), rampStart: t0 + BigInt(rnd(100)), rampLength: BigInt(k === 0 ? 0 : rnd(997)),
      lockDeadline: t0 + 2000n, deadline: t0 + 3000n,
    })
    for (let j = 0; j < 12; j++) {
      const t = offer.rampStart - 5n + BigInt(rnd(Number(offer.rampLength) + 10))
      assert.equal(await f.read('priceAt', [id, t]), priceAt(offer, t), `offer ${k} at t=${t}`)
    }
  }
})

test('lock then on-time fulfil with a real proof: paid once, collateral back, excess escrow refunded', async () => {
  const { id, offer } = await f.submit(requester(), {})
  await f.write(proverA(), 'deposit', [], offer.collateral)
  const rq0 = await bal(addr(0))
  const pa0 = await bal(addr(1))
  await f.warp(offer.rampStart + 37n)
  const locked = await f.write(proverA(), 'lock', [id])
  const price = priceAt(offer, locked.blockTime)
  assert.ok(price > offer.minPrice && price < offer.maxPrice, 'locked mid-ramp')
  let r = await req(id)
  assert.equal(r.status, Status.Locked)
  assert.equal(r.prover, addr(1))
  assert.equal(r.price, price)
  assert.equal(await bal(addr(0)), rq0 + offer.maxPrice - price)
  assert.equal(await bal(addr(1)), pa0 - offer.collateral)
  assert.equal(await f.read('lockedOf', [addr(1)]), offer.collateral)

  // Double lock.
  await f.write(proverB(), 'deposit', [], offer.collateral)
  await rejects(f.write(proverB(), 'lock', [id]), 'WrongStatus')
  // Someone else's fulfilment during the lock.
  const { proof, signals } = await f.proofFor(offer.subject, offer.round)
  await rejects(f.write(proverB(), 'fulfil', [id, proof, signals]), 'NotLockHolder')

  await f.write(proverA(), 'fulfil', [id, proof, signals])
  r = await req(id)
  assert.equal(r.status, Status.Fulfilled)
  assert.equal(await bal(addr(1)), pa0 + price)
  assert.equal(await f.read('lockedOf', [addr(1)]), 0n)
  // Paid exactly once: a second fulfilment, a refund and a slash all fail.
  await rejects(f.write(proverA(), 'fulfil', [id, proof, signals]), 'WrongStatus')
  await rejects(f.write(proverA(), 'slash', [id]), 'WrongStatus')
  await f.warp(offer.deadline + 1n)
  await rejects(f.write(requester(), 'refund', [id]), 'WrongStatus')
  await assertBooksBalance()
})

test('bad proofs change nothing: tampered proof, tampered output, wrong subject/round/inputs, wrong count', async () => {
  const { proof: pi5 } = await f.proofFor(42n, 999n, 5n)
  const inputsHash = keccak256(encodePacked(['uint256'], [5n]))
  const { id, offer } = await f.submit(requester(), { inputsHash })
  await f.write(proverA(), 'lock', [id], offer.collateral)
  const { proof, signals } = await f.proofFor(offer.subject, offer.round, 5n)
  // Flip one bit in each of a few words of a real proof.
  for (const w of [0, 3, 7]) {
    const at = 2 + w * 64 + 63
    const bad = `${proof.slice(0, at)}${(parseInt(proof[at]!, 16) ^ 1).toString(16)}${proof.slice(at + 1)}` as Hex
    await rejects(f.write(proverA(), 'fulfil', [id, bad, signals]), 'InvalidProof')
  }
  // A claimed output other than the proved one.
  await rejects(f.write(proverA(), 'fulfil', [id, proof, [signals[0]! + 1n, ...signals.slice(1)]]), 'InvalidProof')
  // A valid proof for another round (replay) or another subject.
  await rejects(f.write(proverA(), 'fulfil', [id, pi5, [...(await f.proofFor(42n, 999n, 5n)).signals]]), 'PublicSignalsMismatch')
  const other = await f.proofFor(43n, offer.round, 5n)
  await rejects(f.write(proverA(), 'fulfil', [id, other.proof, other.signals]), 'PublicSignalsMismatch')
  // A valid proof on other inputs than the requester fixed.
  const otherIn = await f.proofFor(offer.subject, offer.round, 6n)
  await rejects(f.write(proverA(), 'fulfil', [id, otherIn.proof, otherIn.signals]), 'PublicSignalsMismatch')
  await rejects(f.write(proverA(), 'fulfil', [id, proof, signals.slice(1)]), 'PublicSignalsMismatch')
  const r = await req(id)
  assert.equal(r.status, Status.Locked)
  await f.write(proverA(), 'fulfil', [id, proof, signals])
  assert.equal((await req(id)).status, Status.Fulfilled)
  await assertBooksBalance()
})

test('locked collateral cannot be withdrawn; the free balance can', async () => {
  const { id, offer } = await f.submit(requester(), {})
  const free = await bal(addr(3))
  await f.write(f.wallets[3]!, 'deposit', [], offer.collateral + 7n)
  await f.write(f.wallets[3]!, 'lock', [id])
  const price = (await req(id)).price
  await rejects(f.write(f.wallets[3]!, 'withdraw', [free + offer.collateral + 7n]), 'InsufficientBalance')
  await rejects(f.write(f.wallets[3]!, 'withdraw', [free + 8n]), 'InsufficientBalance')
  const eth0 = await f.client.getBalance({ address: addr(3) })
  const { gas } = await f.write(f.wallets[3]!, 'withdraw', [free + 7n])
  assert.equal(await f.client.getBalance({ address: addr(3) }), eth0 + free + 7n - gas)
  assert.equal(await bal(addr(3)), 0n)
  assert.equal(await f.read('lockedOf', [addr(3)]), offer.collateral)
  // Let it lapse: slashed, then refunded with the reward share to the requester.
  await f.warp(offer.deadline + 1n)
  const rq0 = await bal(addr(0))
  const burned0 = await f.read('burned')
  await f.write(requester(), 'refund', [id])
  const r = await req(id)
  assert.equal(r.status, Status.Refunded)
  assert.equal(await f.read('burned'), burned0 + offer.collateral / 2n)
  assert.equal(await bal(addr(0)), rq0 + price + offer.collateral / 2n)
  assert.equal(await f.read('lockedOf', [addr(3)]), 0n)
  await assertBooksBalance()
})

test('missed lock: slash (half burned), late fulfil by another prover earns price + reward; not before lockDeadline', async () => {
  const { id, offer } = await f.submit(requester(), {})
  await f.write(proverA(), 'lock', [id], offer.collateral)
  const price = (await req(id)).price
  await rejects(f.write(f.wallets[4]!, 'slash', [id]), 'LockStillValid')
  await f.warp(offer.lockDeadline)
  const burned0 = await f.read('burned')
  const pa0 = await bal(addr(1))
  await f.write(f.wallets[4]!, 'slash', [id])
  let r = await req(id)
  assert.equal(r.status, Status.Slashed)
  assert.equal(r.heldCollateral, offer.collateral / 2n)
  assert.equal(await f.read('burned'), burned0 + offer.collateral / 2n)
  assert.equal(await f.read('lockedOf', [addr(1)]), 0n)
  await rejects(f.write(f.wallets[4]!, 'slash', [id]), 'WrongStatus')
  // After a missed lock nobody can lock again, but anyone may fulfil until the deadline.
  await rejects(f.write(proverB(), 'lock', [id]), 'WrongStatus')
  const { proof, signals } = await f.proofFor(offer.subject, offer.round)
  const pb0 = await bal(addr(2))
  await f.write(proverB(), 'fulfil', [id, proof, signals])
  r = await req(id)
  assert.equal(r.status, Status.Fulfilled)
  assert.equal(r.prover, addr(2))
  assert.equal(await bal(addr(2)), pb0 + price + offer.collateral / 2n)
  assert.equal(await bal(addr(1)), pa0, 'the slashed prover gets nothing back')
  await assertBooksBalance()
})

test('late fulfil slashes implicitly; fulfilment after the deadline fails; refund only after it', async () => {
  const { id, offer } = await f.submit(requester(), {})
  await f.write(proverA(), 'lock', [id], offer.collateral)
  await f.warp(offer.lockDeadline + 5n)
  const { proof, signals } = await f.proofFor(offer.subject, offer.round)
  await f.write(proverB(), 'fulfil', [id, proof, signals])
  const r = await req(id)
  assert.equal(r.status, Status.Fulfilled)

  const { id: id2, offer: o2 } = await f.submit(requester(), {})
  await rejects(f.write(requester(), 'refund', [id2]), 'RequestNotExpired')
  await f.warp(o2.deadline + 1n)
  const p2 = await f.proofFor(o2.subject, o2.round)
  await rejects(f.write(proverB(), 'fulfil', [id2, p2.proof, p2.signals]), 'RequestExpired')
  await rejects(f.write(proverB(), 'lock', [id2]), 'LockExpired')
  const rq0 = await bal(addr(0))
  await f.write(proverB(), 'refund', [id2]) // anyone may trigger; the requester is credited
  assert.equal(await bal(addr(0)), rq0 + o2.maxPrice)
  assert.equal((await req(id2)).status, Status.Refunded)
  await rejects(f.write(requester(), 'refund', [id2]), 'WrongStatus')
  await assertBooksBalance()
})

test('an open request can be fulfilled without a lock at the current price', async () => {
  const { id, offer } = await f.submit(requester(), {})
  await f.warp(offer.rampStart + 50n)
  const { proof, signals } = await f.proofFor(offer.subject, offer.round)
  const pb0 = await bal(addr(2))
  const rq0 = await bal(addr(0))
  const { blockTime } = await f.write(proverB(), 'fulfil', [id, proof, signals])
  const price = priceAt(offer, blockTime)
  assert.equal(await bal(addr(2)), pb0 + price)
  assert.equal(await bal(addr(0)), rq0 + offer.maxPrice - price)
  await assertBooksBalance()
})

test('requester raises the max price and extends deadlines of a live request; others cannot', async () => {
  const { id, offer } = await f.submit(requester(), {})
  await rejects(f.write(proverA(), 'raiseMaxPrice', [id, offer.maxPrice + 1000n], 1000n), 'NotRequester')
  await rejects(f.write(requester(), 'raiseMaxPrice', [id, offer.maxPrice + 1000n], 999n), 'WrongPayment')
  await rejects(f.write(requester(), 'raiseMaxPrice', [id, offer.maxPrice], 0n), 'InvalidOffer')
  await f.write(requester(), 'raiseMaxPrice', [id, offer.maxPrice + 1000n], 1000n)
  let r = await req(id)
  assert.equal(r.offer.maxPrice, offer.maxPrice + 1000n)
  assert.equal(await f.read('escrowOf', [id]), offer.maxPrice + 1000n)
  assert.equal(await f.read('priceAt', [id, offer.rampStart + offer.rampLength]), offer.maxPrice + 1000n)

  await rejects(f.write(proverA(), 'extendDeadline', [id, offer.lockDeadline + 10n, offer.deadline + 10n]), 'NotRequester')
  await rejects(f.write(requester(), 'extendDeadline', [id, offer.lockDeadline, offer.deadline - 1n]), 'InvalidOffer')
  await f.write(requester(), 'extendDeadline', [id, offer.lockDeadline + 100n, offer.deadline + 500n])
  r = await req(id)
  assert.equal(r.offer.lockDeadline, offer.lockDeadline + 100n)
  assert.equal(r.offer.deadline, offer.deadline + 500n)

  // Once locked: the price is fixed and the lock deadline belongs to the prover's deal; the deadline can still move.
  await f.write(proverA(), 'lock', [id], offer.collateral)
  await rejects(f.write(requester(), 'raiseMaxPrice', [id, offer.maxPrice + 5000n], 4000n), 'WrongStatus')
  await rejects(f.write(requester(), 'extendDeadline', [id, offer.lockDeadline + 200n, offer.deadline + 600n]), 'WrongStatus')
  await f.write(requester(), 'extendDeadline', [id, offer.lockDeadline + 100n, offer.deadline + 900n])
  assert.equal((await req(id)).offer.deadline, offer.deadline + 900n)
  // The old deadline has passed but the extended one has not: a late fulfilment still works.
  await f.warp(offer.deadline + 600n)
  const { proof, signals } = await f.proofFor(offer.subject, offer.round)
  await f.write(proverB(), 'fulfil', [id, proof, signals])
  assert.equal((await req(id)).status, Status.Fulfilled)
  await assertBooksBalance()
})

test('submitRequest validates terms: unknown circuit, min > max, deadlines, payment', async () => {
  await rejects(f.submit(requester(), { circuitId: `0x${'ee'.repeat(32)}` }), 'UnknownCircuit')
  await rejects(f.submit(requester(), { minPrice: 10n, maxPrice: 9n }), 'InvalidOffer')
  // A request must bind its inputs: "any inputs" (zero) is refused.
  await rejects(f.submit(requester(), { inputsHash: ZERO32 }), 'InvalidOffer')
  const t = await f.now()
  await rejects(f.submit(requester(), { rampStart: t + 10n, lockDeadline: t + 10n }), 'InvalidOffer')
  await rejects(f.submit(requester(), { lockDeadline: t + 500n, deadline: t + 400n }), 'InvalidOffer')
  const offer = offerStruct({ circuitId: `0x${'c1'.repeat(32)}`, subject: 1n, round: 1n, inputsHash: IN5, minPrice: 1n, maxPrice: 10n,
    rampStart: t, rampLength: 1n, lockDeadline: t + 100n, deadline: t + 200n, collateral: 0n })
  await rejects(f.write(requester(), 'submitRequest', [offer], 11n), 'WrongPayment')
  // Short payment is drawn from the caller's balance (prepaid orders), and fails when that is short too.
  await rejects(f.write(f.wallets[5]!, 'submitRequest', [offer], 9n), 'InsufficientBalance')
  await f.write(f.wallets[5]!, 'deposit', [], 1n)
  await f.write(f.wallets[5]!, 'submitRequest', [offer], 9n)
  assert.equal(await bal(addr(5)), 0n)
  assert.equal(await f.read('escrowOf', [await f.read('requestCount')]), 10n)
  await rejects(f.write(proverA(), 'registerCircuit', [`0x${'ab'.repeat(32)}`, f.verifier, 1]), 'NotOwner')
  await rejects(f.write(requester(), 'registerCircuit', [`0x${'c1'.repeat(32)}`, f.verifier, 1]), 'CircuitAlreadyRegistered')
})

async function deployAttacker(): Promise<Hex> {
  return deployContract({ wallet: f.wallets[5]!, publicClient: f.client }, { abi: f.attackerAbi, bytecode: f.attackerBytecode }, [f.market.address])
}
type MarketFn = ContractFunctionName<typeof proofMarketContract.abi>
const marketCall = <fn extends MarketFn>(functionName: fn, args?: ContractFunctionArgs<typeof proofMarketContract.abi, 'nonpayable' | 'payable' | 'view' | 'pure', fn>) =>
  encodeFunctionData({ abi: proofMarketContract.abi, functionName, args } as never)
async function attackerAct(att: Hex, data: Hex, value = 0n) {
  await writeAndWait({ wallet: f.wallets[5]!, publicClient: f.client }, { address: att, abi: f.attackerAbi, functionName: 'act', args: [data], value }) // throws unless success
}

test('re-entrancy: an attacker re-entering withdraw/lock/refund from its receive hook gets nothing extra', async () => {
  const att = await deployAttacker()
  const read = <fn extends 'attempts' | 'successes' | 'lastError'>(functionName: fn) => f.client.readContract({ address: att, abi: f.attackerAbi, functionName })
  await attackerAct(att, marketCall('deposit'), 10_000n)
  // Re-enter withdraw for the same amount while the first payout is in flight.
  await f.wallets[5]!.writeContract({ address: att, abi: f.attackerAbi, functionName: 'arm', args: [marketCall('withdraw', [10_000n]), false] })
  await attackerAct(att, marketCall('withdraw', [10_000n]))
  assert.equal(await read('attempts'), 1n)
  assert.equal(await read('successes'), 0n)
  const err = decodeErrorResult({ abi: f.market.abi, data: (await read('lastError')) as Hex })
  assert.equal(err.errorName, 'Reentrancy')
  assert.equal(await f.client.getBalance({ address: att }), 10_000n, 'got its deposit exactly once')
  assert.equal(await bal(att), 0n)

  // As a requester: refund credits the balance (no push), and re-entering lock during withdraw is refused too.
  const t = await f.now()
  const offer = offerStruct({ circuitId: `0x${'c1'.repeat(32)}`, subject: 9n, round: 9n, inputsHash: IN5, minPrice: 100n, maxPrice: 900n,
    rampStart: t + 1n, rampLength: 10n, lockDeadline: t + 20n, deadline: t + 30n, collateral: 0n })
  await attackerAct(att, marketCall('submitRequest', [offer]), 900n)
  const id = await f.read('requestCount')
  await f.warp(t + 31n)
  await attackerAct(att, marketCall('refund', [id]))
  assert.equal(await bal(att), 900n)
  await f.wallets[5]!.writeContract({ address: att, abi: f.attackerAbi, functionName: 'arm', args: [marketCall('refund', [id]), false] })
  await attackerAct(att, marketCall('withdraw', [900n]))
  assert.equal(await read('successes'), 0n)
  assert.equal(await f.client.getBalance({ address: att }), 10_900n)

  // A payout hook that reverts on a refused re-entry makes the whole withdraw revert: the balance stays put.
  await attackerAct(att, marketCall('deposit'), 500n)
  await f.wallets[5]!.writeContract({ address: att, abi: f.attackerAbi, functionName: 'arm', args: [marketCall('withdraw', [500n]), true] })
  // The attacker's ABI does not know the market's errors, so match the selector of TransferFailed(address,uint256).
  const selector = toFunctionSelector('TransferFailed(address,uint256)')
  await assert.rejects(
    f.wallets[5]!.writeContract({ address: att, abi: f.attackerAbi, functionName: 'act', args: [marketCall('withdraw', [500n])] }),
    (e: unknown) => String(e).includes(selector),
  )
  assert.equal(await bal(att), 500n)
})
