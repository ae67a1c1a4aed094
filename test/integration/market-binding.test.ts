import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mod } from '../../src/compiler/field.ts'
import { writeWtns } from '../../src/compiler/r1cs/index.ts'
import { encodeProof, prove, terminateSnark } from '../../src/compiler/snark/index.ts'
import { inputsCommitment, statementOf } from '../../src/market/index.ts'
import { startMarketFixture, revertName, circuitId, type MarketFixture } from './market-fixture.ts'

// Issue #11 item 6: a request binds the inputs it pays for, and a statement (circuit, subject, round, inputs)
// is paid at most once, whatever proof bytes carry it.
let f: MarketFixture
before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
})
after(async () => {
  await f?.stop()
  await terminateSnark()
})

const req = (id: bigint) => f.read('getRequest', [id])
const bal = (i: number) => f.read('balanceOf', [f.wallets[i]!.account.address])
const rejects = (p: Promise<unknown>, name: string) => assert.rejects(p, (e: unknown) => (assert.equal(revertName(e), name, String(e)), true))
/** A fresh Groth16 proof of the fixture circuit (new randomness each call: other bytes, same statement). */
async function freshProof(subject: bigint, round: bigint, input: bigint, x = 3n) {
  const { proof, publicSignals } = await prove('groth16', f.keys.zkey, writeWtns([1n, mod(input * x), input, subject, round, x, mod(subject * round)]))
  return { proof: encodeProof('groth16', proof), signals: publicSignals.map(BigInt) }
}

test('a request refuses a valid proof of its circuit, subject and round over other inputs; "any inputs" cannot be asked', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, { inputsHash: inputsCommitment([5n]) })
  const other = await f.proofFor(offer.subject, offer.round, 6n)
  await rejects(f.write(f.wallets[1]!, 'fulfil', [id, other.proof, other.signals]), 'PublicSignalsMismatch')
  // The proof is valid for its own statement, so only the binding refused it.
  const { id: id6 } = await f.submit(f.wallets[0]!, { round: offer.round, inputsHash: inputsCommitment([6n]) })
  await f.write(f.wallets[1]!, 'fulfil', [id6, other.proof, other.signals])
  assert.equal((await req(id6)).status, 4)
  assert.equal((await req(id)).status, 1, 'the request for input 5 is still open')
  await rejects(f.submit(f.wallets[0]!, { inputsHash: `0x${'00'.repeat(32)}` }), 'InvalidOffer')
})

test('one statement pays once: re-fulfil, a second request for it, and a re-proved (other bytes) proof are refused', async () => {
  const IN = inputsCommitment([5n])
  const { id: a, offer } = await f.submit(f.wallets[0]!, { inputsHash: IN })
  const { id: b } = await f.submit(f.wallets[3]!, { round: offer.round, inputsHash: IN }) // a second requester, same statement
  const p1 = await freshProof(offer.subject, offer.round, 5n)
  const p2 = await freshProof(offer.subject, offer.round, 5n)
  assert.notEqual(p1.proof, p2.proof, 'two proofs of one statement are different byte strings')
  assert.deepEqual(p1.signals, p2.signals)

  const before1 = await bal(1)
  await f.write(f.wallets[1]!, 'fulfil', [a, p1.proof, p1.signals])
  assert.ok((await bal(1)) > before1, 'paid for the first')
  const paid = await bal(1)
  const statement = statementOf(circuitId, offer.subject, offer.round, IN)
  const [paidBy, paidAt] = await f.read('paidStatement', [statement])
  assert.equal(paidBy, a)
  assert.ok(paidAt > 0n)
  await rejects(f.write(f.wallets[1]!, 'fulfil', [a, p1.proof, p1.signals]), 'WrongStatus') // re-fulfil
  await rejects(f.write(f.wallets[1]!, 'fulfil', [b, p1.proof, p1.signals]), 'StatementAlreadyPaid') // same proof, other request
  await rejects(f.write(f.wallets[2]!, 'fulfil', [b, p2.proof, p2.signals]), 'StatementAlreadyPaid') // other bytes, same statement
  assert.equal(await bal(1), paid)
  // A new request for a paid statement is refused up front.
  await rejects(f.submit(f.wallets[0]!, { round: offer.round, inputsHash: IN }), 'StatementAlreadyPaid')
  // The superseded request is refunded at once, before its deadline; its requester gets the whole escrow.
  const r3 = await bal(3)
  await f.write(f.wallets[4]!, 'refund', [b])
  assert.equal((await req(b)).status, 5)
  assert.equal(await bal(3), r3 + offer.maxPrice)
})

test('a lock holder on time is not slashed when its statement is paid elsewhere, even if the refund comes after its lock deadline', async () => {
  const IN = inputsCommitment([5n])
  const { id: a, offer } = await f.submit(f.wallets[0]!, { inputsHash: IN })
  const { id: b } = await f.submit(f.wallets[3]!, { round: offer.round, inputsHash: IN })
  await rejects(f.write(f.wallets[4]!, 'refund', [b]), 'RequestNotExpired')
  await f.write(f.wallets[2]!, 'lock', [b], offer.collateral)
  const locked = await f.read('lockedOf', [f.wallets[2]!.account.address])
  const p = await f.proofFor(offer.subject, offer.round, 5n)
  await f.write(f.wallets[1]!, 'fulfil', [a, p.proof, p.signals]) // open request a: anyone may fulfil
  const free = await bal(2)
  // Nobody refunds b until after its lock deadline: the locker still was not the one who failed.
  await f.warp(offer.lockDeadline + 5n)
  await f.write(f.wallets[4]!, 'refund', [b])
  assert.equal(await f.read('lockedOf', [f.wallets[2]!.account.address]), locked - offer.collateral)
  assert.equal(await bal(2), free + offer.collateral, 'collateral back, unslashed')
  assert.equal(await f.read('burned'), 0n)
})

test('a lock holder that had already missed its deadline when the statement was paid elsewhere is slashed on refund', async () => {
  const IN = inputsCommitment([5n])
  const { id: b, offer } = await f.submit(f.wallets[3]!, { inputsHash: IN })
  await f.write(f.wallets[2]!, 'lock', [b], offer.collateral)
  await f.warp(offer.lockDeadline + 1n) // the locker misses its deadline
  const { id: a } = await f.submit(f.wallets[0]!, { round: offer.round, inputsHash: IN })
  const p = await f.proofFor(offer.subject, offer.round, 5n)
  await f.write(f.wallets[1]!, 'fulfil', [a, p.proof, p.signals])
  const burned0 = await f.read('burned')
  await f.write(f.wallets[4]!, 'refund', [b])
  assert.equal((await f.read('burned')) - burned0, offer.collateral / 2n, 'half the collateral burned (burnBps 5000)')
  assert.equal((await req(b)).status, 5)
})
