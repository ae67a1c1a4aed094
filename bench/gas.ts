// Gas of IZkmlVerifier.verify, of ProvedFeed.update and of ModelRegistry.register, per backend (Groth16, PLONK), as the number of
// public signals grows (fixture circuits: 1 output, n-3 model inputs, subject, round).
// Baseline: Groth16 with the smallest signal count, measured in this same run.
// Run: npx tsx bench/gas.ts [signalCounts, default 4,8,16,32] [--no-vault]
// Then ProvedAllocationVault.rebalance gas for N = 3 and 5 pools (bench/gas-vault.ts).
import { createPublicClient, createWalletClient, encodeFunctionData, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys, startAnvil } from '../src/dev/anvil.ts'
import { deployContract } from '../src/chain/deploy.ts'
import { projectContract } from '../src/chain/projectContracts.ts'
import { writeAndWait } from '../src/chain/writeAndWait.ts'
import { provedFixture } from '../src/dev/provedFixture.ts'
import type { Backend } from '../src/compiler/manifest.ts'
import { terminateSnark } from '../src/compiler/snark/index.ts'

const counts = (process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '4,8,16,32').split(',').map(Number)
const anvil = await startAnvil()
try {
  const pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]), chain: foundry, transport: http(anvil.rpcUrl) })
  const clients = { wallet, publicClient: pub }
  const registry = await deployContract(clients, projectContract('ModelRegistry'))
  const regAbi = projectContract('ModelRegistry').abi
  const feedAbi = projectContract('ProvedFeed').abi
  const rows: { backend: Backend; signals: number; verify: bigint; update: bigint; register: bigint; proofBytes: number }[] = []
  let modelId = 0n
  for (const backend of ['groth16', 'plonk'] as const) {
    for (const n of counts) {
      const nIn = n - 3
      const fx = await provedFixture(backend, 1, nIn, `Gas${backend}${n}`)
      const verifier = await deployContract(clients, fx.verifier)
      const reg = await writeAndWait(clients, { address: registry, abi: regAbi, functionName: 'register', args: [`gas-${backend}-${n}`, `0x${'11'.repeat(32)}`, verifier, fx.vkHash, 0,
        { nOutputs: 1, nInputs: nIn, subjectIndex: nIn + 1, roundIndex: nIn + 2, scaleBits: 8 }] })
      const feed = await deployContract(clients, projectContract('ProvedFeed'), [{
        registry, modelId, subject: 1n, outputIndex: 0, decimals: 8, description: 'gas', heartbeat: 3600,
        minAnswer: -(10n ** 30n), maxAnswer: 10n ** 30n, upgradeDelay: 0, owner: wallet.account.address, maxRoundJump: 0n, resetDelay: 0,
      }])
      modelId++
      await writeAndWait(clients, { address: feed, abi: feedAbi, functionName: 'setReporter', args: [wallet.account.address, true] })
      const inputs = Array.from({ length: nIn }, (_, i) => BigInt(i + 1))
      // Round 1 first so round 2's update pays the steady-state cost (warm latestRound slot).
      const p1 = await fx.prove(inputs, 1n, 1n)
      await writeAndWait(clients, { address: feed, abi: feedAbi, functionName: 'update', args: [p1.proof, p1.publicSignals] })
      const p2 = await fx.prove(inputs, 1n, 2n)
      // verify() is a view: its gas is what a transaction calling it directly would pay (intrinsic + calldata included).
      const verifyGas = await pub.estimateGas({
        account: wallet.account.address, to: verifier,
        data: encodeFunctionData({ abi: fx.verifier.abi, functionName: 'verify', args: [p2.proof, p2.publicSignals] }),
      })
      const r = await writeAndWait(clients, { address: feed, abi: feedAbi, functionName: 'update', args: [p2.proof, p2.publicSignals] })
      rows.push({ backend, signals: n, verify: verifyGas, update: r.gasUsed, register: reg.gasUsed, proofBytes: (p2.proof.length - 2) / 2 })
      process.stderr.write(`${backend} ${n} signals: verify ${verifyGas}, update ${r.gasUsed}\n`)
    }
  }
  const base = rows[0]!
  const fmt = (x: bigint) => x.toLocaleString('en-US')
  console.log(`\nGas on anvil (solc 0.8 optimizer 200, EVM paris); baseline = groth16 with ${base.signals} signals (verify ${fmt(base.verify)}, update ${fmt(base.update)})\n`)
  console.log('| backend | public signals | proof bytes | verify gas | × base | update gas | × base | update − verify | register gas |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows)
    console.log(`| ${r.backend} | ${r.signals} | ${r.proofBytes} | ${fmt(r.verify)} | ${(Number(r.verify) / Number(base.verify)).toFixed(2)} | ${fmt(r.update)} | ${(Number(r.update) / Number(base.update)).toFixed(2)} | ${fmt(r.update - r.verify)} | ${fmt(r.register)} |`)
  if (counts.includes(4))
    console.log('note: with 4 signals the fixture has one model input, so its output x0 - x0 is 0 and storing the answer costs ~20k less (zero-value SSTORE)')
  for (const b of ['groth16', 'plonk'] as const) {
    const rs = rows.filter((r) => r.backend === b)
    if (rs.length < 2) continue
    const first = rs[0]!, last = rs[rs.length - 1]!
    const per = Number(last.verify - first.verify) / (last.signals - first.signals)
    console.log(`${b}: verify grows ~${Math.round(per).toLocaleString('en-US')} gas per extra public signal`)
  }
  // ProvedAllocationVault.rebalance for N = 3 and 5 pools (bench/gas-vault.ts); --no-vault skips it.
  if (!process.argv.includes('--no-vault')) await (await import('./gas-vault.ts')).vaultGas(clients)
} finally {
  await anvil.stop()
  await terminateSnark()
}
