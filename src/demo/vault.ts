import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createWalletClient, http, type Address, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { allocationBps, readVaultState } from '../chain/allocationVault.ts'
import { deployContract } from '../chain/deploy.ts'
import { modelRegistration, registerArgs } from '../chain/modelRegistration.ts'
import { projectContract, verifierAbi } from '../chain/projectContracts.ts'
import { writeAndWait, type ChainWriter } from '../chain/writeAndWait.ts'
import { compileModel } from '../compiler/index.ts'
import { anvilPrivateKeys } from '../dev/anvil.ts'
import { BaseError } from '../errors/index.ts'
import { registerCircuit } from '../network/registerCircuit.ts'
import { StateStore, VaultKeeper, httpProverClient, memoryLogger, type KeeperOutcome } from '../oracle/index.ts'
import type { DemoPool } from './pools.ts'

/** One proved rebalance of the demo vault: allocation (bps of total assets per pool) before and after. */
export type VaultRebalance = { round: bigint; before: number[]; after: number[]; txHash: Hex; gasUsed: bigint; why: string }

export type VaultDemoResult = {
  vault: Address
  /** A block at or before the vault's deployment: where the explorer starts reading its logs. */
  fromBlock: bigint
  token: Address
  circuitId: string
  constraints: number
  rebalances: VaultRebalance[]
  pools: string[]
}

const E18 = 10n ** 18n

/**
 * The vault part of the demo, on pools the demo already deployed: compile and register
 * models/pool-allocator, deploy a mock USD, the risk-facts registry and a `ProvedAllocationVault`
 * over the pools; two depositors put in 1M; the keeper proves the allocation through the prover
 * network and rebalances; then the pool holding the most is stressed (a bank run, its oracle off by
 * 6%), the cooldown passes, and the keeper's next proved rebalance moves funds away from it.
 *
 * @example
 * ```ts
 * const v = await runVaultDemo({ clients, registry, pools, dir, apiUrl, apiKey, rpcUrl, log })
 * v.rebalances[1].before // [3000, 6000, 1000] → .after moves away from the stressed pool
 * ```
 */
export async function runVaultDemo(o: {
  clients: ChainWriter
  registry: Address
  pools: { spec: DemoPool; pool: Address }[]
  dir: string
  apiUrl: string
  apiKey: string
  rpcUrl: string
  stage: (name: string) => void
  /** Called once the vault is deployed (runDemo adds it to the explorer's configuration). */
  onDeployed?: ((vault: Address, fromBlock: bigint) => void) | undefined
}): Promise<VaultDemoResult> {
  const { clients } = o
  const pub: PublicClient = clients.publicClient
  const onnx = readFileSync(new URL('../../models/pool-allocator/model.onnx', import.meta.url))
  const samples = JSON.parse(readFileSync(new URL('../../models/pool-allocator/samples.json', import.meta.url), 'utf8')) as number[][]
  const circuitDir = join(o.dir, 'pool-allocator')
  const { manifest } = await compileModel({ onnx, name: 'pool-allocator', calibration: samples, backend: 'groth16', target: 'accuracy', outDir: circuitDir })
  const { id: circuitId } = await registerCircuit({ apiUrl: o.apiUrl, apiKey: o.apiKey, dir: circuitDir })
  o.stage(`compile + register pool-allocator (${manifest.constraints} constraints)`)

  const verifierJson = JSON.parse(readFileSync(join(circuitDir, manifest.artifacts.verifierBytecode.file), 'utf8')) as { bytecode: Hex }
  const verifier = await deployContract(clients, { abi: verifierAbi, bytecode: verifierJson.bytecode })
  const reg = projectContract('ModelRegistry')
  await writeAndWait(clients, { address: o.registry, abi: reg.abi, functionName: 'register', args: registerArgs('pool-allocator', verifier, modelRegistration(manifest)) })
  const modelId = (await pub.readContract({ address: o.registry, abi: reg.abi, functionName: 'modelCount' })) - 1n
  const token = await deployContract(clients, projectContract('MockERC20'), ['Mock USD', 'mUSD', 18])
  const facts = await deployContract(clients, projectContract('RiskFactsRegistry'), [clients.wallet.account.address])
  const poolAbi = projectContract('MockYieldPool').abi
  const { timestamp } = await pub.getBlock()
  for (const { spec, pool } of o.pools) {
    await writeAndWait(clients, { address: pool, abi: poolAbi, functionName: 'setAsset', args: [token] })
    await writeAndWait(clients, { address: facts, abi: projectContract('RiskFactsRegistry').abi, functionName: 'setFacts', args: [pool, spec.auditScore, timestamp - BigInt(spec.ageDays * 86_400)] })
  }
  const inputScale = manifest.publicSignals.find((s) => s.kind === 'input')?.scaleBits ?? manifest.quantization.scaleBits
  const vaultC = projectContract('ProvedAllocationVault')
  const fromBlock = await pub.getBlockNumber({ cacheTime: 0 })
  const vault = await deployContract(clients, vaultC, [{
    asset: token, registry: o.registry, modelId, riskFacts: facts, pools: o.pools.map((p) => p.pool), capBps: o.pools.map(() => 6000),
    maxMoveBps: 10_000, cooldown: 3600, inputScaleBits: inputScale, name: 'zkml proved vault', symbol: 'pvUSD',
  }])
  o.onDeployed?.(vault, fromBlock)
  for (const [i, amount] of [[1, 600_000n * E18], [2, 400_000n * E18]] as const) {
    const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[i]!), chain: foundry, transport: http(o.rpcUrl) })
    const c = { wallet, publicClient: pub }
    const tokenAbi = projectContract('MockERC20').abi
    await writeAndWait(c, { address: token, abi: tokenAbi, functionName: 'mint', args: [wallet.account.address, amount] })
    await writeAndWait(c, { address: token, abi: tokenAbi, functionName: 'approve', args: [vault, amount] })
    await writeAndWait(c, { address: vault, abi: vaultC.abi, functionName: 'deposit', args: [amount, wallet.account.address], gas: 1_000_000n })
  }
  o.stage('deploy vault over the 3 pools, deposit 1M mUSD')

  // Any funded key may keep the vault: rebalance is permissionless.
  const keeperWallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[3]!), chain: foundry, transport: http(o.rpcUrl) })
  const keeper = new VaultKeeper({
    vault, circuitId, prover: httpProverClient({ baseUrl: o.apiUrl, apiKey: o.apiKey }), chain: { wallet: keeperWallet, publicClient: pub },
    store: new StateStore(join(o.dir, 'keeper-state.json')), log: memoryLogger(), minChangeBps: 100, proveTimeoutMs: 300_000,
  })
  const rebalances: VaultRebalance[] = []
  const expectRebalance = (out: KeeperOutcome, why: string) => {
    if (out.status !== 'rebalanced')
      throw new BaseError('ORACLE_ROUND_FAILED', 'The keeper did not rebalance the demo vault.', { details: `expected rebalanced, got ${JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? String(v) : v))}` })
    rebalances.push({ round: out.round, before: out.before, after: out.after, txHash: out.txHash, gasUsed: out.gasUsed, why })
  }
  expectRebalance(await keeper.tick(), 'first allocation of the deposits')
  o.stage('keeper: prove allocation through the network + rebalance')

  const s = await readVaultState(pub, vault)
  const alloc = allocationBps(s)
  const hot = alloc.indexOf(Math.max(...alloc))
  const spec = o.pools[hot]!.spec
  await writeAndWait(clients, { address: o.pools[hot]!.pool, abi: poolAbi, functionName: 'setTvl', args: [(spec.tvlUsd * 35n) / 100n, spec.tvlUsd30dAgo] })
  await writeAndWait(clients, { address: o.pools[hot]!.pool, abi: poolAbi, functionName: 'setMarket', args: [9_950, (spec.referencePrice * 106n) / 100n, spec.referencePrice] })
  await pub.request({ method: 'evm_increaseTime' as never, params: [3601] as never })
  await pub.request({ method: 'evm_mine' as never, params: [] as never })
  expectRebalance(await keeper.tick(), `${spec.name} stressed: bank run (utilization 99.5%, TVL −65%), oracle off by 6%`)
  o.stage(`stress ${spec.name}; keeper: proved rebalance away from it`)
  return { vault, fromBlock, token, circuitId, constraints: manifest.constraints, rebalances, pools: o.pools.map((p) => p.spec.name) }
}
