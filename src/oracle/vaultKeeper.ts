import type { Address, Hex } from 'viem'
import { projectContract } from '../chain/projectContracts.ts'
import { allocationBps, inputsKeyOf, keeperIdempotencyKey, readVaultState, signedSignal, targetBps, type VaultState } from '../chain/allocationVault.ts'
import { encodeJobProof } from '../chain/encodeJobProof.ts'
import { writeAndWait } from '../chain/writeAndWait.ts'
import { decodeRevert } from '../chain/decodeRevert.ts'
import { BaseError } from '../errors/index.ts'
import type { OracleLogger } from './logger.ts'
import type { ChainClients } from './postRound.ts'
import { waitForProof, type ProverClient } from './proverClient.ts'
import type { StateStore } from './stateStore.ts'
import { TickLoop } from './tickLoop.ts'

export type VaultKeeperOptions = {
  vault: Address
  /** The pool-allocator circuit registered with the prover network (sha256 of its canonical manifest). */
  circuitId: string
  prover: ProverClient
  chain: ChainClients
  /** Keeps the round and the pending job across restarts (key `vault:<address>`). */
  store: StateStore
  log: OracleLogger
  /** Rebalance only when the proved allocation differs from the current one by at least this many bps (half the L1 distance). Default 500. */
  minChangeBps?: number
  proveTimeoutMs?: number
}

/** What one keeper tick did. */
export type KeeperOutcome =
  | { status: 'cooldown'; readyAt: bigint }
  | { status: 'empty' }
  | { status: 'unchanged'; round: bigint; current: number[]; target: number[]; changeBps: number }
  | { status: 'stale'; round: bigint }
  | { status: 'rebalanced'; round: bigint; before: number[]; after: number[]; txHash: Hex; gasUsed: bigint }
  | { status: 'error'; code: string; message: string }

/**
 * The vault keeper (`zkml keeper --vault <addr>`): reads the vault's state, submits a proof job of the
 * pool-allocator on exactly the features the vault computes (any worker, any engine), and calls the
 * permissionless `rebalance` when the proved allocation differs enough from the current one. A job
 * submitted before a crash is resumed from the state file, never resubmitted (its idempotency key is
 * derived from vault, round and inputs, so even a crash between submit and save gets the same job).
 * Logs JSON lines (`keeper.*`).
 *
 * @example
 * ```ts
 * import { VaultKeeper, StateStore, jsonLogger, httpProverClient } from './src/oracle/index.ts'
 * const k = new VaultKeeper({ vault, circuitId, prover: httpProverClient({ baseUrl }), chain: { publicClient, wallet }, store: new StateStore('.zkml/keeper.json'), log: jsonLogger() })
 * await k.tick() // { status: 'rebalanced', before: [...], after: [...] } or why not
 * ```
 */
export class VaultKeeper {
  private loop = new TickLoop(() => this.tick())
  private readonly key: string

  constructor(private readonly o: VaultKeeperOptions) {
    this.key = `vault:${o.vault.toLowerCase()}`
  }

  async tick(): Promise<KeeperOutcome> {
    try {
      return await this.step()
    } catch (e) {
      const err = e instanceof BaseError ? e : new BaseError('ORACLE_ROUND_FAILED', 'The keeper tick failed.', { details: (e as Error)?.message ?? String(e), cause: e })
      this.o.log.error('keeper.error', { vault: this.o.vault, code: err.code, message: err.message, details: err.details })
      return { status: 'error', code: err.code, message: err.message }
    }
  }

  private async step(): Promise<KeeperOutcome> {
    const { vault, store, log } = this.o
    const s = await readVaultState(this.o.chain.publicClient, vault)
    const { timestamp } = await this.o.chain.publicClient.getBlock({ blockNumber: s.blockNumber })
    const readyAt = s.lastRebalanceAt === 0n ? 0n : s.lastRebalanceAt + s.cooldown
    if (timestamp < readyAt) {
      log.info('keeper.cooldown', { vault, readyAt })
      return { status: 'cooldown', readyAt }
    }
    if (s.totalAssets === 0n) return { status: 'empty' }
    const saved = store.get(this.key)
    const inputsKey = inputsKeyOf(s.expectedSignals)
    let pending = saved.pending
    if (pending && (pending.round <= s.lastRound || pending.inputsKey !== inputsKey)) {
      log.info('keeper.pending-dropped', { vault, round: pending.round, jobId: pending.jobId, why: pending.round <= s.lastRound ? 'round passed' : 'state moved' })
      pending = undefined
    }
    if (!pending) {
      const round = (s.lastRound > saved.lastRound ? s.lastRound : saved.lastRound) + 1n
      const idempotencyKey = keeperIdempotencyKey(vault, round, s.expectedSignals)
      const { jobId } = await this.o.prover.submit({ circuitId: this.o.circuitId, input: s.features, subject: BigInt(vault).toString(), round: round.toString(), idempotencyKey })
      pending = { round, jobId, attempt: 0, inputsKey, inputs: s.features }
      store.update(this.key, (x) => ({ ...x, pending }))
      log.info('keeper.job-submitted', { vault, round, jobId })
    } else log.info('keeper.job-resumed', { vault, round: pending.round, jobId: pending.jobId })
    const job = await waitForProof(this.o.prover, pending.jobId, { timeoutMs: this.o.proveTimeoutMs ?? 300_000 })
    const round = pending.round
    const n = s.pools.length
    const scores = job.publicSignals.slice(0, n).map(signedSignal)
    const caps = (await this.o.chain.publicClient.readContract({ address: vault, abi: projectContract('ProvedAllocationVault').abi, functionName: 'capBps' })).map(Number)
    const target = targetBps(scores, caps)
    const current = allocationBps(s)
    const changeBps = Math.round(target.reduce((a, t, i) => a + Math.abs(t - current[i]!), 0) / 2)
    if (changeBps < (this.o.minChangeBps ?? 500)) {
      store.update(this.key, (x) => ({ ...x, pending: undefined, lastInputsKey: inputsKey }))
      log.info('keeper.unchanged', { vault, round, current, target, changeBps })
      return { status: 'unchanged', round, current, target, changeBps }
    }
    const now = await readVaultState(this.o.chain.publicClient, vault)
    if (inputsKeyOf(now.expectedSignals) !== inputsKeyOf(job.publicSignals.slice(n, n + now.expectedSignals.length).map(BigInt))) {
      store.update(this.key, (x) => ({ ...x, pending: undefined }))
      log.warn('keeper.stale', { vault, round, why: 'the pools moved while the proof was made' })
      return { status: 'stale', round }
    }
    const { abi } = projectContract('ProvedAllocationVault')
    const args = [encodeJobProof('groth16', job.proof), job.publicSignals.map(BigInt)] as const
    let receipt: Awaited<ReturnType<typeof writeAndWait>>
    try {
      // writeAndWait sends with headroom over the estimate: the pools' accrual work grows with the seconds since it.
      receipt = await writeAndWait(this.o.chain, { address: vault, abi, functionName: 'rebalance', args })
    } catch (e) {
      const r = decodeRevert(e) ?? ((e as BaseError).meta?.error ? { name: String((e as BaseError).meta!.error) } : undefined)
      if (r?.name === 'InputMismatch' || r?.name === 'StaleRound' || r?.name === 'CooldownActive') {
        store.update(this.key, (x) => ({ ...x, pending: undefined }))
        log.warn('keeper.stale', { vault, round, why: r.name })
        return { status: 'stale', round }
      }
      throw e
    }
    const after = allocationBps(await readVaultState(this.o.chain.publicClient, vault))
    store.update(this.key, (x) => ({ ...x, pending: undefined, lastRound: round, lastInputsKey: inputsKey, lastPostedAt: Math.floor(Date.now() / 1000) }))
    log.info('keeper.rebalanced', { vault, round, before: current, after, scores, txHash: receipt.transactionHash, gasUsed: receipt.gasUsed })
    return { status: 'rebalanced', round, before: current, after, txHash: receipt.transactionHash, gasUsed: receipt.gasUsed }
  }

  /** Ticks every `intervalMs` (never two at once) until `stop()`. */
  start(intervalMs: number): void {
    this.loop.start(intervalMs)
  }

  /** Stops ticking; resolves once the tick in flight has settled. */
  stop(): Promise<void> {
    return this.loop.stop()
  }
}

/** The vault's state, re-exported for callers of the keeper. */
export type { VaultState }
