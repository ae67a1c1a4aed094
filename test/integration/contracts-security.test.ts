import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  concat, createPublicClient, getAddress, encodeAbiParameters, encodePacked, http, parseEventLogs, sha256,
  type Abi, type ContractFunctionArgs, type ContractFunctionName, type ContractFunctionReturnType, type Address, type Hex, type PublicClient,
} from 'viem'
import { foundry } from 'viem/chains'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainReverts, chainWriter, type TestWallet } from '../support/chain.ts'
import { auditFeed } from '../../src/chain/auditFeed.ts'
import { compileSolidity } from '../../src/compiler/solidity/compileSolidity.ts'
import { projectContract } from '../../src/chain/projectContracts.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { modelRegistration, registerArgs } from '../../src/chain/modelRegistration.ts'
import { provedFixture, type ProvedFixture } from '../../src/dev/provedFixture.ts'
import { P } from '../../src/compiler/field.ts'
import { sha256Hex } from '../../src/compiler/hash.ts'
import { circuitId } from '../../src/compiler/circuitId.ts'
import { manifestPostprocessing, parseManifest, type CircuitManifest } from '../../src/compiler/manifest.ts'
import { writeR1cs } from '../../src/compiler/r1cs/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'

// Issue 11 items 3, 5, 12, 13 on a real anvil with real Groth16/PLONK verifiers of the fixture circuit:
// 1 output (x0 - x1), 2 inputs, subject, round → 5 public signals, scaleBits 8.
const SUBJECT = 0xa11cen
const ZERO = `0x${'00'.repeat(20)}` as Address
let anvil: AnvilInstance
let pub: PublicClient
let wallet: TestWallet
let other: TestWallet
let fx: ProvedFixture
let registry: Address
let verifier: Address
let dir: string
const feedAbi = () => projectContract('ProvedFeed').abi
const registryAbi = () => projectContract('ModelRegistry').abi
const consumerAbi = () => projectContract('ProvedFunctionsConsumer').abi
const layout = { nOutputs: 1, nInputs: 2, subjectIndex: 3, roundIndex: 4, scaleBits: 8 }
const inputs = (a: number, b: number) => [BigInt(a * 256), BigInt(b * 256)]

const clients = () => ({ wallet, publicClient: pub })
const write = chainWriter(clients)
const revertOf = chainReverts(clients)
const read = <const abi extends Abi, fn extends ContractFunctionName<abi, 'view' | 'pure'>>(address: Address, abi: abi, functionName: fn, args?: ContractFunctionArgs<abi, 'view' | 'pure', fn>) =>
  pub.readContract({ address, abi, functionName, args } as never) as Promise<ContractFunctionReturnType<abi, 'view' | 'pure', fn>>
const updateArgs = (p: { proof: Hex; publicSignals: bigint[] }) => [p.proof, p.publicSignals] as const
async function warp(seconds: number) {
  await pub.request({ method: 'evm_increaseTime' as never, params: [seconds] as never })
  await pub.request({ method: 'evm_mine' as never, params: [] as never })
}
async function register(name: string, v: Address, vkHash: Hex, postprocess = 0): Promise<bigint> {
  const rc = await write(registry, registryAbi(), 'register', [name, `0x${'11'.repeat(32)}`, v, vkHash, postprocess, layout])
  return (parseEventLogs({ abi: registryAbi(), logs: rc.logs, eventName: 'ModelRegistered' })[0] as unknown as { args: { modelId: bigint } }).args.modelId
}
async function deployFeed(modelId: bigint, opts: { maxRoundJump?: bigint; resetDelay?: number } = {}) {
  const feed = await deployContract(clients(), projectContract('ProvedFeed'), [{
    registry, modelId, subject: SUBJECT, outputIndex: 0, decimals: 8, description: 'risk / pool', heartbeat: 3600,
    minAnswer: -(10n ** 12n), maxAnswer: 10n ** 12n, upgradeDelay: 0, owner: wallet.account.address,
    maxRoundJump: opts.maxRoundJump ?? 0n, resetDelay: opts.resetDelay ?? 0,
  }])
  await write(feed, feedAbi(), 'setReporter', [wallet.account.address, true])
  return feed
}
const latestRound = async (feed: Address) => (await read(feed, feedAbi(), 'latestRoundData'))[0]

// Stand-ins for a hostile model owner's verifier: accepts every proof; the second also claims a vkHash.
const hostileSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract AcceptAll {
    function verify(bytes calldata, uint256[] calldata) external pure returns (bool) { return true; }
    function publicSignalCount() external pure returns (uint256) { return 5; }
}
contract LyingAcceptAll {
    bytes32 internal immutable h;
    constructor(bytes32 claimed) { h = claimed; }
    function verify(bytes calldata, uint256[] calldata) external pure returns (bool) { return true; }
    function publicSignalCount() external pure returns (uint256) { return 5; }
    function vkHash() external view returns (bytes32) { return h; }
}`
let hostile: ReturnType<typeof compileSolidity>

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'contracts-sec-'))
  anvil = await startAnvil()
  pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  wallet = anvilWallet(anvil.rpcUrl, 0)
  other = anvilWallet(anvil.rpcUrl, 1)
  fx = await provedFixture('groth16', 1, 2, 'SecTestVerifier')
  verifier = await deployContract(clients(), fx.verifier)
  registry = await deployContract(clients(), projectContract('ModelRegistry'))
  await register('pool-risk', verifier, fx.vkHash)
  hostile = compileSolidity({ 'Hostile.sol': hostileSource })
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
  rmSync(dir, { recursive: true, force: true })
})

test('item 3: one update with round 2^80-1 no longer freezes a ProvedFeed (rounds jump by at most maxRoundJump)', async () => {
  const feed = await deployFeed(0n)
  assert.equal(await read(feed, feedAbi(), 'maxRoundJump'), 1_000_000n, 'the documented default')
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 1n)))
  const huge = await fx.prove(inputs(5, 3), SUBJECT, 2n ** 80n - 1n) // a valid proof of a huge round
  assert.deepEqual(await revertOf(feed, feedAbi(), 'update', [huge.proof, huge.publicSignals]),
    { name: 'RoundJumpTooLarge', args: [2n ** 80n - 1n, 1n, 1_000_000n] })
  const over = await fx.prove(inputs(5, 3), SUBJECT, 1_000_002n)
  assert.equal((await revertOf(feed, feedAbi(), 'update', [over.proof, over.publicSignals])).name, 'RoundJumpTooLarge')
  // The feed still takes the next round, and the largest allowed jump.
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 2n)))
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 1_000_002n)))
  assert.equal(await latestRound(feed), 1_000_002n)
})

test('item 3: the owner recovers a feed through a timelocked reset: only the owner, only after the delay', async () => {
  const feed = await deployFeed(0n, { maxRoundJump: 1000n, resetDelay: 3600 })
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 1n)))
  // A bad (but in-bound) jump gets in: round 1000.
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(9, 0), SUBJECT, 1000n)))
  assert.deepEqual(await revertOf(feed, feedAbi(), 'proposeRoundReset', [1n], other), { name: 'NotOwner', args: [other.account.address] })
  assert.deepEqual(await revertOf(feed, feedAbi(), 'proposeRoundReset', [1000n]), { name: 'BadResetRound', args: [1000n, 1000n] })
  assert.deepEqual(await revertOf(feed, feedAbi(), 'executeRoundReset', []), { name: 'NoPendingReset', args: [] })
  // Propose, cancel: nothing pending any more.
  await write(feed, feedAbi(), 'proposeRoundReset', [1n])
  await write(feed, feedAbi(), 'cancelRoundReset', [])
  assert.deepEqual(await revertOf(feed, feedAbi(), 'executeRoundReset', []), { name: 'NoPendingReset', args: [] })
  const rc = await write(feed, feedAbi(), 'proposeRoundReset', [1n])
  const proposed = parseEventLogs({ abi: feedAbi(), logs: rc.logs, eventName: 'RoundResetProposed' })[0] as unknown as { args: { fromRound: bigint; toRound: bigint; eta: bigint } }
  assert.equal(proposed.args.fromRound, 1000n)
  assert.equal(proposed.args.toRound, 1n)
  assert.equal((await revertOf(feed, feedAbi(), 'executeRoundReset', [])).name, 'ResetNotReady')
  await warp(1800)
  assert.equal((await revertOf(feed, feedAbi(), 'executeRoundReset', [])).name, 'ResetNotReady')
  await warp(1801)
  assert.deepEqual(await revertOf(feed, feedAbi(), 'executeRoundReset', [], other), { name: 'NotOwner', args: [other.account.address] })
  const done = await write(feed, feedAbi(), 'executeRoundReset', [])
  assert.equal(parseEventLogs({ abi: feedAbi(), logs: done.logs, eventName: 'RoundReset' }).length, 1)
  assert.equal(await latestRound(feed), 1n)
  assert.deepEqual(await revertOf(feed, feedAbi(), 'getRoundData', [1000n]), { name: 'NoDataPresent', args: [1000n] })
  // Rounds flow again; the discarded round 1000 stays discarded once later rounds pass its number.
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 2n)))
  await write(feed, feedAbi(), 'update', updateArgs(await fx.prove(inputs(5, 3), SUBJECT, 1001n)))
  assert.equal(await latestRound(feed), 1001n)
  assert.deepEqual(await revertOf(feed, feedAbi(), 'getRoundData', [1000n]), { name: 'NoDataPresent', args: [1000n] })
  assert.equal((await read(feed, feedAbi(), 'getRoundData', [2n]))[1], 2n * 10n ** 8n)
})

test('item 3: an unverified Functions response with round 2^256-1 no longer freezes ProvedFunctionsConsumer; rounds need a verified proof', async () => {
  const router = anvilWallet(anvil.rpcUrl, 2)
  const consumer = await deployContract(clients(), projectContract('ProvedFunctionsConsumer'), [{
    router: router.account.address, feed: ZERO, subject: SUBJECT, registry, modelId: 0n, outputIndex: 0, decimals: 8, maxRoundJump: 0n, resetDelay: 3600,
  }])
  let n = 0
  const respond = async (answer: bigint, round: bigint, commitment: Hex) => {
    const id = `0x${(++n).toString(16).padStart(64, '0')}` as Hex
    await write(consumer, consumerAbi(), 'trackRequest', [id])
    const bytes = encodeAbiParameters([{ type: 'int256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }], [answer, round, SUBJECT, commitment, 1n])
    const rc = await write(consumer, consumerAbi(), 'handleOracleFulfillment', [id, bytes, '0x'], router)
    return {
      rejected: (parseEventLogs({ abi: consumerAbi(), logs: rc.logs, eventName: 'ResponseRejected' }) as unknown as { args: { reason: string } }[]).map((e) => e.args.reason),
      pending: parseEventLogs({ abi: consumerAbi(), logs: rc.logs, eventName: 'ResponsePending' }).length,
      stored: parseEventLogs({ abi: consumerAbi(), logs: rc.logs, eventName: 'ResultStored' }).length,
    }
  }
  const latest = async () => (await read(consumer, consumerAbi(), 'latest'))[1] as bigint
  const commit = (p: { proof: Hex; publicSignals: bigint[] }) => sha256(concat([p.proof, encodePacked(['uint256[]'], [p.publicSignals])]))

  // The attack: a response naming round 2^256-1, with no proof behind it.
  assert.deepEqual(await respond(1n, 2n ** 256n - 1n, `0x${'ab'.repeat(32)}`), { rejected: ['round jump'], pending: 0, stored: 0 })
  assert.equal(await latest(), 0n)
  // Even an in-bound response is only a candidate until its proof is verified.
  const p1 = await fx.prove(inputs(5, 3), SUBJECT, 1n)
  assert.deepEqual(await respond(2n * 10n ** 8n, 1n, commit(p1)), { rejected: [], pending: 1, stored: 0 })
  assert.equal(await latest(), 0n, 'an unverified response does not move the consumer')
  // A second response for the same round cannot evict the first.
  assert.equal((await respond(5n, 1n, `0x${'ef'.repeat(32)}`)).pending, 1)
  const garbage = `0x${'01'.repeat(256)}` as Hex
  assert.equal((await revertOf(consumer, consumerAbi(), 'confirm', [garbage, p1.publicSignals], other)).name, 'NoCandidate')
  const other2 = await fx.prove(inputs(6, 3), SUBJECT, 1n) // a valid proof, but not the one the response committed to
  assert.equal((await revertOf(consumer, consumerAbi(), 'confirm', [other2.proof, other2.publicSignals], other)).name, 'NoCandidate')
  await write(consumer, consumerAbi(), 'confirm', [p1.proof, p1.publicSignals], other) // anyone may confirm
  const stored = await read(consumer, consumerAbi(), 'latest')
  assert.equal(stored[0], 2n * 10n ** 8n)
  assert.equal(stored[1], 1n)
  assert.equal(stored[4], 1n, 'the model version is the registry\'s')
  assert.equal(stored[6], true)
  // A bad but in-bound round (a proved round 1000) gets in; the owner undoes it through the timelock.
  const far = await fx.prove(inputs(5, 3), SUBJECT, 1000n)
  await respond(2n * 10n ** 8n, 1000n, commit(far))
  await write(consumer, consumerAbi(), 'confirm', [far.proof, far.publicSignals])
  assert.equal(await latest(), 1000n)
  assert.deepEqual(await revertOf(consumer, consumerAbi(), 'proposeRoundReset', [1n], other), { name: 'NotOwner', args: [other.account.address] })
  await write(consumer, consumerAbi(), 'proposeRoundReset', [1n])
  assert.equal((await revertOf(consumer, consumerAbi(), 'executeRoundReset', [])).name, 'ResetNotReady')
  await warp(3601)
  assert.deepEqual(await revertOf(consumer, consumerAbi(), 'executeRoundReset', [], other), { name: 'NotOwner', args: [other.account.address] })
  await write(consumer, consumerAbi(), 'executeRoundReset', [])
  const reset = await read(consumer, consumerAbi(), 'latest')
  assert.equal(reset[1], 1n)
  assert.equal(reset[6], false, 'no verified value until the next round')
  // A response whose answer is not what its proof computes is refused at confirmation.
  const p2 = await fx.prove(inputs(5, 3), SUBJECT, 2n)
  await respond(9n * 10n ** 8n, 2n, commit(p2))
  assert.deepEqual(await revertOf(consumer, consumerAbi(), 'confirm', [p2.proof, p2.publicSignals]), { name: 'AnswerMismatch', args: [9n * 10n ** 8n, 2n * 10n ** 8n] })
  // The jump bound holds for in-range rounds too.
  assert.deepEqual((await respond(1n, 1_000_002n, `0x${'cd'.repeat(32)}`)).rejected, ['round jump'])
})

test('item 5: the accept-all verifier from the issue cannot be registered, nor one reporting another vkHash', async () => {
  const acceptAll = await deployContract(clients(), hostile['Hostile.sol:AcceptAll']!)
  assert.deepEqual(await revertOf(registry, registryAbi(), 'register', ['pool-risk-evil', `0x${'11'.repeat(32)}`, acceptAll, fx.vkHash, 0, layout], other),
    { name: 'NotAVerifier', args: [getAddress(acceptAll)] })
  const wrongKey = await deployContract(clients(), hostile['Hostile.sol:LyingAcceptAll']!, [`0x${'77'.repeat(32)}`])
  assert.deepEqual(await revertOf(registry, registryAbi(), 'register', ['pool-risk-evil', `0x${'11'.repeat(32)}`, wrongKey, fx.vkHash, 0, layout], other),
    { name: 'VkHashMismatch', args: [fx.vkHash, `0x${'77'.repeat(32)}`] })
  assert.equal((await revertOf(registry, registryAbi(), 'register', ['pool-risk-evil', `0x${'11'.repeat(32)}`, verifier, `0x${'00'.repeat(32)}`, 0, layout], other)).name, 'ZeroHash')
})

test('item 5: a verifier whose code changes after registration is refused by the feed and the registry', async () => {
  const v = await deployContract(clients(), fx.verifier)
  const modelId = await register('pool-risk-codehash', v, fx.vkHash)
  const feed = await deployFeed(modelId)
  const good = await fx.prove(inputs(5, 3), SUBJECT, 1n)
  await write(feed, feedAbi(), 'update', [good.proof, good.publicSignals])
  // The address now runs accept-all code (as a self-destructed and redeployed verifier would).
  const acceptAll = await deployContract(clients(), hostile['Hostile.sol:AcceptAll']!)
  await pub.request({ method: 'anvil_setCode' as never, params: [v, await pub.getCode({ address: acceptAll })] as never })
  const garbage = `0x${'01'.repeat(256)}` as Hex
  const forged = [...good.publicSignals]; forged[0] = 999n * 256n; forged[4] = 2n
  assert.equal((await revertOf(feed, feedAbi(), 'update', [garbage, forged])).name, 'VerifierCodeChanged')
  assert.equal((await revertOf(registry, registryAbi(), 'verify', [modelId, garbage, forged])).name, 'VerifierCodeChanged')
  assert.equal(await latestRound(feed), 1n)
})

/** A circuit directory for the fixture, as zkml compile writes it (manifest, ONNX stand-in, r1cs, keys, verifier). */
function writeCircuitDir(out: string, f: ProvedFixture, postprocess: 'none' | 'sigmoid' = 'none'): CircuitManifest {
  const files = {
    onnx: ['model.onnx', new TextEncoder().encode('fixture model bytes standing in for an ONNX file')],
    r1cs: ['circuit.r1cs', writeR1cs(f.circuit.r1cs)],
    vkey: ['verification_key.json', new TextEncoder().encode(JSON.stringify(f.vkey, null, 1))],
    verifierBytecode: ['Verifier.json', new TextEncoder().encode(JSON.stringify({ contractName: 'SecTestVerifier', ...f.verifier }))],
  } as const
  const artifacts: Record<string, { file: string; sha256: Hex; bytes: number }> = {}
  for (const [k, [file, bytes]] of Object.entries(files)) {
    writeFileSync(join(out, file), bytes)
    artifacts[k] = { file, sha256: sha256Hex(bytes), bytes: bytes.length }
  }
  const m = parseManifest({
    manifestVersion: 1, name: 'fixture', modelHash: artifacts.onnx!.sha256, circuitHash: artifacts.r1cs!.sha256, backend: 'groth16', curve: 'bn128',
    quantization: { scaleBits: 8, activationBits: 20, sigmoid: postprocess === 'sigmoid' ? 'outside' : 'proved', target: 'accuracy' },
    inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y', shape: [1] }],
    publicSignals: [
      { kind: 'output', name: 'y', index: 0, scaleBits: 8, ...(postprocess === 'sigmoid' ? { postprocess: 'sigmoid' } : {}) },
      { kind: 'input', name: 'x', index: 0, scaleBits: 8 }, { kind: 'input', name: 'x', index: 1, scaleBits: 8 },
      { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' },
    ],
    constraints: 3, wires: 8, vkHash: f.vkHash,
    postprocessing: postprocess === 'sigmoid' ? { output: 'logits', function: 'sigmoid' } : { output: 'value', function: 'none' },
    fidelity: { reference: 'none', samples: 0, maxAbsError: 0, meanAbsError: 0, tolerance: 0 }, artifacts, tools: {}, createdAt: new Date(0).toISOString(),
  })
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(m, null, 2))
  return m
}
function zkmlAudit(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

test('item 5: zkml audit verifies every link of an honest deployment and names the broken link of a tampered one', async () => {
  const honestDir = join(dir, 'honest')
  mkdirSync(honestDir)
  const manifest = writeCircuitDir(honestDir, fx)
  const v = await deployContract(clients(), fx.verifier)
  const rc = await write(registry, registryAbi(), 'register', registerArgs('audited', v, modelRegistration(manifest)))
  const modelId = (parseEventLogs({ abi: registryAbi(), logs: rc.logs, eventName: 'ModelRegistered' })[0] as unknown as { args: { modelId: bigint } }).args.modelId
  const feed = await deployFeed(modelId)

  const honest = await auditFeed({ rpcUrl: anvil.rpcUrl, feed, manifestDir: honestDir })
  assert.deepEqual(honest.links.map((l) => `${l.status} ${l.link}`), [
    'verified chain → feed', 'verified feed → registry', 'verified registry → verifier code', 'verified registry → verifier vkHash',
    'verified registry → manifest', 'verified manifest → verifier code', 'verified manifest → verification key', 'verified manifest → circuit', 'verified manifest → ONNX',
  ])
  assert.equal(honest.ok, true)
  const cli = zkmlAudit([feed, '--rpc', anvil.rpcUrl, '--manifest', honestDir])
  assert.equal(cli.code, 0, cli.out)
  assert.match(cli.out, /verified\s+manifest → ONNX/)

  // Tampered: the accept-all verifier from the issue, claiming the real vkHash, registered under the real hashes.
  const liar = await deployContract(clients(), hostile['Hostile.sol:LyingAcceptAll']!, [fx.vkHash])
  const rc2 = await write(registry, registryAbi(), 'register', registerArgs('audited-evil', liar, modelRegistration(manifest)), other)
  const evilId = (parseEventLogs({ abi: registryAbi(), logs: rc2.logs, eventName: 'ModelRegistered' })[0] as unknown as { args: { modelId: bigint } }).args.modelId
  const evilFeed = await deployFeed(evilId)
  const evil = await auditFeed({ rpcUrl: anvil.rpcUrl, feed: evilFeed, manifestDir: honestDir })
  assert.deepEqual(evil.links.filter((l) => l.status === 'broken').map((l) => l.link), ['manifest → verifier code'])
  const cliEvil = zkmlAudit([evilFeed, '--rpc', anvil.rpcUrl, '--manifest', honestDir])
  assert.equal(cliEvil.code, 1, cliEvil.out)
  assert.match(cliEvil.out, /broken\s+manifest → verifier code/)
  assert.match(cliEvil.out, /1 broken link\(s\): manifest → verifier code/)
  assert.doesNotMatch(cliEvil.out, /\n\s+at /, 'no stack trace')

  // Tampered: the ONNX file beside the manifest is not the one registered.
  const swapped = join(dir, 'swapped')
  cpSync(honestDir, swapped, { recursive: true })
  writeFileSync(join(swapped, 'model.onnx'), 'another model')
  const r = await auditFeed({ rpcUrl: anvil.rpcUrl, feed, manifestDir: swapped })
  assert.deepEqual(r.links.filter((l) => l.status === 'broken').map((l) => l.link), ['manifest → ONNX'])

  // Without a manifest only the on-chain links are checked.
  const bare = await auditFeed({ rpcUrl: anvil.rpcUrl, feed })
  assert.equal(bare.links.filter((l) => l.status === 'skipped').length, 5)
  assert.equal(bare.ok, true)
  // Not a feed.
  const notFeed = await auditFeed({ rpcUrl: anvil.rpcUrl, feed: v })
  assert.equal(notFeed.links[0]!.status, 'broken')
  assert.equal(zkmlAudit(['0x1234', '--rpc', anvil.rpcUrl]).code, 1)
})

test('issue 12: one circuit identity: the registry stores circuitId(manifest), the feed names it, audit refuses another manifest', async () => {
  const mine = join(dir, 'identity')
  mkdirSync(mine)
  const manifest = writeCircuitDir(mine, fx)
  const id = circuitId(manifest)
  const v = await deployContract(clients(), fx.verifier)
  const rc = await write(registry, registryAbi(), 'register', registerArgs('identity', v, modelRegistration(manifest)))
  const ev = parseEventLogs({ abi: registryAbi(), logs: rc.logs, eventName: 'ModelRegistered' })[0]!.args
  assert.equal(ev.circuitId, id, 'the event carries the circuitId (indexed)')
  assert.equal((await read(registry, registryAbi(), 'model', [ev.modelId])).circuitId, id)
  const feed = await deployFeed(ev.modelId)
  assert.equal(await read(feed, feedAbi(), 'circuitId'), id, 'feed.circuitId() = registry.model(feed.modelId()).circuitId')
  const ok = await auditFeed({ rpcUrl: anvil.rpcUrl, feed, manifestDir: mine })
  assert.equal(ok.circuitId, id)
  assert.equal(ok.ok, true)

  // Another manifest over the very same artifact files (only its name differs): another circuit.
  const renamed = join(dir, 'identity-renamed')
  cpSync(mine, renamed, { recursive: true })
  const renamedManifest = { ...manifest, name: 'fixture-renamed' }
  writeFileSync(join(renamed, 'manifest.json'), JSON.stringify(renamedManifest, null, 2))
  const r = await auditFeed({ rpcUrl: anvil.rpcUrl, feed, manifestDir: renamed })
  assert.deepEqual(r.links.filter((l) => l.status === 'broken').map((l) => l.link), ['registry → manifest'])
  assert.match(r.links.find((l) => l.link === 'registry → manifest')!.detail, new RegExp(`circuitId: registered ${id}, manifest ${circuitId(renamedManifest)}`))
  // (the CLI turns a broken link into AUDIT_LINK_BROKEN: the item 5 test above)
  // A zero circuitId is refused.
  assert.equal((await revertOf(registry, registryAbi(), 'register', ['identity', `0x${'00'.repeat(32)}`, v, fx.vkHash, 0, layout])).name, 'ZeroHash')
})

test('item 12: the verifier wrappers refuse public signals >= the field order before verifying (PLONK and Groth16)', async () => {
  for (const f of [await provedFixture('plonk', 1, 2, 'SecPlonk'), fx]) {
    const v = await deployContract(clients(), f.verifier)
    const abi = f.verifier.abi
    const p = await f.prove(inputs(5, 3), SUBJECT, 1n)
    assert.equal(await read(v, abi, 'verify', [p.proof, p.publicSignals]), true)
    for (let i = 0; i < p.publicSignals.length; i++)
      for (const alias of [p.publicSignals[i]! + P, 2n ** 256n - 1n]) {
        const s = [...p.publicSignals]; s[i] = alias
        // 80k gas is far below a verification (~250k+): only an up-front refusal answers false with it.
        const { result } = await pub.simulateContract({ address: v, abi, functionName: 'verify', args: [p.proof, s], gas: 80_000n, account: wallet.account })
        assert.equal(result, false, `${f.backend} signal ${i} = ${alias}`)
      }
  }
})

test('item 13: post-processing is declared in the manifest, registered with the model and readable from the feed', async () => {
  const logits = writeCircuitDir(mkdtempSync(join(dir, 'sig-')), fx, 'sigmoid')
  assert.deepEqual(manifestPostprocessing(logits), { output: 'logits', function: 'sigmoid' })
  // Manifests written before the field: derived from the outputs' postprocess marks.
  const { postprocessing: _, ...old } = logits
  assert.deepEqual(manifestPostprocessing(old), { output: 'logits', function: 'sigmoid' })
  assert.deepEqual(manifestPostprocessing({ publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 8 }] }), { output: 'value', function: 'none' })
  assert.throws(() => parseManifest({ ...logits, postprocessing: { output: 'logits', function: 'tanh' } }), (e: unknown) => (e as { code?: string }).code === 'MANIFEST_INVALID')
  const reg = modelRegistration(logits)
  assert.equal(reg.postprocess, 1)
  const v = await deployContract(clients(), fx.verifier)
  const rc = await write(registry, registryAbi(), 'register', registerArgs('logit-model', v, reg))
  const modelId = (parseEventLogs({ abi: registryAbi(), logs: rc.logs, eventName: 'ModelRegistered' })[0] as unknown as { args: { modelId: bigint; postprocess: number } }).args
  assert.equal(modelId.postprocess, 1)
  const feed = await deployFeed(modelId.modelId)
  assert.equal(await read(feed, feedAbi(), 'postprocess'), 1, 'Sigmoid: the answer is a logit')
  assert.equal(await read(await deployFeed(0n), feedAbi(), 'postprocess'), 0, 'None: the answer is the value')
  assert.equal((await read(registry, registryAbi(), 'model', [modelId.modelId])).postprocess, 1)
})
