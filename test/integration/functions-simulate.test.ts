import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { concat, createPublicClient, encodePacked, http, parseEventLogs, sha256, type Address, type Hex, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import type { FastifyInstance } from 'fastify'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainWriter, type TestWallet } from '../support/chain.ts'
import { projectContract } from '../../src/chain/projectContracts.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { decodeRevert } from '../../src/chain/decodeRevert.ts'
import { provedFixture, type ProvedFixture } from '../../src/dev/provedFixture.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import {
  Oracle, StateStore, createRoundServer, fileAdapter, inProcessProverClient, memoryLogger,
  provedRoundArgs,
} from '../../src/oracle/index.ts'
import { simulateProvedRound } from '../../src/dev/functionsSimulator.ts'
import { writeFileSync } from 'node:fs'

// The Functions source runs in the toolkit's Deno simulator (Deno from npm) against our real round API,
// which serves a round the oracle really proved (Groth16) and posted to a ProvedFeed on anvil.
const SUBJECT = 0xabcn
let dir: string
let anvil: AnvilInstance
let pub: PublicClient
let owner: TestWallet
let router: TestWallet
let fx: ProvedFixture
let feed: Address
let registry: Address
let oracle: Oracle
let server: FastifyInstance
let baseUrl: string
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
const feedAbi = () => projectContract('ProvedFeed').abi
const consumerAbi = () => projectContract('ProvedFunctionsConsumer').abi
const write = chainWriter(() => ({ wallet: owner, publicClient: pub }))
const args = () => provedRoundArgs({ baseUrl, feedId: 'pool', outputIndex: 0, subjectIndex: 3, roundIndex: 4, scaleBits: 8, decimals: 8 })

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functions-it-'))
  anvil = await startAnvil()
  pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  owner = anvilWallet(anvil.rpcUrl, 0)
  router = anvilWallet(anvil.rpcUrl, 2)
  const clients = { wallet: owner, publicClient: pub }
  fx = await provedFixture('groth16', 1, 2, 'FunctionsTestVerifier')
  const verifier = await deployContract(clients, fx.verifier)
  registry = await deployContract(clients, projectContract('ModelRegistry'))
  await write(registry, projectContract('ModelRegistry').abi, 'register',
    ['pool-risk', `0x${'11'.repeat(32)}`, verifier, fx.vkHash, 0, { nOutputs: 1, nInputs: 2, subjectIndex: 3, roundIndex: 4, scaleBits: 8 }])
  feed = await deployContract(clients, projectContract('ProvedFeed'), [{
    registry, modelId: 0n, subject: SUBJECT, outputIndex: 0, decimals: 8, description: 'risk', heartbeat: 3600,
    minAnswer: -(10n ** 12n), maxAnswer: 10n ** 12n, upgradeDelay: 0, owner: owner.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, feedAbi(), 'setReporter', [owner.account.address, true])
  const inputsPath = join(dir, 'inputs.json')
  writeFileSync(inputsPath, JSON.stringify([1.5, 4])) // x0 - x1 = -2.5: a negative answer through every layer
  const prover = inProcessProverClient(async (req) => {
    const { proof, publicSignals } = await fx.prove(req.input.map((x) => BigInt(Math.round(x * 256))), BigInt(req.subject), BigInt(req.round))
    return { proof, publicSignals: publicSignals.map(String) }
  })
  oracle = new Oracle({
    feeds: [{ id: 'pool', address: feed, circuitId: `0x${'11'.repeat(32)}`, backend: 'groth16', inputScaleBits: 8, adapter: fileAdapter(inputsPath, 2), orders: { heartbeatS: 3600, deviationBps: 50 } }],
    prover, chain: { publicClient: pub, wallet: owner }, store: new StateStore(), log: memoryLogger(),
  })
  server = createRoundServer((id) => oracle.latestProved(id))
  await server.listen({ host: '127.0.0.1', port: 0 })
  baseUrl = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
})
after(async () => {
  await server?.close()
  await anvil?.stop()
  await terminateSnark()
  rmSync(dir, { recursive: true, force: true })
})

test('round API answers 404 with a stable code before the first round', async () => {
  const res = await fetch(`${baseUrl}/feeds/pool/latest`)
  assert.equal(res.status, 404)
  assert.equal(((await res.json()) as { code: string }).code, 'ROUND_NOT_FOUND')
})

test('simulateScript runs the Functions source against the round API and returns the proved round in 160 bytes', async () => {
  const [posted] = await oracle.tick()
  assert.equal(posted!.status, 'posted', show(posted))
  const [roundId, answer] = await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'latestRoundData' })
  assert.equal(answer, -250_000_000n)

  const r = await simulateProvedRound(args())
  assert.equal((r.raw.length - 2) / 2, 160)
  assert.equal(r.answer, answer)
  assert.equal(r.round, roundId)
  assert.equal(r.subject, SUBJECT)
  assert.equal(r.modelVersion, 1n)
  const view = oracle.latestProved('pool')!
  const commitment = sha256(concat([view.proof, encodePacked(['uint256[]'], [view.publicSignals.map(BigInt)])]))
  assert.equal(r.commitment, commitment)
  const info = (await pub.readContract({ address: feed, abi: feedAbi(), functionName: 'roundInfo', args: [roundId] })) as { commitment: Hex }
  assert.equal(r.commitment, info.commitment, 'the DON result commits to the very proof the feed verified')

  // The consumer decodes and stores it, cross-checked against the feed.
  const consumer = await deployContract({ wallet: owner, publicClient: pub }, projectContract('ProvedFunctionsConsumer'), [{
    router: router.account.address, feed, subject: SUBJECT, registry, modelId: 0n, outputIndex: 0, decimals: 8, maxRoundJump: 0n, resetDelay: 0,
  }])
  const id1 = `0x${'01'.repeat(32)}` as Hex
  await write(consumer, consumerAbi(), 'trackRequest', [id1])
  try {
    await pub.simulateContract({ address: consumer, abi: consumerAbi(), functionName: 'handleOracleFulfillment', args: [id1, r.raw, '0x'], account: owner.account })
    assert.fail('a non-router caller was accepted')
  } catch (e) {
    assert.equal(decodeRevert(e)?.name, 'OnlyRouter')
  }
  await write(consumer, consumerAbi(), 'handleOracleFulfillment', [id1, r.raw, '0x'], router)
  const latest = await pub.readContract({ address: consumer, abi: consumerAbi(), functionName: 'latest' })
  assert.equal(latest[0], answer)
  assert.equal(latest[1], roundId)
  assert.equal(latest[3], commitment)
  assert.equal(latest[6], true, 'verified against the on-chain feed')

  // Round 2: a result whose answer was altered in transit no longer matches the feed's commitment.
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify([3, 1]))
  const [second] = await oracle.tick()
  assert.equal(second!.status, 'posted', show(second))
  const r2 = await simulateProvedRound(args())
  assert.equal(r2.answer, 200_000_000n)
  const forged = (`0x${'0'.repeat(63)}9${r2.raw.slice(2 + 64)}`) as Hex
  const reasons = async (id: Hex, bytes: Hex) => {
    await write(consumer, consumerAbi(), 'trackRequest', [id])
    const rc = await write(consumer, consumerAbi(), 'handleOracleFulfillment', [id, bytes, '0x'], router)
    return (parseEventLogs({ abi: consumerAbi(), logs: rc.logs, eventName: 'ResponseRejected' }) as unknown as { args: { reason: string } }[]).map((e) => e.args.reason)
  }
  assert.deepEqual(await reasons(`0x${'02'.repeat(32)}`, forged), ['commitment mismatch'])
  assert.deepEqual(await reasons(`0x${'03'.repeat(32)}`, r.raw), ['stale round'], 'an older round is not accepted after a newer one')
  assert.deepEqual(await reasons(`0x${'04'.repeat(32)}`, r2.raw), [])
  assert.equal((await pub.readContract({ address: consumer, abi: consumerAbi(), functionName: 'latest' }))[0], 200_000_000n)
  const id2 = `0x${'05'.repeat(32)}` as Hex
  try {
    await pub.simulateContract({ address: consumer, abi: consumerAbi(), functionName: 'handleOracleFulfillment', args: [id2, r.raw, '0x'], account: router.account })
    assert.fail('an untracked request id was accepted')
  } catch (e) {
    assert.equal(decodeRevert(e)?.name, 'UnexpectedRequestId')
  }
})

test('the Functions source fails cleanly when the round API has nothing for the feed', async () => {
  await assert.rejects(
    simulateProvedRound(provedRoundArgs({ baseUrl, feedId: 'nope', outputIndex: 0, subjectIndex: 3, roundIndex: 4, scaleBits: 8, decimals: 8 })),
    (e: unknown) => (e as { code?: string }).code === 'FUNCTIONS_SIMULATION_FAILED' && /round API failed/.test(String((e as { details?: string }).details)),
  )
})
