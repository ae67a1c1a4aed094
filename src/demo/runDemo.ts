import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, http, type Address, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys } from '../dev/anvil.ts'
import { deployContract } from '../chain/deploy.ts'
import { projectContract, verifierAbi } from '../chain/projectContracts.ts'
import { writeAndWait } from '../chain/writeAndWait.ts'
import { modelRegistration, registerArgs } from '../chain/modelRegistration.ts'
import { compileModel, type CircuitManifest } from '../compiler/index.ts'
import { terminateSnark } from '../compiler/snark/index.ts'
import { BaseError } from '../errors/index.ts'
import { Oracle, StateStore, chainPoolAdapter, httpProverClient, memoryLogger, type TickOutcome } from '../oracle/index.ts'
import { registerCircuit } from '../network/registerCircuit.ts'
import { gradeFor, type Grade } from '../../models/pool-risk/grade.ts'
import { startLocalStack, type LocalStack } from './localStack.ts'
import { DEMO_POOLS, stressedMarket, type DemoPool } from './pools.ts'
import { runVaultDemo, type VaultDemoResult } from './vault.ts'

export type DemoPoolResult = {
  name: string
  pool: Address
  feed: Address
  features: number[]
  roundId: bigint
  /** latestRoundData's answer: the proved score × 10^8. */
  answer: bigint
  score: number
  grade: Grade
  updatedAt: bigint
}

export type DemoResult = {
  pools: DemoPoolResult[]
  timings: Record<string, number>
  manifest: CircuitManifest
  circuitId: string
  /** The vault part (`vault: true`): its proved rebalances, allocation before and after each. */
  vault?: VaultDemoResult
  stack: Pick<LocalStack, 'apiUrl' | 'redisUrl' | 'ownRedis' | 'prefix' | 'apiKey'> & { rpcUrl: string; explorerUrl: string }
}

export type DemoOptions = {
  workers?: number
  /** Circuit backend: our Groth16 (default) or ezkl's Halo2/KZG (`npm run demo -- --backend ezkl`, docs/ezkl.md). */
  backend?: 'groth16' | 'ezkl'
  log?: (line: string) => void
  verbose?: boolean
  /**
   * Oracle passes before the result is read (default 1). Before each pass after the first, every
   * pool's market is stressed one step further (pools.ts `stressedMarket`), so the feeds get a
   * history; a pass whose score moved less than the feed's deviation threshold posts nothing.
   */
  rounds?: number
  /**
   * Called with the result while everything still runs (chain, Redis, API, workers); the stack is
   * stopped when it resolves. `npm run demo -- --serve` waits for Ctrl-C here; tests drive the
   * explorer here. `advance()` runs one more stress step + oracle pass; `readPools()` reads every
   * pool's feed again (`live.pools` is what the last pass before `hold` posted).
   */
  /**
   * Also run the yield-aggregator part (`npm run demo` does): a ProvedAllocationVault over the demo's
   * pools, deposits, a proved rebalance, a stressed pool, a proved rebalance away from it (src/demo/vault.ts).
   */
  vault?: boolean | undefined
  hold?: ((live: DemoResult, ctl: { advance(): Promise<TickOutcome[]>; readPools(): Promise<DemoPoolResult[]> }) => Promise<void>) | undefined
}

const FEED_DECIMALS = 8

/**
 * The main job, end to end on this machine: start anvil, Redis, the prover network (API +
 * coordinator + `workers` worker processes); compile and register the pool-risk model; deploy the
 * verifier, the model registry, mock yield pools whose state is on-chain and one proof-backed feed
 * per pool; let the oracle prove each pool's risk through the network and post it; read every score
 * back through `latestRoundData`. Stops everything it started before returning (after `hold`, if given).
 *
 * @example
 * ```ts
 * import { runDemo } from './src/demo/runDemo.ts'
 * const { pools, timings } = await runDemo({ log: console.log })
 * for (const p of pools) console.log(p.name, p.score, p.grade)
 * ```
 */
export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const log = o.log ?? (() => {})
  const timings: Record<string, number> = {}
  let t = Date.now()
  const stage = (name: string) => {
    const now = Date.now()
    timings[name] = now - t
    log(`  ✓ ${name.padEnd(34)} ${((now - t) / 1000).toFixed(1).padStart(6)} s`)
    t = now
  }
  const dir = mkdtempSync(join(tmpdir(), 'zkml-demo-'))
  let stack: LocalStack | undefined
  try {
    stack = await startLocalStack({ workers: o.workers ?? 2, log: o.verbose ? (l) => log(`    ${l}`) : undefined })
    stage(`start anvil, Redis${stack.ownRedis ? ' (own)' : ''}, API, ${stack.workers.length} workers`)

    const onnx = readFileSync(new URL('../../models/pool-risk/model.onnx', import.meta.url))
    const samples = JSON.parse(readFileSync(new URL('../../models/pool-risk/samples.json', import.meta.url), 'utf8')) as number[][]
    const circuitDir = join(dir, 'pool-risk')
    const { manifest } = o.backend === 'ezkl'
      ? await (await import('../compiler/ezkl/index.ts')).compileEzkl({ onnx, name: 'pool-risk', calibration: samples, outDir: circuitDir, maxLogrows: 12 }) // 2^12 keeps the demo quick; larger keys stream through PUT /artifacts/:hash
      : await compileModel({ onnx, name: 'pool-risk', calibration: samples, backend: 'groth16', target: 'accuracy', outDir: circuitDir })
    stage(o.backend === 'ezkl' ? `compile pool-risk with ezkl (${manifest.constraints} rows)` : `compile pool-risk (${manifest.constraints} constraints)`)
    const { id: circuitId } = await registerCircuit({ apiUrl: stack.apiUrl, apiKey: stack.apiKey, dir: circuitDir })
    stage('register circuit with the network')

    const account = privateKeyToAccount(anvilPrivateKeys[0])
    const publicClient = createPublicClient({ chain: foundry, transport: http(stack.anvil.rpcUrl) }) as PublicClient
    const wallet = createWalletClient({ account, chain: foundry, transport: http(stack.anvil.rpcUrl) })
    const clients = { wallet, publicClient }
    const verifierJson = JSON.parse(readFileSync(join(circuitDir, manifest.artifacts.verifierBytecode.file), 'utf8')) as { bytecode: `0x${string}` }
    // Every compiled verifier implements IZkmlVerifier (no constructor): deployed and called through that ABI.
    const verifier = await deployContract(clients, { abi: verifierAbi, bytecode: verifierJson.bytecode })
    const registryC = projectContract('ModelRegistry')
    const registry = await deployContract(clients, registryC)
    await writeAndWait(clients, { address: registry, abi: registryC.abi, functionName: 'register', args: registerArgs('pool-risk', verifier, modelRegistration(manifest)) })
    stage('deploy verifier + registry, register model')

    const poolC = projectContract('MockYieldPool')
    const feedC = projectContract('ProvedFeed')
    const { timestamp: now } = await publicClient.getBlock()
    const deployed: { spec: DemoPool; pool: Address; feed: Address }[] = []
    for (const spec of DEMO_POOLS) {
      const pool = await deployContract(clients, poolC, [now - BigInt(spec.ageDays * 86_400), spec.auditScore])
      const { abi } = poolC
      await writeAndWait(clients, { address: pool, abi, functionName: 'setTvl', args: [spec.tvlUsd, spec.tvlUsd30dAgo] })
      for (const bps of spec.apyBps) await writeAndWait(clients, { address: pool, abi, functionName: 'recordApy', args: [bps] })
      await writeAndWait(clients, { address: pool, abi, functionName: 'setMarket', args: [spec.utilizationBps, spec.oraclePrice, spec.referencePrice] })
      await writeAndWait(clients, { address: pool, abi, functionName: 'setRiskFacts', args: [spec.auditScore, spec.top10Bps, spec.rewardShareBps] })
      // Scores live in 0–100; the bounds leave room for the model's and quantization's overshoot.
      const feed = await deployContract(clients, feedC, [{
        registry, modelId: 0n, subject: BigInt(pool), outputIndex: 0, decimals: FEED_DECIMALS, description: `pool-risk / ${spec.name}`,
        heartbeat: 3600, minAnswer: -50n * 10n ** 8n, maxAnswer: 150n * 10n ** 8n, upgradeDelay: 86_400, owner: account.address,
        maxRoundJump: 0n, resetDelay: 0, // the contract's defaults: rounds may jump by 10^6, resets wait 2 days
      }])
      await writeAndWait(clients, { address: feed, abi: feedC.abi, functionName: 'setReporter', args: [account.address, true] })
      deployed.push({ spec, pool, feed })
    }
    // The running API re-reads this file: from now on its explorer shows these feeds (and, once deployed, the vault).
    const { feedsFile, anvil } = stack
    const explorerConfig = (vaults: { label: string; address: Address; fromBlock: number }[]) =>
      writeFileSync(feedsFile, JSON.stringify({ rpcUrl: anvil.rpcUrl, feeds: deployed.map((d) => ({ label: d.spec.name, address: d.feed, grade: 'pool-risk' })), vaults }, null, 2))
    explorerConfig([])
    stage(`deploy ${deployed.length} pools with on-chain state + feeds`)

    const oracleLog = memoryLogger()
    const oracle = new Oracle({
      feeds: deployed.map((d) => ({ id: d.spec.name, address: d.feed, circuitId, backend: manifest.backend, adapter: chainPoolAdapter(publicClient, d.pool), orders: { heartbeatS: 3600, deviationBps: 100 } })),
      prover: httpProverClient({ baseUrl: stack.apiUrl, apiKey: stack.apiKey }),
      chain: clients,
      store: new StateStore(join(dir, 'oracle-state.json')),
      log: oracleLog,
      proveTimeoutMs: 300_000,
    })
    const outcomes = await oracle.tick()
    const failed = outcomes.filter((x) => x.status !== 'posted')
    if (failed.length > 0)
      throw new BaseError('ORACLE_ROUND_FAILED', 'The oracle did not post every round.', { details: JSON.stringify(failed, (_, v) => (typeof v === 'bigint' ? String(v) : v)) })
    stage('prove through the network + post rounds')

    let step = 0
    const advance = async () => {
      step++
      // Stress rises for 5 steps, then eases back: a long --serve session keeps moving instead of
      // saturating (a pass whose inputs no longer change would post nothing).
      const level = 5 - Math.abs(5 - (step % 10))
      for (const d of deployed) {
        const m = stressedMarket(d.spec, level)
        await writeAndWait(clients, { address: d.pool, abi: poolC.abi, functionName: 'setTvl', args: [m.tvlUsd, d.spec.tvlUsd30dAgo] })
        await writeAndWait(clients, { address: d.pool, abi: poolC.abi, functionName: 'setMarket', args: [m.utilizationBps, m.oraclePrice, d.spec.referencePrice] })
      }
      const out = await oracle.tick()
      const bad = out.filter((x) => x.status === 'error')
      if (bad.length > 0)
        throw new BaseError('ORACLE_ROUND_FAILED', 'An oracle pass failed.', { details: JSON.stringify(bad, (_, v) => (typeof v === 'bigint' ? String(v) : v)) })
      return out
    }
    const extra = Math.max(0, (o.rounds ?? 1) - 1)
    if (extra > 0) {
      let posted = 0
      for (let i = 0; i < extra; i++) posted += (await advance()).filter((x) => x.status === 'posted').length
      stage(`stress pools, ${extra} more passes (${posted} rounds)`)
    }

    const readPools = async () => {
      const pools: DemoPoolResult[] = []
      for (const d of deployed) {
        const [roundId, answer, , updatedAt] = await publicClient.readContract({ address: d.feed, abi: feedC.abi, functionName: 'latestRoundData' })
        const score = Number(answer) / 10 ** FEED_DECIMALS
        pools.push({
          name: d.spec.name, pool: d.pool, feed: d.feed, features: await chainPoolAdapter(publicClient, d.pool).read(),
          roundId, answer, score, grade: gradeFor(score), updatedAt,
        })
      }
      return pools
    }
    const pools = await readPools()
    stage('read latestRoundData')
    const vault = o.vault
      ? await runVaultDemo({
          clients, registry, pools: deployed, dir, apiUrl: stack.apiUrl, apiKey: stack.apiKey, rpcUrl: stack.anvil.rpcUrl, stage,
          onDeployed: (address, fromBlock) => explorerConfig([{ label: 'zkml proved vault', address, fromBlock: Number(fromBlock) }]),
        })
      : undefined
    const result: DemoResult = {
      pools, timings, manifest, circuitId, ...(vault ? { vault } : {}),
      stack: {
        apiUrl: stack.apiUrl, redisUrl: stack.redisUrl, ownRedis: stack.ownRedis, prefix: stack.prefix, apiKey: stack.apiKey,
        rpcUrl: stack.anvil.rpcUrl, explorerUrl: `${stack.apiUrl}/explorer`,
      },
    }
    await o.hold?.(result, { advance, readPools })
    return result
  } finally {
    await stack?.stop()
    await terminateSnark()
    rmSync(dir, { recursive: true, force: true })
  }
}
