// ProvedAllocationVault end to end on anvil with real Groth16 proofs of models/pool-allocator:
// a proved rebalance moves funds; proofs on stale or invented inputs, tampered proofs and foreign
// subjects are refused; caps, the max-move limit and the cooldown hold; and a seeded property test
// over random deposit / withdraw / yield / stress / rebalance sequences checks the invariants.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import {
  createPublicClient, createWalletClient, http, parseEventLogs,
  type Abi, type AbiStateMutability, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex, type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys, startAnvil, type AnvilInstance } from '../../src/dev/anvil.ts'
import { deployContract, projectContract, verifierAbi, writeAndWait, decodeRevert, modelRegistration, registerArgs, encodeJobProof } from '../../src/chain/index.ts'
import { readVaultState, signedSignal, targetBps } from '../../src/chain/allocationVault.ts'
import { loadCircuit, proveInference, type LoadedCircuit } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { POOL_FEATURES, quantizeExact } from '../../models/pool-allocator/features.ts'
import { rng } from '../../models/lib/random.ts'
import { compileBundledModel, tempDir } from './prover-helpers.ts'
import { inProcessProverClient, memoryLogger, StateStore, VaultKeeper } from '../../src/oracle/index.ts'
import { readFileSync } from 'node:fs'

const E18 = 10n ** 18n
const CAPS = [6000, 6000, 6000]
let anvil: AnvilInstance
let pub: PublicClient
let circuit: LoadedCircuit
const tmp = tempDir('vault')
const wallets: ReturnType<typeof walletFor>[] = []
const c = {
  token: '0x' as Address, registry: '0x' as Address, facts: '0x' as Address, pools: [] as Address[],
  vault: '0x' as Address, verifier: '0x' as Address,
}
const A = {
  token: projectContract('MockERC20').abi,
  pool: projectContract('MockYieldPool').abi,
  vault: projectContract('ProvedAllocationVault').abi,
  facts: projectContract('RiskFactsRegistry').abi,
}

function walletFor(i: number) {
  return createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[i]!), chain: foundry, transport: http(anvil.rpcUrl) })
}
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
/** Yield the pools minted inside one transaction (deposits, withdrawals and rebalances accrue first). */
const accruedIn = (rc: { logs: Parameters<typeof parseEventLogs>[0]['logs'] }) =>
  parseEventLogs({ abi: A.pool, logs: rc.logs, eventName: 'Accrued' }).reduce((s, e) => s + e.args.yieldMinted, 0n)

before(async () => {
  anvil = await startAnvil()
  pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
  for (let i = 0; i < 5; i++) wallets.push(walletFor(i))
  const out = join(tmp.dir, 'allocator')
  await compileBundledModel('pool-allocator', out)
  circuit = await loadCircuit(out)
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
})

after(async () => {
  await terminateSnark()
  anvil?.stop()
  tmp.remove()
})

test('the vault quantizes features exactly as the compiler does (pinned against quantizeExact and the prover)', async () => {
  const s = await readVaultState(pub, c.vault)
  const scale = s.inputScaleBits
  // The prover's public inputs for the vault's features are the signals the vault demands.
  const p = await proveInference(circuit, s.features, { subject: BigInt(c.vault), round: 1n })
  const n = circuit.manifest.publicSignals.filter((x) => x.kind === 'output').length
  assert.deepEqual(p.publicSignals.slice(n, n + s.expectedSignals.length).map(BigInt), s.expectedSignals)
  // The vault's quantize on edge values of every feature, against the TS reference.
  for (const f of POOL_FEATURES)
    for (const k of [f.range[0], f.range[0] + 1, -1, 0, 1, Math.floor((f.range[0] + f.range[1]) / 2), f.range[1] - 1, f.range[1]]) {
      if (k < f.range[0] || k > f.range[1]) continue
      const onChain = (await read('quantize', [BigInt(k), BigInt(f.den), scale])) as bigint
      assert.equal(onChain, quantizeExact(BigInt(k), BigInt(f.den), scale), `${f.name} ${k}`)
      assert.equal(onChain, BigInt(Math.round((k / f.den) * 2 ** scale)), `${f.name} ${k}: the prover's rounding`)
    }
})

test('a proved rebalance moves the deposits to the proved allocation; assets and share price are unchanged', async () => {
  await depositAs(1, 600n * E18)
  await depositAs(2, 400n * E18)
  const { proof, signals } = await proveNow(1n)
  const nOut = c.pools.length
  const scores = signals.slice(0, nOut).map(signedSignal)
  for (const p of c.pools) await write(p, A.pool, 'accrue', [])
  const before = await readVaultState(pub, c.vault)
  assert.equal(before.idle, 1000n * E18)
  const rc = await write(c.vault, A.vault, 'rebalance', [proof, signals], wallets[4]!) // any caller
  const after = await readVaultState(pub, c.vault)
  const ev = parseEventLogs({ abi: A.vault, logs: rc.logs, eventName: 'Rebalanced' })[0]!
  assert.equal(ev.args.round, 1n)
  assert.deepEqual([...ev.args.record.scores], scores)
  // Funds moved to the targets the scores give (within the pools' accrual between reads).
  const want = targetBps(scores, CAPS)
  const got = after.inPools.map((b) => Number((b * 10_000n) / after.totalAssets))
  for (let i = 0; i < nOut; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1, `pool ${i}: ${got[i]} bps vs target ${want[i]}`)
  assert.ok(want.some((w) => w > 0), `some pool scores positive: ${scores}`)
  assert.equal(after.totalAssets, before.totalAssets + accruedIn(rc), 'assets conserved (plus the yield accrued in the call)')
  assert.equal(after.totalSupply, before.totalSupply)
  // A stressed pool: a bank run and a drifting, stale oracle at the farm; the next proved rebalance moves funds away from it.
  await warp(3601)
  await setPool(2, { util: 9900, oracle: 106_000_000n, tvl: [400_000n, 1_200_000n] })
  await warp(7 * 3600) // its oracle goes 7 h stale
  const stressed = await proveNow(2n)
  const stressedScore = signedSignal(stressed.signals[2]!)
  assert.ok(stressedScore < scores[2]!, `stress lowers the farm's score: ${stressedScore} vs ${scores[2]}`)
  await write(c.vault, A.vault, 'rebalance', [stressed.proof, stressed.signals], wallets[4]!)
  const s2 = await readVaultState(pub, c.vault)
  assert.ok(s2.inPools[2]! * 2n < after.inPools[2]!, `funds moved away from the stressed pool: ${after.inPools[2]} → ${s2.inPools[2]}`)
})

test('refused: a proof on invented inputs, a stale proof, a tampered proof, another subject, the cooldown, a replayed round', async () => {
  await warp(3601)
  // Invented inputs: a valid proof that pool 2 is a blue chip (audit 100).
  const invented = await proveNow(3n, { tamper: (f) => { f[9 * 2 + 6] = 1 } })
  let r = await revertOf(c.vault, A.vault, 'rebalance', [invented.proof, invented.signals], wallets[3]!)
  assert.equal(r.name, 'InputMismatch')
  assert.deepEqual(r.args.slice(0, 2), [2n, 6n])
  // Stale: proved, then the state moved (pool 0's top-10 depositors grow from 15% to 40%).
  const fresh = await proveNow(3n)
  await setPool(0, { facts: [95, 4000, 500] })
  r = await revertOf(c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'InputMismatch')
  assert.deepEqual(r.args.slice(0, 2), [0n, 8n])
  await setPool(0, { facts: [95, 1500, 500] }) // back: the proof's inputs match again
  // Tampered proof bytes, and a foreign subject.
  const bad = `${fresh.proof.slice(0, 66)}${(BigInt(`0x${fresh.proof.slice(66, 130)}`) ^ 1n).toString(16).padStart(64, '0')}${fresh.proof.slice(130)}` as Hex
  r = await revertOf(c.vault, A.vault, 'rebalance', [bad, fresh.signals])
  assert.equal(r.name, 'InvalidProof')
  const foreign = [...fresh.signals]
  foreign[foreign.length - 2] = 0xdeadn
  r = await revertOf(c.vault, A.vault, 'rebalance', [fresh.proof, foreign])
  assert.equal(r.name, 'WrongSubject')
  await write(c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  // Cooldown, then a replayed round after it.
  r = await revertOf(c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'CooldownActive')
  await warp(3601)
  r = await revertOf(c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'StaleRound')
})

test('caps and the max-move limit hold; nobody but the vault moves its pool funds', async () => {
  const snap = await rpc('evm_snapshot')
  const v2 = await deployVault({ caps: [3000, 3000, 3000], maxMoveBps: 2000, cooldown: 60 })
  await depositAs(3, 1000n * E18, v2)
  const p = await proveNow(1n, { vault: v2 })
  await write(v2, A.vault, 'rebalance', [p.proof, p.signals])
  const s = await readVaultState(pub, v2)
  const moved = s.inPools.reduce((a, b) => a + b, 0n)
  assert.ok(moved <= (s.totalAssets * 2000n) / 10_000n, `moved ${moved} of ${s.totalAssets}`)
  assert.ok(moved > 0n)
  await warp(61)
  for (let round = 2n; round <= 3n; round++) {
    const q = await proveNow(round, { vault: v2 })
    await write(v2, A.vault, 'rebalance', [q.proof, q.signals])
    await warp(61)
  }
  const t = await readVaultState(pub, v2)
  for (const [i, b] of t.inPools.entries()) assert.ok(b <= (t.totalAssets * 3000n) / 10_000n + 1n, `pool ${i} over its 30% cap: ${b}`)
  assert.ok(t.idle > 0n, 'what the caps leave stays idle')
  // Someone else cannot withdraw the vault's deposit from a pool, nor redeem others' shares.
  const pool = c.pools.find((_, i) => t.inPools[i]! > 0n)!
  let r = await revertOf(pool, A.pool, 'withdraw', [1n], wallets[4]!)
  assert.equal(r.name, 'InsufficientDeposit')
  r = await revertOf(v2, A.vault, 'redeem', [1n, wallets[4]!.account.address, wallets[3]!.account.address], wallets[4]!)
  assert.equal(r.name, 'InsufficientAllowance')
  await rpc('evm_revert', [snap])
})

test('keeper: proves the vault\'s own features, rebalances when the allocation moves, resumes its job after a restart', async () => {
  const snap = await rpc('evm_snapshot')
  await warp(3601)
  await setPool(1, { util: 9950, oracle: 95_000_000n, tvl: [3_000_000n, 8_000_000n] }) // the LST LP runs into trouble
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const prover = inProcessProverClient(async (req) => {
    await gate
    const p = await proveInference(circuit, req.input, { subject: BigInt(req.subject), round: BigInt(req.round) })
    return { proof: p.proof, publicSignals: p.publicSignals }
  })
  const statePath = join(tmp.dir, 'keeper.json')
  const log = memoryLogger()
  const keeper = (store: StateStore, proveTimeoutMs = 60_000) =>
    new VaultKeeper({ vault: c.vault, circuitId: 'pool-allocator', prover, chain: { publicClient: pub, wallet: wallets[3]! }, store, log, proveTimeoutMs })
  const first = await keeper(new StateStore(statePath), 300).tick() // the job is still proving: times out, stays pending
  assert.equal(first.status, 'error')
  assert.ok(new StateStore(statePath).get(`vault:${c.vault.toLowerCase()}`).pending, 'the pending job is on disk')
  release()
  const second = await keeper(new StateStore(statePath)).tick() // "restarted": resumes the same job
  assert.equal(second.status, 'rebalanced', JSON.stringify(second, (_, v) => (typeof v === 'bigint' ? String(v) : v)))
  assert.equal(prover.submitted, 1, 'the job was never resubmitted')
  assert.ok(log.entries.some((e) => e.event === 'keeper.job-resumed'))
  if (second.status === 'rebalanced') assert.ok(second.after[1]! < second.before[1]! / 2, `moved away from the troubled pool: ${second.before} → ${second.after}`)
  const third = await keeper(new StateStore(statePath)).tick()
  assert.equal(third.status, 'cooldown')
  await rpc('evm_revert', [snap])
})

test('property: random deposits, withdrawals, yield, stress and rebalances keep assets conserved and the share price up across rebalances (seeded)', async () => {
  const snap = await rpc('evm_snapshot')
  const r = rng(20261203)
  const users = [1, 2, 3]
  const price = (s: { totalAssets: bigint; totalSupply: bigint }) => ((s.totalAssets + 1n) * E18) / (s.totalSupply + 1n)
  const state = () => readVaultState(pub, c.vault)
  const tokenBal = (a: Address) => pub.readContract({ address: c.token, abi: A.token, functionName: 'balanceOf', args: [a] })
  let round = (await state()).lastRound
  let rebalances = 0
  const log: string[] = []
  for (let step = 0; step < 40; step++) {
    const s0 = await state()
    const u = users[Math.floor(r.uniform() * users.length)]!
    const addr = wallets[u]!.account.address
    const pick = r.uniform()
    let action: string
    if (pick < 0.3) {
      const amt = BigInt(Math.floor(r.between(1, 500))) * E18 + BigInt(Math.floor(r.uniform() * 1e6))
      const rc = await depositAs(u, amt)
      const s1 = await state()
      assert.equal(s1.totalAssets, s0.totalAssets + amt + accruedIn(rc), 'deposit adds exactly its assets')
      assert.ok(price(s1) >= price(s0) - 1n, 'a deposit does not dilute')
      action = `deposit ${amt}`
    } else if (pick < 0.5) {
      const shares = (await pub.readContract({ address: c.vault, abi: A.vault, functionName: 'balanceOf', args: [addr] })) as bigint
      const part = (shares * BigInt(Math.floor(r.between(1, 100)))) / 100n
      if (part === 0n) continue
      const preview = (await read('previewRedeem', [part])) as bigint
      if (preview === 0n) continue
      const bal0 = await tokenBal(addr)
      const rc = await write(c.vault, A.vault, 'redeem', [part, addr, addr], wallets[u]!)
      const got = (await tokenBal(addr)) - bal0
      const s1 = await state()
      assert.ok(got >= preview, 'at least the preview (yield accrued in the call)')
      assert.equal(s1.totalAssets, s0.totalAssets + accruedIn(rc) - got, 'a withdrawal takes exactly what it pays')
      assert.ok(price(s1) >= price(s0), 'rounding never favours the one who leaves')
      action = `redeem ${part}`
    } else if (pick < 0.7) {
      const dt = Math.floor(r.between(600, 5 * 86_400))
      await warp(dt)
      for (const p of c.pools) await write(p, A.pool, 'accrue', [])
      const s1 = await state()
      assert.ok(s1.totalAssets >= s0.totalAssets, 'yield never lowers assets')
      action = `yield ${dt}s`
    } else if (pick < 0.8) {
      const i = Math.floor(r.uniform() * c.pools.length)
      await setPool(i, { util: Math.floor(r.between(5000, 10_000)), oracle: BigInt(Math.floor(r.between(95e6, 105e6))), apy: Math.floor(r.between(200, 4000)) })
      action = `stress pool ${i}`
    } else {
      if (rebalances >= 3) continue
      const ready = s0.lastRebalanceAt + s0.cooldown
      const { timestamp } = await pub.getBlock()
      if (timestamp < ready) await warp(Number(ready - timestamp) + 1)
      round += 1n
      const pr = await proveNow(round)
      const before = await state()
      const rc = await write(c.vault, A.vault, 'rebalance', [pr.proof, pr.signals], wallets[4]!)
      const s1 = await state()
      assert.equal(s1.totalAssets, before.totalAssets + accruedIn(rc), 'a rebalance conserves assets (plus the yield accrued in the call)')
      assert.ok(price(s1) >= price(before), 'a rebalance never lowers the share price')
      rebalances++
      action = 'rebalance'
    }
    // Every step: each pool holds the tokens it owes, and the vault's assets are idle + pool balances.
    await Promise.all(c.pools.map(async (p) => {
      const owed = await pub.readContract({ address: p, abi: A.pool, functionName: 'totalDeposits' })
      assert.equal(await tokenBal(p), owed, `pool ${p} is solvent`)
    }))
    const s = await state()
    assert.equal(s.totalAssets, s.idle + s.inPools.reduce((a, b) => a + b, 0n))
    // Nobody but the vault moves its funds: an outsider's withdrawal from a pool fails.
    if (step % 10 === 0) {
      const rv = await revertOf(c.pools[step % c.pools.length]!, A.pool, 'withdraw', [1n], wallets[4]!)
      assert.equal(rv.name, 'InsufficientDeposit')
    }
    log.push(action)
  }
  assert.ok(rebalances >= 1, `at least one rebalance in the sequence: ${log.join(', ')}`)
  await rpc('evm_revert', [snap])
})
