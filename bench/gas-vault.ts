// Gas of ProvedAllocationVault.rebalance for N = 3 and 5 pools (models/pool-allocator built for N
// pools from the same weights), with real Groth16 proofs; called from bench/gas.ts (or alone:
// npx tsx bench/gas-vault.ts). Baseline: N = 3, measured in this same run. Two rebalances per N:
// the first spreads idle deposits (N pool deposits), the second moves funds between pools after
// one pool is stressed (withdrawals + deposits). "verify" is the registered verifier alone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeFunctionData, type Address, type Hex, type PublicClient } from 'viem'
import { deployContract } from '../src/chain/deploy.ts'
import { encodeJobProof, modelRegistration, registerArgs } from '../src/chain/index.ts'
import { readVaultState } from '../src/chain/allocationVault.ts'
import { projectContract, verifierAbi } from '../src/chain/projectContracts.ts'
import { writeAndWait, type ChainWriter } from '../src/chain/writeAndWait.ts'
import { compileModel, loadCircuit, proveInference } from '../src/compiler/index.ts'
import { allocatorOnnx } from '../models/pool-allocator/train.ts'
import { generatePools } from '../models/pool-allocator/generate.ts'

type Row = { n: number; signals: number; constraints: number; verify: bigint; spread: bigint; move: bigint }

/** Measures rebalance gas for each N on an already running chain; prints a table with ratios to the first N. */
export async function vaultGas(clients: ChainWriter, ns: number[] = [3, 5]): Promise<Row[]> {
  const pub: PublicClient = clients.publicClient
  const w = async (address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) =>
    writeAndWait(clients, { address, abi, functionName, args, gas: 5_000_000n } as never)
  const dir = mkdtempSync(join(tmpdir(), 'zkml-gas-vault-'))
  const rows: Row[] = []
  try {
    const registry = await deployContract(clients, projectContract('ModelRegistry'))
    const token = await deployContract(clients, projectContract('MockERC20'), ['Mock USD', 'mUSD', 18])
    const facts = await deployContract(clients, projectContract('RiskFactsRegistry'), [clients.wallet.account.address])
    const poolAbi = projectContract('MockYieldPool').abi
    const vaultAbi = projectContract('ProvedAllocationVault').abi
    let modelId = 0n
    for (const n of ns) {
      // Calibrated on generated pools (the bundled samples are for N = 3): 32 problems of n pools.
      const { x } = generatePools(32 * n, 99)
      const samples = Array.from({ length: 32 }, (_, k) => x.slice(k * n, k * n + n).flat())
      const out = join(dir, `n${n}`)
      const { manifest } = await compileModel({ onnx: allocatorOnnx(n), name: `pool-allocator-${n}`, calibration: samples, backend: 'groth16', target: 'accuracy', outDir: out })
      const circuit = await loadCircuit(out)
      const bytecode = (JSON.parse(readFileSync(join(out, manifest.artifacts.verifierBytecode.file), 'utf8')) as { bytecode: Hex }).bytecode
      const verifier = await deployContract(clients, { abi: verifierAbi, bytecode })
      await w(registry, projectContract('ModelRegistry').abi, 'register', registerArgs(`pool-allocator-${n}`, verifier, modelRegistration(manifest)))
      const { timestamp } = await pub.getBlock()
      const pools: Address[] = []
      for (let i = 0; i < n; i++) {
        const pool = await deployContract(clients, projectContract('MockYieldPool'), [timestamp - 400n * 86_400n, 80])
        await w(pool, poolAbi, 'setAsset', [token])
        await w(pool, poolAbi, 'setTvl', [5_000_000n + BigInt(i) * 1_000_000n, 5_000_000n])
        await w(pool, poolAbi, 'recordApy', [400 + 150 * i])
        await w(pool, poolAbi, 'setMarket', [6000 + 300 * i, 100_000_000n, 100_000_000n])
        await w(pool, poolAbi, 'setRiskFacts', [80, 2000 + 500 * i, 1000 * i])
        await w(facts, projectContract('RiskFactsRegistry').abi, 'setFacts', [pool, 90 - 10 * i, timestamp - BigInt(2000 - 300 * i) * 86_400n])
        pools.push(pool)
      }
      const vault = await deployContract(clients, projectContract('ProvedAllocationVault'), [{
        asset: token, registry, modelId, riskFacts: facts, pools, capBps: pools.map(() => 6000), maxMoveBps: 10_000, cooldown: 60,
        inputScaleBits: manifest.publicSignals.find((s) => s.kind === 'input')!.scaleBits!, name: 'gas', symbol: 'g',
      }])
      modelId++
      const me = clients.wallet.account.address
      await w(token, projectContract('MockERC20').abi, 'mint', [me, 10n ** 24n])
      await w(token, projectContract('MockERC20').abi, 'approve', [vault, 10n ** 24n])
      await w(vault, vaultAbi, 'deposit', [10n ** 24n, me])
      const rebalance = async (round: bigint) => {
        const s = await readVaultState(pub, vault)
        const p = await proveInference(circuit, s.features, { subject: BigInt(vault), round })
        const args = [encodeJobProof('groth16', p.proof), p.publicSignals.map(BigInt)] as const
        const verify = await pub.estimateGas({ account: me, to: verifier, data: encodeFunctionData({ abi: verifierAbi, functionName: 'verify', args }) })
        const r = await w(vault, vaultAbi, 'rebalance', args)
        return { gas: r.gasUsed, verify }
      }
      const first = await rebalance(1n)
      await w(pools[n - 1]!, poolAbi, 'setMarket', [9950, 106_000_000n, 100_000_000n]) // the best-yielding pool is stressed
      await pub.request({ method: 'evm_increaseTime' as never, params: [61] as never })
      await pub.request({ method: 'evm_mine' as never, params: [] as never })
      const second = await rebalance(2n)
      rows.push({ n, signals: manifest.publicSignals.length, constraints: manifest.constraints, verify: first.verify, spread: first.gas, move: second.gas })
      process.stderr.write(`vault N=${n}: verify ${first.verify}, rebalance (spread) ${first.gas}, rebalance (move) ${second.gas}\n`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const base = rows[0]!
  const fmt = (x: bigint) => x.toLocaleString('en-US')
  console.log(`\nProvedAllocationVault.rebalance on anvil; baseline = N=${base.n} (rebalance spreading idle deposits ${fmt(base.spread)})\n`)
  console.log('| pools N | public signals | constraints | verify gas | rebalance gas (spread idle) | × base | rebalance gas (move between pools) | × base | rebalance − verify |')
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows)
    console.log(`| ${r.n} | ${r.signals} | ${r.constraints} | ${fmt(r.verify)} | ${fmt(r.spread)} | ${(Number(r.spread) / Number(base.spread)).toFixed(2)} | ${fmt(r.move)} | ${(Number(r.move) / Number(base.spread)).toFixed(2)} | ${fmt(r.spread - r.verify)} |`)
  return rows
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const { createPublicClient, createWalletClient, http } = await import('viem')
  const { privateKeyToAccount } = await import('viem/accounts')
  const { foundry } = await import('viem/chains')
  const { anvilPrivateKeys, startAnvil } = await import('../src/dev/anvil.ts')
  const { terminateSnark } = await import('../src/compiler/snark/index.ts')
  const anvil = await startAnvil()
  try {
    const publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
    const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]), chain: foundry, transport: http(anvil.rpcUrl) })
    await vaultGas({ wallet, publicClient })
  } finally {
    await anvil.stop()
    await terminateSnark()
  }
}
