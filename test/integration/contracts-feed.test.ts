import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  createPublicClient, http, keccak256, encodePacked, sha256, concat, parseEventLogs,
  type Address, type Hex, type PublicClient,
} from 'viem'
import { foundry } from 'viem/chains'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainReverts, chainWriter, type TestWallet } from '../support/chain.ts'
import { projectContract } from '../../src/chain/projectContracts.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { provedFixture, type ProvedFixture } from '../../src/dev/provedFixture.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { P } from '../../src/compiler/field.ts'

// One anvil, one registry, real Groth16 verifiers for the fixture circuit: 1 output (x0 - x1), 2 inputs,
// subject, round → 5 public signals. scaleBits 8: input 5*256 means 5.0.
const SCALE = 8
const POOL_A = 0xa11cen
const POOL_B = 0xb0bn
let anvil: AnvilInstance
let pub: PublicClient
let wallet: TestWallet
let other: TestWallet
let fx: ProvedFixture
let fx2: ProvedFixture
let registry: Address
let verifier: Address
let verifier2: Address
const feedAbi = () => projectContract('ProvedFeed').abi
const registryAbi = () => projectContract('ModelRegistry').abi

const clients = () => ({ wallet, publicClient: pub })
const write = chainWriter(clients)
const revertOf = chainReverts(clients)
const layout = { nOutputs: 1, nInputs: 2, subjectIndex: 3, roundIndex: 4, scaleBits: SCALE }

async function deployFeed(subject: bigint, opts: { modelId?: bigint; min?: bigint; max?: bigint; heartbeat?: number; delay?: number } = {}) {
  const feed = await deployContract(clients(), projectContract('ProvedFeed'), [{
    registry, modelId: opts.modelId ?? 0n, subject, outputIndex: 0, decimals: 8, description: `risk / pool ${subject}`,
    heartbeat: opts.heartbeat ?? 3600, minAnswer: opts.min ?? -(10n ** 12n), maxAnswer: opts.max ?? 10n ** 12n,
    upgradeDelay: opts.delay ?? 86400, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, feedAbi(), 'setReporter', [wallet.account.address, true])
  return feed
}
const inputs = (a: number, b: number) => [BigInt(a * 256), BigInt(b * 256)]
async function warp(seconds: number) {
  await pub.request({ method: 'evm_increaseTime' as never, params: [seconds] as never })
  await pub.request({ method: 'evm_mine' as never, params: [] as never })
}

before(async () => {
  anvil = await startAnvil()
  pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  wallet = anvilWallet(anvil.rpcUrl, 0)
  other = anvilWallet(anvil.rpcUrl, 1)
  fx = await provedFixture('groth16', 1, 2, 'FeedTestVerifierA')
  fx2 = await provedFixture('groth16', 1, 2, 'FeedTestVerifierB') // same circuit, other keys: model v2
  verifier = await deployContract(clients(), fx.verifier)
  verifier2 = await deployContract(clients(), fx2.verifier)
  registry = await deployContract(clients(), projectContract('ModelRegistry'))
  await write(registry, registryAbi(), 'register', ['pool-risk', `0x${'11'.repeat(32)}`, verifier, fx.vkHash, 0, layout])
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
})

test('registry: append-only versions, layout checked against the verifier, family ownership', async () => {
  const m = (await pub.readContract({ address: registry, abi: registryAbi(), functionName: 'model', args: [0n] })) as { version: number; verifier: Address; layout: typeof layout }
  assert.equal(m.version, 1)
  assert.equal(m.verifier.toLowerCase(), verifier.toLowerCase())
  assert.deepEqual(await revertOf(registry, registryAbi(), 'register', ['x', `0x${'11'.repeat(32)}`, verifier, fx.vkHash, 0, { ...layout, nInputs: 3, subjectIndex: 4, roundIndex: 5 }]),
    { name: 'LayoutMismatch', args: [5n, 6n] })
  assert.equal((await revertOf(registry, registryAbi(), 'register', ['x', `0x${'11'.repeat(32)}`, verifier, fx.vkHash, 0, { ...layout, subjectIndex: 1 }])).name, 'BadLayout')
  assert.equal((await revertOf(registry, registryAbi(), 'register', ['x', `0x${'11'.repeat(32)}`, registry, fx.vkHash, 0, layout])).name, 'NotAVerifier')
  assert.equal((await revertOf(registry, registryAbi(), 'register', ['pool-risk', `0x${'11'.repeat(32)}`, verifier2, fx2.vkHash, 0, layout], other)).name, 'NotFamilyOwner')
  assert.deepEqual(await revertOf(registry, registryAbi(), 'model', [99n]), { name: 'UnknownModel', args: [99n] })
  await write(registry, registryAbi(), 'register', ['pool-risk', `0x${'33'.repeat(32)}`, verifier2, fx2.vkHash, 0, layout])
  assert.deepEqual(await pub.readContract({ address: registry, abi: registryAbi(), functionName: 'versions', args: ['pool-risk'] }), [0n, 1n])
  // A feed for an unregistered model cannot be deployed.
  await assert.rejects(deployFeed(POOL_A, { modelId: 42n }), (e: unknown) => (e as { code?: string }).code === 'CONTRACT_DEPLOY_FAILED')
})

test('feed: a real proof posts a round readable through AggregatorV3Interface, with an audit event', async () => {
  const feed = await deployFeed(POOL_A)
  const { proof, publicSignals } = await fx.prove(inputs(5, 3), POOL_A, 1n)
  const receipt = await write(feed, feedAbi(), 'update', [proof, publicSignals])
  const [roundId, answer, startedAt, updatedAt, answeredInRound] = await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'latestRoundData' })
  assert.equal(roundId, 1n)
  assert.equal(answer, 2n * 10n ** 8n) // 5.0 - 3.0 with 8 decimals
  assert.equal(answeredInRound, 1n)
  assert.equal(startedAt, updatedAt)
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'decimals' }), 8)
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'description' }), `risk / pool ${POOL_A}`)
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'version' }), 1n)
  const ev = parseEventLogs({ abi: feedAbi(), logs: receipt.logs, eventName: 'RoundProved' })[0] as unknown as { args: Record<string, unknown> }
  const audit = ev.args.audit as Record<string, Hex>
  assert.equal(ev.args.roundId, 1n)
  assert.equal(ev.args.modelVersion, 1)
  assert.equal(ev.args.rawOutput, 512n)
  assert.equal(audit.proofHash, keccak256(proof))
  assert.equal(audit.signalsHash, keccak256(encodePacked(['uint256[]'], [publicSignals])))
  assert.equal(audit.inputsHash, keccak256(encodePacked(['uint256[]'], [publicSignals.slice(1, 3)])))
  const commitment = sha256(concat([proof, encodePacked(['uint256[]'], [publicSignals])]))
  assert.equal(audit.commitment, commitment)
  const info = (await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'roundInfo', args: [1n] })) as { commitment: Hex }
  assert.equal(info.commitment, commitment)
  assert.equal(parseEventLogs({ abi: feedAbi(), logs: receipt.logs, eventName: 'AnswerUpdated' }).length, 1)

  // Negative outputs: field elements above P/2.
  const neg = await fx.prove(inputs(3, 5), POOL_A, 2n)
  assert.equal(neg.publicSignals[0], P - 512n)
  await write(feed, feedAbi(), 'update', [neg.proof, neg.publicSignals])
  const [, negAnswer] = await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'getRoundData', args: [2n] })
  assert.equal(negAnswer, -2n * 10n ** 8n)
  assert.deepEqual(await revertOf(feed, feedAbi(), 'getRoundData', [7n]), { name: 'NoDataPresent', args: [7n] })
})

test('feed rejects tampered proofs, other pools\' proofs, replays, strangers and out-of-bounds answers by name', async () => {
  const feedA = await deployFeed(POOL_A, { min: -(10n ** 9n), max: 10n ** 9n }) // answers within ±10.0
  const feedB = await deployFeed(POOL_B)
  const good = await fx.prove(inputs(4, 1), POOL_A, 5n)
  // Flip one byte of the proof: still well-formed, no longer valid.
  const tampered = (`0x${good.proof.slice(2, 60)}${good.proof[60] === 'f' ? 'e' : 'f'}${good.proof.slice(61)}`) as Hex
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [tampered, good.publicSignals]), { name: 'InvalidProof', args: [] })
  // Same proof, one model input changed: the proof does not cover these inputs.
  const forged = [...good.publicSignals]; forged[1] = forged[1]! + 1n
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [good.proof, forged]), { name: 'InvalidProof', args: [] })
  // Same proof, output rewritten.
  const lie = [...good.publicSignals]; lie[0] = 9n * 256n
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [good.proof, lie]), { name: 'InvalidProof', args: [] })
  // A valid proof for pool A is not accepted by pool B's feed.
  assert.deepEqual(await revertOf(feedB, feedAbi(), 'update', [good.proof, good.publicSignals]), { name: 'WrongSubject', args: [POOL_B, POOL_A] })
  // ... nor can a relabelled subject pass: the proof binds it.
  const relabelled = [...good.publicSignals]; relabelled[3] = POOL_B
  assert.deepEqual(await revertOf(feedB, feedAbi(), 'update', [good.proof, relabelled]), { name: 'InvalidProof', args: [] })
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [good.proof, good.publicSignals.slice(0, 4)]), { name: 'SignalCountMismatch', args: [5n, 4n] })
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [good.proof, good.publicSignals], other), { name: 'NotReporter', args: [other.account.address] })

  await write(feedA, feedAbi(), 'update', [good.proof, good.publicSignals])
  // Replays: the same round again, and an older valid proof.
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [good.proof, good.publicSignals]), { name: 'StaleRound', args: [5n, 5n] })
  const older = await fx.prove(inputs(4, 2), POOL_A, 3n)
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [older.proof, older.publicSignals]), { name: 'StaleRound', args: [3n, 5n] })
  // A valid proof whose answer is outside the feed's bounds.
  const big = await fx.prove(inputs(20, 1), POOL_A, 6n)
  assert.deepEqual(await revertOf(feedA, feedAbi(), 'update', [big.proof, big.publicSignals]), { name: 'AnswerOutOfBounds', args: [19n * 10n ** 8n, -(10n ** 9n), 10n ** 9n] })
})

test('model upgrade is announced and applies only after the timelock; old-model proofs then fail', async () => {
  const feed = await deployFeed(POOL_A, { delay: 3600 })
  const v1 = await fx.prove(inputs(2, 1), POOL_A, 1n)
  await write(feed, feedAbi(), 'update', [v1.proof, v1.publicSignals])
  assert.equal((await revertOf(feed, feedAbi(), 'announceModelUpgrade', [1n], other)).name, 'NotOwner')
  assert.deepEqual(await revertOf(feed, feedAbi(), 'announceModelUpgrade', [9n]), { name: 'UnknownModel', args: [9n] })
  assert.deepEqual(await revertOf(feed, feedAbi(), 'applyModelUpgrade', []), { name: 'NoPendingUpgrade', args: [] })
  await write(feed, feedAbi(), 'announceModelUpgrade', [1n])
  assert.equal((await revertOf(feed, feedAbi(), 'applyModelUpgrade', [])).name, 'UpgradeNotReady')
  // Until it applies, v1 proofs still post.
  const v1b = await fx.prove(inputs(2, 1), POOL_A, 2n)
  await write(feed, feedAbi(), 'update', [v1b.proof, v1b.publicSignals])
  await warp(3601)
  await write(feed, feedAbi(), 'applyModelUpgrade', [], other) // anyone may apply
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'modelId' }), 1n)
  const oldKeys = await fx.prove(inputs(2, 1), POOL_A, 3n)
  assert.deepEqual(await revertOf(feed, feedAbi(), 'update', [oldKeys.proof, oldKeys.publicSignals]), { name: 'InvalidProof', args: [] })
  const v2 = await fx2.prove(inputs(2, 1), POOL_A, 3n)
  const receipt = await write(feed, feedAbi(), 'update', [v2.proof, v2.publicSignals])
  const ev = parseEventLogs({ abi: feedAbi(), logs: receipt.logs, eventName: 'RoundProved' })[0] as unknown as { args: { modelVersion: number } }
  assert.equal(ev.args.modelVersion, 2)
})

test('SafeFeedReader: reads a fresh in-range answer; refuses stale, out-of-range and empty feeds', async () => {
  const feed = await deployFeed(POOL_A, { heartbeat: 600 })
  const reader = await deployContract(clients(), projectContract('SafeFeedReader'), [feed, 600n, 0n, 5n * 10n ** 8n])
  const readerAbi = projectContract('SafeFeedReader').abi
  assert.deepEqual(await revertOf(feed, feedAbi(), 'latestRoundData', []), { name: 'NoDataPresent', args: [0n] })
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'isStale' }), true)
  const r = await fx.prove(inputs(3, 1), POOL_A, 1n)
  await write(feed, feedAbi(), 'update', [r.proof, r.publicSignals])
  assert.equal(await pub.readContract({ address: reader, abi: readerAbi, functionName: 'read' }), 2n * 10n ** 8n)
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'isStale' }), false)
  await warp(601)
  assert.equal(await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'isStale' }), true)
  assert.equal((await revertOf(reader, readerAbi, 'read', [])).name, 'StaleAnswer')
  const neg = await fx.prove(inputs(1, 3), POOL_A, 2n)
  await write(feed, feedAbi(), 'update', [neg.proof, neg.publicSignals])
  assert.deepEqual(await revertOf(reader, readerAbi, 'read', []), { name: 'AnswerOutOfRange', args: [-2n * 10n ** 8n, 0n, 5n * 10n ** 8n] })
})

test('PLONK verifier behind the same interface: a feed accepts its proof and rejects a tampered one', async () => {
  const plonk = await provedFixture('plonk', 1, 2, 'FeedTestPlonk')
  const v = await deployContract(clients(), plonk.verifier)
  const rc = await write(registry, registryAbi(), 'register', ['pool-risk-plonk', `0x${'55'.repeat(32)}`, v, plonk.vkHash, 0, layout])
  const modelId = (parseEventLogs({ abi: registryAbi(), logs: rc.logs, eventName: 'ModelRegistered' })[0] as unknown as { args: { modelId: bigint } }).args.modelId
  const feed = await deployFeed(POOL_A, { modelId })
  const p = await plonk.prove(inputs(7, 2), POOL_A, 1n)
  const bad = [...p.publicSignals]; bad[2] = bad[2]! + 1n
  assert.deepEqual(await revertOf(feed, feedAbi(), 'update', [p.proof, bad]), { name: 'InvalidProof', args: [] })
  await write(feed, feedAbi(), 'update', [p.proof, p.publicSignals])
  const [, answer] = await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'latestRoundData' })
  assert.equal(answer, 5n * 10n ** 8n)
})
