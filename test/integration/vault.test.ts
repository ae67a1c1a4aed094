// ProvedAllocationVault end to end on anvil with real Groth16 proofs of models/pool-allocator:
// a proved rebalance moves funds; proofs on stale or invented inputs, tampered proofs and foreign
// subjects are refused; caps, the max-move limit and the cooldown hold; and a seeded property test
// over random deposit / withdraw / yield / stress / rebalance sequences checks the invariants.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { parseEventLogs, type Address, type Hex } from 'viem'
import { readVaultState, signedSignal, targetBps } from '../../src/chain/allocationVault.ts'
import { proveInference } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { POOL_FEATURES, quantizeExact } from '../../models/pool-allocator/features.ts'
import { rng } from '../../models/lib/random.ts'
import { tempDir } from './prover-helpers.ts'
import { inProcessProverClient, memoryLogger, StateStore, VaultKeeper } from '../../src/oracle/index.ts'
import { A, accruedIn, CAPS, E18, startVaultFixture, type VaultFixture } from './vault-fixture.ts'

const tmp = tempDir('vault')
let fx: VaultFixture

before(async () => {
  fx = await startVaultFixture(tmp.dir)
})

after(async () => {
  await terminateSnark()
  fx?.stop()
  tmp.remove()
})

test('the vault quantizes features exactly as the compiler does (pinned against quantizeExact and the prover)', async () => {
  const s = await readVaultState(fx.pub, fx.c.vault)
  const scale = s.inputScaleBits
  // The prover's public inputs for the vault's features are the signals the vault demands.
  const p = await proveInference(fx.circuit, s.features, { subject: BigInt(fx.c.vault), round: 1n })
  const n = fx.circuit.manifest.publicSignals.filter((x) => x.kind === 'output').length
  assert.deepEqual(p.publicSignals.slice(n, n + s.expectedSignals.length).map(BigInt), s.expectedSignals)
  // The vault's quantize on edge values of every feature, against the TS reference (the calls in one batch).
  const cases = POOL_FEATURES.flatMap((f) =>
    [f.range[0], f.range[0] + 1, -1, 0, 1, Math.floor((f.range[0] + f.range[1]) / 2), f.range[1] - 1, f.range[1]].filter((k) => k >= f.range[0] && k <= f.range[1]).map((k) => ({ f, k })))
  const onChain = await Promise.all(cases.map(({ f, k }) => fx.read('quantize', [BigInt(k), BigInt(f.den), scale]) as Promise<bigint>))
  for (const [i, { f, k }] of cases.entries()) {
    assert.equal(onChain[i], quantizeExact(BigInt(k), BigInt(f.den), scale), `${f.name} ${k}`)
    assert.equal(onChain[i], BigInt(Math.round((k / f.den) * 2 ** scale)), `${f.name} ${k}: the prover's rounding`)
  }
})

test('a proved rebalance moves the deposits to the proved allocation; assets and share price are unchanged', async () => {
  await fx.depositAs(1, 600n * E18)
  await fx.depositAs(2, 400n * E18)
  const { proof, signals } = await fx.proveNow(1n)
  const nOut = fx.c.pools.length
  const scores = signals.slice(0, nOut).map(signedSignal)
  for (const p of fx.c.pools) await fx.write(p, A.pool, 'accrue', [])
  const before = await readVaultState(fx.pub, fx.c.vault)
  assert.equal(before.idle, 1000n * E18)
  const rc = await fx.write(fx.c.vault, A.vault, 'rebalance', [proof, signals], fx.wallets[4]!) // any caller
  const after = await readVaultState(fx.pub, fx.c.vault)
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
  await fx.warp(3601)
  await fx.setPool(2, { util: 9900, oracle: 106_000_000n, tvl: [400_000n, 1_200_000n] })
  await fx.warp(7 * 3600) // its oracle goes 7 h stale
  const stressed = await fx.proveNow(2n)
  const stressedScore = signedSignal(stressed.signals[2]!)
  assert.ok(stressedScore < scores[2]!, `stress lowers the farm's score: ${stressedScore} vs ${scores[2]}`)
  await fx.write(fx.c.vault, A.vault, 'rebalance', [stressed.proof, stressed.signals], fx.wallets[4]!)
  const s2 = await readVaultState(fx.pub, fx.c.vault)
  assert.ok(s2.inPools[2]! * 2n < after.inPools[2]!, `funds moved away from the stressed pool: ${after.inPools[2]} → ${s2.inPools[2]}`)
})

test('refused: a proof on invented inputs, a stale proof, a tampered proof, another subject, the cooldown, a replayed round', async () => {
  await fx.warp(3601)
  // Invented inputs: a valid proof that pool 2 is a blue chip (audit 100).
  const invented = await fx.proveNow(3n, { tamper: (f) => { f[9 * 2 + 6] = 1 } })
  let r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [invented.proof, invented.signals], fx.wallets[3]!)
  assert.equal(r.name, 'InputMismatch')
  assert.deepEqual(r.args.slice(0, 2), [2n, 6n])
  // Stale: proved, then the state moved (pool 0's top-10 depositors grow from 15% to 40%).
  const fresh = await fx.proveNow(3n)
  await fx.setPool(0, { facts: [95, 4000, 500] })
  r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'InputMismatch')
  assert.deepEqual(r.args.slice(0, 2), [0n, 8n])
  await fx.setPool(0, { facts: [95, 1500, 500] }) // back: the proof's inputs match again
  // Tampered proof bytes, and a foreign subject.
  const bad = `${fresh.proof.slice(0, 66)}${(BigInt(`0x${fresh.proof.slice(66, 130)}`) ^ 1n).toString(16).padStart(64, '0')}${fresh.proof.slice(130)}` as Hex
  r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [bad, fresh.signals])
  assert.equal(r.name, 'InvalidProof')
  const foreign = [...fresh.signals]
  foreign[foreign.length - 2] = 0xdeadn
  r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [fresh.proof, foreign])
  assert.equal(r.name, 'WrongSubject')
  await fx.write(fx.c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  // Cooldown, then a replayed round after it.
  r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'CooldownActive')
  await fx.warp(3601)
  r = await fx.revertOf(fx.c.vault, A.vault, 'rebalance', [fresh.proof, fresh.signals])
  assert.equal(r.name, 'StaleRound')
})

test('caps and the max-move limit hold; nobody but the vault moves its pool funds', async () => {
  const snap = await fx.rpc('evm_snapshot')
  const v2 = await fx.deployVault({ caps: [3000, 3000, 3000], maxMoveBps: 2000, cooldown: 60 })
  await fx.depositAs(3, 1000n * E18, v2)
  const p = await fx.proveNow(1n, { vault: v2 })
  await fx.write(v2, A.vault, 'rebalance', [p.proof, p.signals])
  const s = await readVaultState(fx.pub, v2)
  const moved = s.inPools.reduce((a, b) => a + b, 0n)
  assert.ok(moved <= (s.totalAssets * 2000n) / 10_000n, `moved ${moved} of ${s.totalAssets}`)
  assert.ok(moved > 0n)
  await fx.warp(61)
  for (let round = 2n; round <= 3n; round++) {
    const q = await fx.proveNow(round, { vault: v2 })
    await fx.write(v2, A.vault, 'rebalance', [q.proof, q.signals])
    await fx.warp(61)
  }
  const t = await readVaultState(fx.pub, v2)
  for (const [i, b] of t.inPools.entries()) assert.ok(b <= (t.totalAssets * 3000n) / 10_000n + 1n, `pool ${i} over its 30% cap: ${b}`)
  assert.ok(t.idle > 0n, 'what the caps leave stays idle')
  // Someone else cannot withdraw the vault's deposit from a pool, nor redeem others' shares.
  const pool = fx.c.pools.find((_, i) => t.inPools[i]! > 0n)!
  let r = await fx.revertOf(pool, A.pool, 'withdraw', [1n], fx.wallets[4]!)
  assert.equal(r.name, 'InsufficientDeposit')
  r = await fx.revertOf(v2, A.vault, 'redeem', [1n, fx.wallets[4]!.account.address, fx.wallets[3]!.account.address], fx.wallets[4]!)
  assert.equal(r.name, 'InsufficientAllowance')
  await fx.rpc('evm_revert', [snap])
})

test('keeper: proves the vault\'s own features, rebalances when the allocation moves, resumes its job after a restart', async () => {
  const snap = await fx.rpc('evm_snapshot')
  await fx.warp(3601)
  await fx.setPool(1, { util: 9950, oracle: 95_000_000n, tvl: [3_000_000n, 8_000_000n] }) // the LST LP runs into trouble
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const prover = inProcessProverClient(async (req) => {
    await gate
    const p = await proveInference(fx.circuit, req.input, { subject: BigInt(req.subject), round: BigInt(req.round) })
    return { proof: p.proof, publicSignals: p.publicSignals }
  })
  const statePath = join(tmp.dir, 'keeper.json')
  const log = memoryLogger()
  const keeper = (store: StateStore, proveTimeoutMs = 60_000) =>
    new VaultKeeper({ vault: fx.c.vault, circuitId: 'pool-allocator', prover, chain: { publicClient: fx.pub, wallet: fx.wallets[3]! }, store, log, proveTimeoutMs })
  const first = await keeper(new StateStore(statePath), 300).tick() // the job is still proving: times out, stays pending
  assert.equal(first.status, 'error')
  assert.ok(new StateStore(statePath).get(`vault:${fx.c.vault.toLowerCase()}`).pending, 'the pending job is on disk')
  release()
  const second = await keeper(new StateStore(statePath)).tick() // "restarted": resumes the same job
  assert.equal(second.status, 'rebalanced', JSON.stringify(second, (_, v) => (typeof v === 'bigint' ? String(v) : v)))
  assert.equal(prover.submitted, 1, 'the job was never resubmitted')
  assert.ok(log.entries.some((e) => e.event === 'keeper.job-resumed'))
  if (second.status === 'rebalanced') assert.ok(second.after[1]! < second.before[1]! / 2, `moved away from the troubled pool: ${second.before} → ${second.after}`)
  const third = await keeper(new StateStore(statePath)).tick()
  assert.equal(third.status, 'cooldown')
  await fx.rpc('evm_revert', [snap])
})

test('property: random deposits, withdrawals, yield, stress and rebalances keep assets conserved and the share price up across rebalances (seeded)', async () => {
  const snap = await fx.rpc('evm_snapshot')
  const r = rng(20261203)
  const users = [1, 2, 3]
  const price = (s: { totalAssets: bigint; totalSupply: bigint }) => ((s.totalAssets + 1n) * E18) / (s.totalSupply + 1n)
  // What the invariants need, in one round trip (the client batches concurrent calls): readVaultState
  // would also read every pool's features, which only proving needs.
  const vault = { address: fx.c.vault, abi: A.vault } as const
  const state = async () => {
    const [totalAssets, totalSupply, [idle, inPools], lastRound, lastRebalanceAt, cooldown] = await Promise.all([
      fx.pub.readContract({ ...vault, functionName: 'totalAssets' }), fx.pub.readContract({ ...vault, functionName: 'totalSupply' }),
      fx.pub.readContract({ ...vault, functionName: 'allocation' }), fx.pub.readContract({ ...vault, functionName: 'lastRound' }),
      fx.pub.readContract({ ...vault, functionName: 'lastRebalanceAt' }), fx.pub.readContract({ ...vault, functionName: 'cooldown' }),
    ])
    return { totalAssets, totalSupply, idle, inPools, lastRound, lastRebalanceAt, cooldown: BigInt(cooldown) }
  }
  const tokenBal = (a: Address) => fx.pub.readContract({ address: fx.c.token, abi: A.token, functionName: 'balanceOf', args: [a] })
  // Each step starts from the state the previous one ended on (nothing happens between steps).
  let s0 = await state()
  let round = s0.lastRound
  let rebalances = 0
  const log: string[] = []
  for (let step = 0; step < 40; step++) {
    let s1: Awaited<ReturnType<typeof state>> | undefined
    const u = users[Math.floor(r.uniform() * users.length)]!
    const addr = fx.wallets[u]!.account.address
    const pick = r.uniform()
    let action: string
    if (pick < 0.3) {
      const amt = BigInt(Math.floor(r.between(1, 500))) * E18 + BigInt(Math.floor(r.uniform() * 1e6))
      const rc = await fx.depositAs(u, amt)
      s1 = await state()
      assert.equal(s1.totalAssets, s0.totalAssets + amt + accruedIn(rc), 'deposit adds exactly its assets')
      assert.ok(price(s1) >= price(s0) - 1n, 'a deposit does not dilute')
      action = `deposit ${amt}`
    } else if (pick < 0.5) {
      const shares = (await fx.pub.readContract({ address: fx.c.vault, abi: A.vault, functionName: 'balanceOf', args: [addr] })) as bigint
      const part = (shares * BigInt(Math.floor(r.between(1, 100)))) / 100n
      if (part === 0n) continue
      const preview = (await fx.read('previewRedeem', [part])) as bigint
      if (preview === 0n) continue
      const bal0 = await tokenBal(addr)
      const rc = await fx.write(fx.c.vault, A.vault, 'redeem', [part, addr, addr], fx.wallets[u]!)
      const [bal1, after] = await Promise.all([tokenBal(addr), state()])
      const got = bal1 - bal0
      s1 = after
      assert.ok(got >= preview, 'at least the preview (yield accrued in the call)')
      assert.equal(s1.totalAssets, s0.totalAssets + accruedIn(rc) - got, 'a withdrawal takes exactly what it pays')
      assert.ok(price(s1) >= price(s0), 'rounding never favours the one who leaves')
      action = `redeem ${part}`
    } else if (pick < 0.7) {
      const dt = Math.floor(r.between(600, 5 * 86_400))
      await fx.warp(dt)
      for (const p of fx.c.pools) await fx.write(p, A.pool, 'accrue', [])
      s1 = await state()
      assert.ok(s1.totalAssets >= s0.totalAssets, 'yield never lowers assets')
      action = `yield ${dt}s`
    } else if (pick < 0.8) {
      const i = Math.floor(r.uniform() * fx.c.pools.length)
      await fx.setPool(i, { util: Math.floor(r.between(5000, 10_000)), oracle: BigInt(Math.floor(r.between(95e6, 105e6))), apy: Math.floor(r.between(200, 4000)) })
      action = `stress pool ${i}`
    } else {
      if (rebalances >= 3) continue
      const ready = s0.lastRebalanceAt + s0.cooldown
      const { timestamp } = await fx.pub.getBlock()
      if (timestamp < ready) await fx.warp(Number(ready - timestamp) + 1)
      round += 1n
      const pr = await fx.proveNow(round)
      const before = await state()
      const rc = await fx.write(fx.c.vault, A.vault, 'rebalance', [pr.proof, pr.signals], fx.wallets[4]!)
      s1 = await state()
      assert.equal(s1.totalAssets, before.totalAssets + accruedIn(rc), 'a rebalance conserves assets (plus the yield accrued in the call)')
      assert.ok(price(s1) >= price(before), 'a rebalance never lowers the share price')
      rebalances++
      action = 'rebalance'
    }
    // Every step: each pool holds the tokens it owes, and the vault's assets are idle + pool balances.
    const [s, solvency] = await Promise.all([
      s1 ?? state(),
      Promise.all(fx.c.pools.map(async (p) => [p, ...(await Promise.all([fx.pub.readContract({ address: p, abi: A.pool, functionName: 'totalDeposits' }), tokenBal(p)]))] as const)),
    ])
    for (const [p, owed, held] of solvency) assert.equal(held, owed, `pool ${p} is solvent`)
    s0 = s
    assert.equal(s.totalAssets, s.idle + s.inPools.reduce((a, b) => a + b, 0n))
    // Nobody but the vault moves its funds: an outsider's withdrawal from a pool fails.
    if (step % 10 === 0) {
      const rv = await fx.revertOf(fx.c.pools[step % fx.c.pools.length]!, A.pool, 'withdraw', [1n], fx.wallets[4]!)
      assert.equal(rv.name, 'InsufficientDeposit')
    }
    log.push(action)
  }
  assert.ok(rebalances >= 1, `at least one rebalance in the sequence: ${log.join(', ')}`)
  await fx.rpc('evm_revert', [snap])
})
