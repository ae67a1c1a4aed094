// Shared by vault.test.ts and explorer-vault.test.ts (not itself a test file): a real anvil with the
// pool-allocator's compiled verifier registered, a mock USD, the risk-facts registry, three pools with
// on-chain state (a blue-chip lender, an LST LP, a new emissions farm) and a ProvedAllocationVault over
// them; helpers to write, read reverts, warp time, stress pools and prove the vault's own state.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createPublicClient, createWalletClient, http, parseEventLogs,
  type Abi, type AbiStateMutability, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys, startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { deployContract, projectContract, verifierAbi, writeAndWait, decodeRevert, modelRegistration, registerArgs, encodeJobProof } from '../../src/chain/index.ts'
import { readVaultState } from '../../src/chain/allocationVault.ts'
import { loadCircuit, proveInference, type LoadedCircuit } from '../../src/compiler/index.ts'
import { compileBundledModel } from './prover-helpers.ts'

export const E18 = 10n ** 18n
export const CAPS = [6000, 6000, 6000]
export const A = {
  token: projectContract('MockERC20').abi,
  pool: projectContract('MockYieldPool').abi,
  vault: projectContract('ProvedAllocationVault').abi,
  facts: projectContract('RiskFactsRegistry').abi,
}

export type VaultFixture = Awaited<ReturnType<typeof startVaultFixture>>

/**
 * Starts anvil and deploys everything; `dir` receives the compiled pool-allocator (a copy of this
 * test run's cached compile: prover-helpers.ts `compileBundledModel`). `stop()` stops anvil.
 */
export async function startVaultFixture(dir: string) {
  const anvil: AnvilInstance = await startAnvil()
  // batch: concurrent reads go to anvil as one JSON-RPC batch, one HTTP round trip.
  const pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl, { batch: true }) }) as PublicClient
  const walletFor = (i: number) => createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[i]!), chain: foundry, transport: http(anvil.rpcUrl) })
  const wallets = [0, 1, 2, 3, 4].map(walletFor)
  const out = join(dir, 'allocator')
  await compileBundledModel('pool-allocator', out)
  const circuit: LoadedCircuit = await loadCircuit(out)
  const c = { token: '0x' as Address, registry: '0x' as Address, facts: '0x' as Address, pools: [] as Address[], vault: '0x' as Address, verifier: '0x' as Address }

  async function write<const abi extends Abi, fn extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(address: Address, abi: abi, functionName: fn, args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', fn>, w = wallets[0]!) {
    // A fixed gas limit: the pools' accrual work depends on the seconds elapsed, so an estimate made a
    // second earlier (nothing to accrue yet) can run out of gas once mined (docs/vault.md).
    return writeAndWait<abi, fn, typeof args>({ wallet: w, publicClient: pub }, { address, abi, functionName, args, gas: 3_000_000n } as never)
  }
  async function revertOf<const abi extends Abi, fn extends ContractFunctionName<abi>>(address: Address, abi: abi, functionName: fn, args: ContractFunctionArgs<abi, AbiStateMutability, fn>, w = wallets[0]!) {
    try {
      await pub.simulateContract({ address, abi, functionName, args, account: w.account } as never)
    } catch (e) {
      const r = decodeRevert(e)
      if (r) return r
      throw e
    }
    return assert.fail(`${functionName} did not revert`)
  }
  const rpc = (method: string, params: unknown[] = []) => pub.request({ method: method as never, params: params as never }) as Promise<unknown>
  const warp = async (s: number) => { await rpc('evm_increaseTime', [s]); await rpc('evm_mine') }
  const read = <fn extends ContractFunctionName<typeof A.vault, 'view' | 'pure'>>(functionName: fn, args?: unknown[]) =>
    pub.readContract({ address: c.vault, abi: A.vault, functionName, args } as never) as Promise<never>

  /** The pool's market: APY (bps), utilization (bps), oracle vs reference price (8 decimals). */
  async function setPool(i: number, s: { apy?: number; util?: number; oracle?: bigint; tvl?: [bigint, bigint]; facts?: [number, number, number] }) {
    const p = c.pools[i]!
    if (s.apy !== undefined) await write(p, A.pool, 'recordApy', [s.apy])
    if (s.tvl) await write(p, A.pool, 'setTvl', s.tvl)
    if (s.util !== undefined || s.oracle !== undefined) await write(p, A.pool, 'setMarket', [s.util ?? 6000, s.oracle ?? 100_000_000n, 100_000_000n])
    if (s.facts) await write(p, A.pool, 'setRiskFacts', s.facts as [number, number, number])
  }

  /** A proof of the vault's current state (or of `tamper(features)`), for `round`. */
  async function proveNow(round: bigint, opts: { tamper?: (f: number[]) => void; subject?: bigint; vault?: Address } = {}) {
    const s = await readVaultState(pub, opts.vault ?? c.vault)
    const features = [...s.features]
    opts.tamper?.(features)
    const p = await proveInference(circuit, features, { subject: opts.subject ?? BigInt(opts.vault ?? c.vault), round })
    return { proof: encodeJobProof('groth16', p.proof), signals: p.publicSignals.map(BigInt), state: s }
  }

  async function deployVault(opts: { caps?: number[]; maxMoveBps?: number; cooldown?: number } = {}) {
    return deployContract({ wallet: wallets[0]!, publicClient: pub }, projectContract('ProvedAllocationVault'), [{
      asset: c.token, registry: c.registry, modelId: 0n, riskFacts: c.facts, pools: c.pools, capBps: opts.caps ?? CAPS,
      maxMoveBps: opts.maxMoveBps ?? 10_000, cooldown: opts.cooldown ?? 3600, inputScaleBits: circuit.manifest.publicSignals.find((x) => x.kind === 'input')!.scaleBits!,
      name: 'Proved vault', symbol: 'pvUSD',
    }])
  }

  async function depositAs(i: number, amount: bigint, vault = c.vault) {
    const w = wallets[i]!
    await write(c.token, A.token, 'mint', [w.account.address, amount], w)
    await write(c.token, A.token, 'approve', [vault, amount], w)
    return write(vault, A.vault, 'deposit', [amount, w.account.address], w)
  }

  const clients = { wallet: wallets[0]!, publicClient: pub }
  const bytecode = (JSON.parse(readFileSync(join(out, circuit.manifest.artifacts.verifierBytecode?.file ?? 'Verifier.json'), 'utf8')) as { bytecode: Hex }).bytecode
  c.verifier = await deployContract(clients, { abi: verifierAbi, bytecode })
  c.registry = await deployContract(clients, projectContract('ModelRegistry'))
  await write(c.registry, projectContract('ModelRegistry').abi, 'register', registerArgs('pool-allocator', c.verifier, modelRegistration(circuit.manifest)))
  c.token = await deployContract(clients, projectContract('MockERC20'), ['Mock USD', 'mUSD', 18])
  c.facts = await deployContract(clients, projectContract('RiskFactsRegistry'), [wallets[0]!.account.address])
  const { timestamp } = await pub.getBlock()
  // Three pools: a blue-chip lender, an LST LP, a new emissions farm (high APY, risky).
  const specs = [
    { apy: 450, util: 7000, tvl: [50_000_000n, 49_000_000n], facts: [95, 1500, 500], audit: 95, ageDays: 1500 },
    { apy: 700, util: 6000, tvl: [8_000_000n, 7_600_000n], facts: [80, 3000, 2500], audit: 80, ageDays: 500 },
    { apy: 3500, util: 5000, tvl: [900_000n, 1_200_000n], facts: [40, 7000, 8500], audit: 40, ageDays: 40 },
  ] as const
  for (const s of specs) {
    const launched = timestamp - BigInt(s.ageDays) * 86_400n - 43_200n // mid-day: whole days stay put during the test
    const pool = await deployContract(clients, projectContract('MockYieldPool'), [launched, s.audit])
    c.pools.push(pool)
    await write(pool, A.pool, 'setAsset', [c.token])
    await write(c.facts, A.facts, 'setFacts', [pool, s.audit, launched])
  }
  for (const [i, s] of specs.entries()) await setPool(i, { apy: s.apy, util: s.util, tvl: [...s.tvl], facts: [...s.facts] })
  c.vault = await deployVault()

  return {
    anvil, pub, wallets, circuit, circuitDir: out, c, write, revertOf, rpc, warp, read, setPool, proveNow, deployVault, depositAs,
    stop: () => anvil.stop(),
  }
}

/** Yield the pools minted inside one transaction (deposits, withdrawals and rebalances accrue first). */
export const accruedIn = (rc: { logs: Parameters<typeof parseEventLogs>[0]['logs'] }) =>
  parseEventLogs({ abi: A.pool, logs: rc.logs, eventName: 'Accrued' }).reduce((s, e) => s + e.args.yieldMinted, 0n)
