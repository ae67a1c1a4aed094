// The ezkl backend end to end, on the real ezkl wheel (installed into .venv on first use), real
// anvil, real Redis: `zkml compile --backend ezkl` → `zkml prove` / `zkml verify`; the Halo2
// verifier behind IZkmlVerifier accepts the proof in a ProvedFeed and refuses it tampered or
// replayed to another subject or round; a pool-risk round proved through the network by an ezkl
// worker reaches `latestRoundData`. One compile (logrows ≤ 12) serves every test.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, http, type Abi, type Address, type Hex, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { anvilWallet, chainWriter } from '../support/chain.ts'
import { projectContract } from '../../src/chain/projectContracts.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { modelRegistration, registerArgs } from '../../src/chain/modelRegistration.ts'
import { encodeJobProof } from '../../src/chain/encodeJobProof.ts'
import { sha256Hex, type CircuitManifest } from '../../src/compiler/index.ts'
import { spawnZkml } from './prover-helpers.ts'

const model = new URL('../../models/pool-risk/', import.meta.url).pathname
const samples = JSON.parse(readFileSync(join(model, 'samples.json'), 'utf8')) as number[][]
const SUBJECT = 0xa11ce0000000000000000000000000000000beefn // a full 160-bit subject, as a pool address is
let dir = ''
let out = ''
let manifest: CircuitManifest
let proofDoc: { backend: string; proof: { hexProof: Hex }; publicSignals: string[]; outputs: number[] }

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ezkl-backend-'))
  out = join(dir, 'pool-risk-ezkl')
  const p = spawnZkml(['compile', join(model, 'model.onnx'), '--backend', 'ezkl', '--calibrate', join(model, 'samples.json'), '--out', out, '--max-logrows', '12', '--name', 'pool-risk-ezkl'])
  assert.equal(await p.exited, 0, p.lines.join('\n'))
  manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
})
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('zkml compile --backend ezkl writes the R1CS kind of manifest; zkml prove/verify work on it; replay to another subject or round fails', { timeout: 300_000 }, async () => {
  assert.equal(manifest.backend, 'ezkl')
  assert.equal(manifest.modelHash, sha256Hex(readFileSync(join(model, 'model.onnx'))))
  assert.equal(manifest.circuitHash, sha256Hex(readFileSync(join(out, 'network.ezkl'))))
  assert.equal(manifest.ezkl!.srs.provenance, 'testOnly')
  assert.equal(manifest.artifacts.srs!.sha256, sha256Hex(readFileSync(join(out, 'kzg.srs'))))
  assert.ok(manifest.ezkl!.settings.logrows <= 12)
  assert.equal(manifest.ezkl!.settings.inputVisibility, 'public')
  assert.equal(manifest.tools.ezkl, '23.0.5')
  assert.deepEqual(manifest.publicSignals.slice(-2), [{ kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }])
  assert.equal(manifest.publicSignals.filter((s) => s.kind === 'input').length, 12)
  assert.equal(manifest.fidelity.samples, samples.length)
  assert.ok(manifest.fidelity.maxAbsError < 0.5, `ezkl vs onnxruntime max error ${manifest.fidelity.maxAbsError}`)

  writeFileSync(join(dir, 'input.json'), JSON.stringify(samples[0]))
  const proofPath = join(dir, 'proof.json')
  const prove = spawnZkml(['prove', out, '--input', join(dir, 'input.json'), '--subject', `0x${SUBJECT.toString(16)}`, '--round', '3', '--out', proofPath])
  assert.equal(await prove.exited, 0, prove.lines.join('\n'))
  assert.match(prove.lines.join('\n'), /self-check ok/)
  proofDoc = JSON.parse(readFileSync(proofPath, 'utf8'))
  assert.equal(proofDoc.backend, 'ezkl')
  assert.deepEqual(proofDoc.publicSignals.slice(-2), [SUBJECT.toString(), '3'])

  const verify = async (doc: unknown) => {
    const f = join(dir, `v-${Math.random()}.json`)
    writeFileSync(f, JSON.stringify(doc))
    const p = spawnZkml(['verify', out, f])
    return { code: await p.exited, out: p.lines.join('\n') }
  }
  const replay = (i: number, v: string) => ({ ...proofDoc, publicSignals: proofDoc.publicSignals.map((s, j) => (j === i ? v : s)) })
  const n = proofDoc.publicSignals.length
  assert.deepEqual(await verify(proofDoc), { code: 0, out: 'proof OK' })
  assert.equal((await verify(replay(n - 1, '4'))).code, 1, 'round 4')
  assert.equal((await verify(replay(n - 2, (SUBJECT + 1n).toString()))).code, 1, 'another subject')
  assert.equal((await verify(replay(n - 2, (SUBJECT + (1n << 160n)).toString()))).code, 1, 'a subject that aliases the limbs')
  assert.equal((await verify(replay(0, (BigInt(proofDoc.publicSignals[0]!) + 1n).toString()))).code, 1, 'another output')
  const h = proofDoc.proof.hexProof
  assert.equal((await verify({ ...proofDoc, proof: { ...proofDoc.proof, hexProof: `${h.slice(0, 200)}${h[200] === '0' ? '1' : '0'}${h.slice(201)}` } })).code, 1, 'tampered proof')
})

test('on anvil: the ezkl verifier behind IZkmlVerifier feeds a ProvedFeed; tampered and replayed proofs are refused; gas measured', { timeout: 300_000 }, async (t) => {
  assert.ok(proofDoc, 'the CLI test made the proof')
  let anvil: AnvilInstance | undefined
  t.after(() => anvil?.stop())
  anvil = await startAnvil()
  const pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  const wallet = anvilWallet(anvil.rpcUrl)
  const clients = { wallet, publicClient: pub }
  const compiled = JSON.parse(readFileSync(join(out, 'Verifier.json'), 'utf8')) as { abi: Abi & unknown[]; bytecode: Hex }
  const verifier = await deployContract(clients, compiled)
  const signals = proofDoc.publicSignals.map(BigInt)
  const proof = encodeJobProof('ezkl', proofDoc.proof)
  const call = (p: Hex, s: bigint[]) => pub.readContract({ address: verifier, abi: compiled.abi, functionName: 'verify', args: [p, s] }) as Promise<boolean>
  assert.equal(await call(proof, signals), true)
  assert.equal(await pub.readContract({ address: verifier, abi: compiled.abi, functionName: 'publicSignalCount' }), BigInt(signals.length))
  const verifyGas = await pub.estimateContractGas({ address: verifier, abi: compiled.abi, functionName: 'verify', args: [proof, signals] })

  const registry = await deployContract(clients, projectContract('ModelRegistry'))
  const write = chainWriter(() => clients)
  await write(registry, projectContract('ModelRegistry').abi, 'register', registerArgs('pool-risk-ezkl', verifier, modelRegistration(manifest)))
  const feedFor = (subject: bigint) => deployContract(clients, projectContract('ProvedFeed'), [{
    registry, modelId: 0n, subject, outputIndex: 0, decimals: 8, description: 'pool-risk (ezkl)',
    heartbeat: 3600, minAnswer: -(10n ** 20n), maxAnswer: 10n ** 20n, upgradeDelay: 86400, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  const feedAbi = projectContract('ProvedFeed').abi
  const feed = await feedFor(SUBJECT)
  const other = await feedFor(SUBJECT + 1n)
  for (const f of [feed, other]) await write(f, feedAbi, 'setReporter', [wallet.account.address, true])

  const flip = (h: Hex, at: number): Hex => `${h.slice(0, at)}${h[at] === '0' ? '1' : '0'}${h.slice(at + 1)}` as Hex
  const refused = (f: Address, p: Hex, s: bigint[], why: RegExp) => assert.rejects(write(f, feedAbi, 'update', [p, s]), why)
  await refused(feed, flip(proof, 300), signals, /InvalidProof/)
  const withRound = signals.map((v, i) => (i === signals.length - 1 ? 4n : v))
  await refused(feed, proof, withRound, /InvalidProof/)
  // Replayed to the other pool's feed: as is, the subject is wrong; relabelled, the proof fails.
  await refused(other, proof, signals, /WrongSubject/)
  await refused(other, proof, signals.map((v, i) => (i === signals.length - 2 ? SUBJECT + 1n : v)), /InvalidProof/)

  const receipt = await write(feed, feedAbi, 'update', [proof, signals])
  const [roundId, answer] = await pub.readContract({ address: feed, abi: feedAbi, functionName: 'latestRoundData' })
  assert.equal(roundId, 3n)
  assert.ok(Math.abs(Number(answer) / 1e8 - proofDoc.outputs[0]!) < 1e-6, `answer ${answer} vs proved ${proofDoc.outputs[0]}`)
  console.log(`ezkl gas: verify ${verifyGas}, feed update ${receipt.gasUsed} (proof ${(proof.length - 2) / 2} bytes, ${signals.length} signals)`)
  assert.ok(receipt.gasUsed > 200_000n && receipt.gasUsed < 2_000_000n, `feed update gas ${receipt.gasUsed}`)
})

test('network: an ezkl worker proves a pool-risk round, the coordinator verifies it, the oracle posts it and latestRoundData reads it', { timeout: 600_000 }, async (t) => {
  const { startLocalStack } = await import('../../src/demo/localStack.ts')
  const { Oracle, StateStore, chainPoolAdapter, httpProverClient, memoryLogger } = await import('../../src/oracle/index.ts')
  const { registerBody, deletePrefix } = await import('./prover-helpers.ts')
  const { connectRedis } = await import('../../src/network/index.ts')
  const { decodeOutputs } = await import('../../src/compiler/index.ts')
  const stack = await startLocalStack({ workers: 1 })
  t.after(async () => {
    const redis = await connectRedis({ url: stack.redisUrl }).catch(() => undefined)
    if (redis) {
      await deletePrefix(redis, stack.prefix)
      redis.disconnect()
    }
    await stack.stop()
  })
  const pub = createPublicClient({ chain: foundry, transport: http(stack.anvil.rpcUrl) }) as PublicClient
  const wallet = anvilWallet(stack.anvil.rpcUrl)
  const clients = { wallet, publicClient: pub }
  const write = chainWriter(() => clients)

  // The worker advertises ezkl (the wheel is in .venv) and the circuit routes to the ezkl class.
  const workers = (await (await fetch(`${stack.apiUrl}/workers`)).json()) as { workers: { hardware: { backends: string[] } }[] }
  assert.ok(workers.workers.some((w) => w.hardware.backends.includes('ezkl')), JSON.stringify(workers).slice(0, 300))
  const reg = await fetch(`${stack.apiUrl}/circuits`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
    body: JSON.stringify(await registerBody(out)),
  })
  const regJson = (await reg.json()) as { circuit?: { id: string } }
  assert.equal(reg.status, 201, JSON.stringify(regJson))

  const compiled = JSON.parse(readFileSync(join(out, 'Verifier.json'), 'utf8')) as { abi: Abi & unknown[]; bytecode: Hex }
  const verifier = await deployContract(clients, compiled)
  const registry = await deployContract(clients, projectContract('ModelRegistry'))
  await write(registry, projectContract('ModelRegistry').abi, 'register', registerArgs('pool-risk-ezkl', verifier, modelRegistration(manifest)))
  const { timestamp } = await pub.getBlock()
  const poolAbi = projectContract('MockYieldPool').abi
  const pool = await deployContract(clients, projectContract('MockYieldPool'), [timestamp - 200n * 86_400n, 85])
  await write(pool, poolAbi, 'setTvl', [5_000_000n, 4_800_000n])
  for (const bps of [450, 520, 480, 610]) await write(pool, poolAbi, 'recordApy', [bps])
  await write(pool, poolAbi, 'setMarket', [7200, 100_400_000n, 100_000_000n])
  await write(pool, poolAbi, 'setRiskFacts', [85, 3500, 3000])
  const feedAbi = projectContract('ProvedFeed').abi
  const feed = await deployContract(clients, projectContract('ProvedFeed'), [{
    registry, modelId: 0n, subject: BigInt(pool), outputIndex: 0, decimals: 8, description: 'pool-risk (ezkl) / pool',
    heartbeat: 3600, minAnswer: -(10n ** 20n), maxAnswer: 10n ** 20n, upgradeDelay: 86400, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, feedAbi, 'setReporter', [wallet.account.address, true])

  const log = memoryLogger()
  const oracle = new Oracle({
    feeds: [{ id: 'pool-risk-ezkl', address: feed, circuitId: regJson.circuit!.id, backend: 'ezkl', adapter: chainPoolAdapter(pub, pool), orders: { heartbeatS: 3600, deviationBps: 50 } }],
    prover: httpProverClient({ baseUrl: stack.apiUrl, apiKey: stack.apiKey }),
    chain: clients, store: new StateStore(join(dir, 'oracle-state.json')), log, proveTimeoutMs: 400_000,
  })
  const [outcome] = await oracle.tick()
  const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v))
  assert.equal(outcome!.status, 'posted', show([outcome, log.entries.slice(-4)]))
  const proved = oracle.latestProved('pool-risk-ezkl')!
  assert.equal(BigInt(proved.publicSignals.at(-2)!), BigInt(pool), 'the proof names the pool')
  const [roundId, answer] = await pub.readContract({ address: feed, abi: feedAbi, functionName: 'latestRoundData' })
  assert.equal(roundId, 1n)
  const fromProof = decodeOutputs(manifest, proved.publicSignals)[0]!
  assert.ok(Math.abs(Number(answer) / 1e8 - fromProof) < 1e-6, `feed ${answer} vs proof ${fromProof}`)
  // The coordinator judged it: the job is verified, not merely handed in.
  const jobs = (await (await fetch(`${stack.apiUrl}/jobs?limit=5`)).json()) as { jobs: { jobId: string; status: string }[] }
  const job = jobs.jobs.find((j) => j.status === 'verified')
  assert.ok(job, JSON.stringify(jobs).slice(0, 300))
  // An auditor's re-verify through the API (the explorer's button) works for ezkl proofs too.
  const again = (await (await fetch(`${stack.apiUrl}/jobs/${job.jobId}/verify`, { method: 'POST' })).json()) as { valid: boolean; matchesJob: boolean; backend: string }
  assert.deepEqual([again.backend, again.valid, again.matchesJob], ['ezkl', true, true], JSON.stringify(again))
})

test('ProofMarket with ezkl: an ezkl worker locks a request, proves it through the network, the Halo2 verifier accepts it and the prover is paid once', { timeout: 600_000 }, async (t) => {
  const { startMarketFixture } = await import('./market-fixture.ts')
  const { connectRedis, CircuitRegistry, CircuitCache, Coordinator, LocalArtifactStore, ProverQueue } = await import('../../src/network/index.ts')
  const { ProverWorker, ezklEngine, detectHardware } = await import('../../src/prover/index.ts')
  const { inputsCommitment, inputSignalsOf, marketHooks } = await import('../../src/market/index.ts')
  const { registerBody, deletePrefix, testPrefix, until } = await import('./prover-helpers.ts')
  const f = await startMarketFixture()
  const redis = await connectRedis()
  const prefix = testPrefix('market-ezkl')
  const store = new LocalArtifactStore(join(dir, 'market-store'))
  const registry = new CircuitRegistry(redis, prefix, store)
  const engine = await ezklEngine()
  const conn = redis.duplicate()
  let worker: InstanceType<typeof ProverWorker> | undefined
  const coordinator = new Coordinator({ redis, prefix, circuits: new CircuitCache({ registry, store, engine, workDir: join(dir, 'market-coord') }), engine })
  const queue = new ProverQueue({ redis, prefix, registry, attempts: 3, backoffMs: 200 })
  t.after(async () => {
    await worker?.stop().catch(() => {})
    await coordinator.close().catch(() => {})
    await queue.close().catch(() => {})
    await deletePrefix(redis, prefix)
    conn.disconnect()
    redis.disconnect()
    await f.stop()
    await engine.terminate?.() // the in-process engine's Python bridge would keep this file's process alive
    // startMarketFixture made its Groth16 keys and proofs with snarkjs, whose worker threads do the same.
    const { terminateSnark } = await import('../../src/compiler/snark/index.ts')
    await terminateSnark()
  })
  const body = await registerBody(out)
  const bytes = Object.fromEntries(Object.entries(body.artifacts).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]))
  const circuitId = (await registry.register(body.manifest, bytes)).id as Hex
  // The ezkl verifier behind IZkmlVerifier, registered on the market under the network's circuit id.
  const compiled = JSON.parse(readFileSync(join(out, 'Verifier.json'), 'utf8')) as { abi: Abi & unknown[]; bytecode: Hex }
  const verifier = await deployContract({ wallet: f.wallets[0]!, publicClient: f.client }, compiled)
  await f.write(f.wallets[0]!, 'registerCircuit', [circuitId, verifier, manifest.outputs.length])
  coordinator.start()

  const input = samples[1]!
  const inputsHash = inputsCommitment(inputSignalsOf(manifest, input))
  const { id, offer } = await f.submit(f.wallets[0]!, { circuitId, round: 7n, subject: 42n, inputsHash })
  const events: string[] = []
  const prover = f.wallets[2]!
  const before = await f.read('balanceOf', [prover.account.address])
  const hooks = marketHooks({
    wallet: prover, client: f.client, market: f.market.address, backendOf: () => 'ezkl', pollMs: 100,
    inputsHashOf: (job) => inputsCommitment(inputSignalsOf(manifest, job.input)),
    onEvent: (e) => { events.push(e.event) },
  })
  worker = new ProverWorker({
    redis: conn, prefix, store, engine, hardware: await detectHardware({ noGpu: true }), hooks, id: 'market-ezkl-w',
    lockDurationMs: 30_000, stalledIntervalMs: 5_000, pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 300,
  })
  await worker.start()
  const { jobId } = await queue.submit({ circuitId, input, subject: '42', round: String(offer.round) })
  await until(async () => events.includes('fulfilled'), 300_000, `an ezkl fulfilment (events: ${events.join(', ')})`)
  assert.ok(events.indexOf('locked') < events.indexOf('fulfilled'), events.join(', '))
  const r = await f.read('getRequest', [id])
  assert.equal(r.status, 4, 'fulfilled')
  assert.equal(r.prover, prover.account.address)
  const paid = (await f.client.getContractEvents({ address: f.market.address, abi: f.market.abi, eventName: 'RequestFulfilled', fromBlock: 0n }))
    .filter((e) => (e.args as { id: bigint }).id === id)
  assert.equal(paid.length, 1, 'paid exactly once')
  assert.ok((await f.read('balanceOf', [prover.account.address])) > before, 'the prover earned its price back with its collateral')
  // The coordinator judged the same proof: the job is verified, not merely handed in.
  const rec = await until(async () => { const j = await coordinator.jobs.get(jobId); return j?.status === 'verified' && j }, 60_000, 'job verified')
  assert.equal(rec.status, 'verified')
})
