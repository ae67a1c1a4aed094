// End to end: compile a 12-feature model, deploy its verifier, register it, run the prover network
// (zkml serve + a worker process on the real Redis), and let the oracle read a MockYieldPool on anvil,
// prove through the network's HTTP API and post the round. The feed's answer must equal
// onnxruntime-node's output on the same features within the manifest's fidelity tolerance.
// Two models: a small one built here (always runs; also drives `zkml oracle --once`), and the bundled
// models/pool-risk when it is in the checkout.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, http, type PublicClient } from 'viem'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys } from '../../src/dev/anvil.ts'
import { projectContract, verifierAbi } from '../../src/chain/projectContracts.ts'
import { anvilWallet, chainWriter, type TestWallet } from '../support/chain.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { registryLayout } from '../../src/chain/registryLayout.ts'
import { modelRegistration, registerArgs } from '../../src/chain/modelRegistration.ts'
import { Oracle, StateStore, chainPoolAdapter, httpProverClient, memoryLogger } from '../../src/oracle/index.ts'
import { buildOnnxModel } from '../../src/compiler/onnx/buildOnnxModel.ts'

const modelDir = new URL('../../models/pool-risk/', import.meta.url).pathname
const haveModel = existsSync(join(modelDir, 'model.onnx')) && existsSync(join(modelDir, 'samples.json'))
const skipPoolRisk = haveModel ? false : 'models/pool-risk/model.onnx and samples.json are not in this checkout (the model lands with the ONNX issue)'

let stack: Awaited<ReturnType<typeof import('../../src/demo/localStack.ts')['startLocalStack']>>
let dir = ''
let pub: PublicClient
let wallet: TestWallet
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v))

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oracle-e2e-'))
  const { startLocalStack } = await import('../../src/demo/localStack.ts')
  stack = await startLocalStack({ workers: 1 })
  pub = createPublicClient({ chain: foundry, transport: http(stack.anvil.rpcUrl) }) as PublicClient
  wallet = anvilWallet(stack.anvil.rpcUrl)
})
after(async () => {
  if (stack) {
    const { connectRedis } = await import('../../src/network/index.ts')
    const { deletePrefix } = await import('./prover-helpers.ts')
    const redis = await connectRedis({ url: stack.redisUrl }).catch(() => undefined)
    if (redis) {
      await deletePrefix(redis, stack.prefix)
      redis.disconnect()
    }
    await stack.stop()
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
  const { terminateSnark } = await import('../../src/compiler/snark/index.ts')
  await terminateSnark()
})

const write = chainWriter(() => ({ wallet, publicClient: pub }))

/** Compile → verifier → registry → pool → feed → network circuit; returns what the oracle needs. */
async function deployModel(name: string, onnx: Uint8Array, samples: number[][]) {
  const { compileCached, registerBody } = await import('./prover-helpers.ts')
  const out = join(dir, name)
  const { manifest } = await compileCached({ onnx, name, calibration: samples, backend: 'groth16', outDir: out })
  const layout = registryLayout(manifest)
  assert.equal(layout.nInputs, 12, 'the model takes the 12 pool features')
  const clients = { wallet, publicClient: pub }
  const compiled = JSON.parse(readFileSync(join(out, manifest.artifacts.verifierBytecode?.file ?? 'Verifier.json'), 'utf8')) as { bytecode: `0x${string}` }
  const verifier = await deployContract(clients, { abi: verifierAbi, bytecode: compiled.bytecode })
  const registry = await deployContract(clients, projectContract('ModelRegistry'))
  await write(registry, projectContract('ModelRegistry').abi, 'register', registerArgs(name, verifier, modelRegistration(manifest)))
  // A realistic pool (about 200 days old, $5M TVL): the assertion compares against onnxruntime on
  // exactly the features the adapter reads from it.
  const { timestamp } = await pub.getBlock()
  const pool = await deployContract(clients, projectContract('MockYieldPool'), [timestamp - 200n * 86_400n, 85])
  const poolAbi = projectContract('MockYieldPool').abi
  await write(pool, poolAbi, 'setTvl', [5_000_000n, 4_800_000n])
  for (const bps of [450, 520, 480, 610]) await write(pool, poolAbi, 'recordApy', [bps])
  await write(pool, poolAbi, 'setMarket', [7200, 100_400_000n, 100_000_000n])
  await write(pool, poolAbi, 'setRiskFacts', [85, 3500, 3000])
  const feed = await deployContract(clients, projectContract('ProvedFeed'), [{
    registry, modelId: 0n, subject: BigInt(pool), outputIndex: 0, decimals: 8, description: `${name} / pool`,
    heartbeat: 3600, minAnswer: -(10n ** 20n), maxAnswer: 10n ** 20n, upgradeDelay: 86400, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
  }])
  await write(feed, projectContract('ProvedFeed').abi, 'setReporter', [wallet.account.address, true])
  const reg = await fetch(`${stack.apiUrl}/circuits`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.apiKey}` },
    body: JSON.stringify(await registerBody(out)),
  })
  const regJson = (await reg.json()) as { circuit?: { id: string } }
  assert.equal(reg.status, 201, JSON.stringify(regJson))
  // One circuit identity: the network's id, the registry's entry and the feed all name circuitId(manifest).
  const { circuitId } = await import('../../src/compiler/circuitId.ts')
  assert.equal(regJson.circuit!.id, circuitId(manifest))
  assert.equal(await pub.readContract({ address: feed, abi: projectContract('ProvedFeed').abi, functionName: 'circuitId' }), circuitId(manifest))
  return { manifest, onnx, pool, poolAbi, feed, circuitId: regJson.circuit!.id }
}

/** Reads the feed and checks it against the proof's decoded output and onnxruntime on the pool's features. */
async function checkAgainstOnnxruntime(m: Awaited<ReturnType<typeof deployModel>>, publicSignals: string[]) {
  const { decodeOutputs } = await import('../../src/compiler/index.ts')
  const { runOnnxruntime } = await import('../../src/compiler/onnx/runOnnxruntime.ts')
  const [roundId, answer] = await pub.readContract({ address: m.feed, abi: projectContract('ProvedFeed').abi, functionName: 'latestRoundData' })
  const features = await chainPoolAdapter(pub, m.pool).read()
  const input = m.manifest.inputs[0]!
  const ort = await runOnnxruntime(m.onnx, { [input.name]: { data: Float32Array.from(features), dims: input.shape } })
  const reference = ort[m.manifest.outputs[0]!.name]![0]!
  // The feed stores the proved output signal; apply the manifest's postprocess (sigmoid applied outside
  // the circuit) exactly as decodeOutputs does for the proof's signals.
  const fromProof = decodeOutputs(m.manifest, publicSignals)[0]!
  // The feed itself says how to read its answer (ModelRegistry.Postprocess: 1 = Sigmoid, a logit).
  const postprocess = await pub.readContract({ address: m.feed, abi: projectContract('ProvedFeed').abi, functionName: 'postprocess' })
  const outSig = m.manifest.publicSignals.find((s) => s.kind === 'output') as { postprocess?: string }
  assert.equal(postprocess, outSig.postprocess === 'sigmoid' ? 1 : 0)
  const fromFeed = postprocess === 1 ? 1 / (1 + Math.exp(-Number(answer) / 1e8)) : Number(answer) / 1e8
  assert.ok(Math.abs(fromFeed - fromProof) <= 1e-7, `feed ${fromFeed} vs proof ${fromProof}`)
  assert.ok(Math.abs(fromFeed - reference) <= m.manifest.fidelity.tolerance + 1e-7,
    `feed ${fromFeed} vs onnxruntime ${reference}: expected within ${m.manifest.fidelity.tolerance}`)
  return { roundId, answer }
}

async function postOnce(m: Awaited<ReturnType<typeof deployModel>>) {
  const log = memoryLogger()
  const oracle = new Oracle({
    feeds: [{ id: m.manifest.name, address: m.feed, circuitId: m.circuitId, backend: 'groth16', adapter: chainPoolAdapter(pub, m.pool), orders: { heartbeatS: 3600, deviationBps: 50 } }],
    prover: httpProverClient({ baseUrl: stack.apiUrl, apiKey: stack.apiKey }),
    chain: { wallet, publicClient: pub }, store: new StateStore(join(dir, `${m.manifest.name}-state.json`)), log, proveTimeoutMs: 600_000,
  })
  const [outcome] = await oracle.tick()
  assert.equal(outcome!.status, 'posted', show(log.entries.slice(-3)))
  return oracle.latestProved(m.manifest.name)!
}

test('small 12-feature model: network-proved round matches onnxruntime; `zkml oracle --once` posts the next', { timeout: 600_000 }, async () => {
  const rand = (i: number) => Math.sin(i * 12.9898) * 0.5
  const onnx = buildOnnxModel({
    name: 'pool-risk-small', inputs: [{ name: 'features', shape: [1, 12] }], outputs: [{ name: 'risk', shape: [1, 1] }],
    initializers: {
      W1: { dims: [12, 4], data: Array.from({ length: 48 }, (_, i) => rand(i)) },
      b1: { dims: [4], data: [0.1, -0.1, 0.05, 0] },
      W2: { dims: [4, 1], data: [0.5, -0.3, 0.2, 0.4] },
      b2: { dims: [1], data: [0.1] },
    } as never,
    nodes: [
      { opType: 'Gemm', inputs: ['features', 'W1', 'b1'], outputs: ['h'] },
      { opType: 'Relu', inputs: ['h'], outputs: ['hr'] },
      { opType: 'Gemm', inputs: ['hr', 'W2', 'b2'], outputs: ['risk'] },
    ],
  })
  // Calibration spans the ranges the pool's features take (ln TVL 14.5-16.75, fractions, age < 1 year).
  const samples = Array.from({ length: 16 }, (_, k) => [14.5 + 0.15 * k, -0.1 + 0.07 * k, 0.05, 0.3, 0.1 + 0.01 * k, 1 + 0.1 * k, 0.7, 0.004, k % 3, 0.85, 0.05 * k, 0.35])
  const m = await deployModel('pool-risk-small', onnx, samples)
  const posted = await postOnce(m)
  const first = await checkAgainstOnnxruntime(m, posted.publicSignals)
  assert.equal(first.roundId, 1n)

  // The CLI, as an operator runs it: config file, key from the environment, one tick.
  await write(m.pool, m.poolAbi, 'setTvl', [9_000_000n, 4_800_000n])
  const config = join(dir, 'oracle.json')
  writeFileSync(config, JSON.stringify({
    rpcUrl: stack.anvil.rpcUrl, privateKeyEnv: 'E2E_ORACLE_KEY', prover: { baseUrl: stack.apiUrl, apiKeyEnv: 'E2E_API_KEY' },
    statePath: join(dir, 'cli-state.json'), proveTimeoutMs: 300_000,
    feeds: [{ id: 'cli-feed', address: m.feed, circuitId: m.circuitId, backend: 'groth16', heartbeatS: 3600, deviationBps: 1, adapter: { kind: 'chain-pool', pool: m.pool } }],
  }))
  const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'oracle', '--config', config, '--once'], {
    env: { ...process.env, E2E_ORACLE_KEY: anvilPrivateKeys[0], E2E_API_KEY: stack.apiKey }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  cli.stdout.on('data', (d) => (stdout += d))
  cli.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((r) => cli.on('exit', r))
  assert.equal(code, 0, `${stdout}\n${stderr}`)
  const outcomes = JSON.parse(stdout) as { status: string; round: string }[]
  assert.equal(outcomes[0]!.status, 'posted')
  assert.equal(outcomes[0]!.round, '2', 'the CLI took the on-chain round as its floor')
  assert.match(stderr, /"event":"round.posted"/)
  const [roundId] = await pub.readContract({ address: m.feed, abi: projectContract('ProvedFeed').abi, functionName: 'latestRoundData' })
  assert.equal(roundId, 2n)
})

test('pool-risk: oracle posts a network-proved round whose answer matches onnxruntime within tolerance', { skip: skipPoolRisk, timeout: 900_000 }, async () => {
  const onnx = new Uint8Array(readFileSync(join(modelDir, 'model.onnx')))
  const samples = JSON.parse(readFileSync(join(modelDir, 'samples.json'), 'utf8')) as number[][]
  const m = await deployModel('pool-risk', onnx, samples)
  const posted = await postOnce(m)
  const { roundId } = await checkAgainstOnnxruntime(m, posted.publicSignals)
  assert.equal(roundId, 1n)
})
