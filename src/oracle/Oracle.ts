import { createHash } from 'node:crypto'
import type { Abi, Address } from 'viem'
import { projectContract } from '../chain/projectContracts.ts'
import { BaseError } from '../errors/index.ts'
import type { InputAdapter } from './adapters/InputAdapter.ts'
import { encodeJobProof } from '../chain/encodeJobProof.ts'
import { toFeedAnswer } from '../chain/feedAnswer.ts'
import type { Backend } from '../chain/index.ts'
import type { OracleLogger } from './logger.ts'
import { NonceTracker, postRound, type ChainClients } from './postRound.ts'
import type { ProverClient } from './proverClient.ts'
import { waitForProof } from './proverClient.ts'
import type { ProvedRoundView } from './roundServer.ts'
import { StateStore } from './stateStore.ts'
import { oracleIdempotencyKey } from './idempotencyKey.ts'
import { decidePost, isProofDue, type StandingOrders } from './standingOrders.ts'

export type OracleFeed = {
  /** Stable name, the key of persisted state and of idempotency keys. */
  id: string
  address: Address
  /** The prover network's id of the circuit registered for this feed's model. */
  circuitId: string
  backend: Backend
  adapter: InputAdapter
  orders: StandingOrders
}

export type TickOutcome =
  | { feed: string; status: 'posted'; round: bigint; answer: bigint; reason: string; txHash: `0x${string}` }
  | { feed: string; status: 'skipped'; reason: 'inputs-unchanged' | 'within-threshold'; round?: bigint }
  | { feed: string; status: 'already-posted'; round: bigint }
  | { feed: string; status: 'waiting'; round: bigint; jobId: string }
  | { feed: string; status: 'error'; code: string; message: string }

export type OracleOptions = {
  feeds: OracleFeed[]
  prover: ProverClient
  chain: ChainClients
  store: StateStore
  log: OracleLogger
  /** How long one tick waits for a proof before leaving it pending for the next tick. */
  proveTimeoutMs?: number
  /** Chain-side retries per post (node restarts, nonce clashes). */
  postRetries?: number
  postBackoffMs?: number
  /** Clock in unix seconds (tests move it). */
  now?: () => number
}

/**
 * The oracle: per feed, per tick — read inputs, prove if due, post if the standing orders say so.
 * Crash-safe and idempotent: the round number is max(local, on-chain) + 1; a submitted job is persisted
 * before waiting and resumed after a restart; before posting, the on-chain `latestRound` is checked and
 * the contract itself rejects any round not strictly newer, which the poster treats as already posted.
 *
 * @example
 * ```ts
 * import { Oracle, StateStore, httpProverClient, jsonLogger } from './src/oracle/index.ts'
 * const oracle = new Oracle({ feeds, prover: httpProverClient({ baseUrl }), chain, store: new StateStore('state.json'), log: jsonLogger() })
 * const outcomes = await oracle.tick()
 * ```
 */
export class Oracle {
  private readonly nonces: NonceTracker
  private readonly feedAbi = projectContract('ProvedFeed').abi as Abi
  private readonly registryAbi = projectContract('ModelRegistry').abi as Abi
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private readonly latest = new Map<string, ProvedRoundView>()

  constructor(private readonly o: OracleOptions) {
    this.nonces = new NonceTracker(o.chain)
    const ids = new Set<string>()
    for (const f of o.feeds) {
      if (!f.id || ids.has(f.id))
        throw new BaseError('ORACLE_CONFIG_INVALID', `Feed id ${JSON.stringify(f.id)} is empty or repeated.`, { details: 'expected unique non-empty feed ids' })
      ids.add(f.id)
      if (!(f.orders.heartbeatS > 0) || !(f.orders.deviationBps >= 0))
        throw new BaseError('ORACLE_CONFIG_INVALID', `Feed ${f.id} has bad standing orders.`, {
          details: `expected heartbeatS > 0 and deviationBps >= 0, got ${JSON.stringify(f.orders)}`,
        })
    }
  }

  /** The latest round this process posted for a feed, with its proof (served by the round API). */
  latestProved(feedId: string): ProvedRoundView | undefined {
    return this.latest.get(feedId)
  }

  /** Runs one pass over every feed; never throws, each feed's failure is its outcome. */
  async tick(): Promise<TickOutcome[]> {
    const out: TickOutcome[] = []
    for (const f of this.o.feeds) {
      try {
        out.push(await this.tickFeed(f))
      } catch (e) {
        const code = e instanceof BaseError ? e.code : 'UNEXPECTED'
        const message = e instanceof BaseError ? e.shortMessage : String((e as Error)?.message ?? e)
        this.o.log.error('feed.failed', { feed: f.id, code, message, ...(e instanceof BaseError && e.details ? { details: e.details } : {}) })
        out.push({ feed: f.id, status: 'error', code, message })
      }
    }
    return out
  }

  /** Ticks every `intervalMs` until `stop()`; a tick never overlaps the previous one. */
  start(intervalMs: number): void {
    const loop = async () => {
      this.running = this.tick()
      await this.running
      if (this.timer !== undefined) this.timer = setTimeout(loop, intervalMs)
    }
    this.timer = setTimeout(loop, 0)
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  private now(): number {
    return this.o.now ? this.o.now() : Math.floor(Date.now() / 1000)
  }

  private async read<T>(address: Address, abi: Abi, functionName: string, args: unknown[] = []): Promise<T> {
    try {
      return (await this.o.chain.publicClient.readContract({ address, abi, functionName, args })) as T
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]
      throw new BaseError('CHAIN_UNAVAILABLE', `Could not read ${functionName} at ${address}.`, { details: `expected an answer from the node, got: ${msg}`, cause: e })
    }
  }

  private async tickFeed(f: OracleFeed): Promise<TickOutcome> {
    const { log, store } = this.o
    const [chainRound, subject, decimals, outputIndex, registry, modelId] = await Promise.all([
      this.read<bigint>(f.address, this.feedAbi, 'latestRound'),
      this.read<bigint>(f.address, this.feedAbi, 'subject'),
      this.read<number>(f.address, this.feedAbi, 'decimals'),
      this.read<number>(f.address, this.feedAbi, 'outputIndex'),
      this.read<Address>(f.address, this.feedAbi, 'registry'),
      this.read<bigint>(f.address, this.feedAbi, 'modelId'),
    ])
    const model = await this.read<{ version: number; layout: { scaleBits: number; subjectIndex: number; roundIndex: number } }>(registry, this.registryAbi, 'model', [modelId])

    // The chain is the floor: a round seen there (ours before a crash, or another replica's) is done.
    let st = store.get(f.id)
    if (chainRound > st.lastRound) {
      log.info('feed.synced-from-chain', { feed: f.id, localRound: st.lastRound, chainRound })
      st = store.update(f.id, (s) => ({ ...s, lastRound: chainRound }))
    }
    if (st.pending && st.pending.round <= st.lastRound) {
      log.info('round.pending-already-on-chain', { feed: f.id, round: st.pending.round })
      st = store.update(f.id, ({ pending: _, ...s }) => s)
    }

    const inputs = await f.adapter.read()
    const inputsKey = createHash('sha256').update(JSON.stringify(inputs)).digest('hex')
    const nowS = this.now()

    let pending = st.pending
    if (!pending) {
      if (!isProofDue(f.orders, { lastPostedAt: st.lastPostedAt, nowS, inputsChanged: inputsKey !== st.lastInputsKey }))
        return { feed: f.id, status: 'skipped', reason: 'inputs-unchanged' }
      const round = st.lastRound + 1n
      const attempt = st.attempt ?? 0
      const { jobId } = await this.o.prover.submit({
        circuitId: f.circuitId,
        input: inputs,
        subject: subject.toString(),
        round: round.toString(),
        // Unguessable, so no other key holder can take it first (see idempotencyKey.ts).
        idempotencyKey: oracleIdempotencyKey(f.id, round, attempt),
      })
      pending = { round, jobId, attempt, inputsKey }
      store.update(f.id, (s) => ({ ...s, pending }))
      log.info('job.submitted', { feed: f.id, round, jobId, adapter: f.adapter.describe })
    } else {
      log.info('job.resumed', { feed: f.id, round: pending.round, jobId: pending.jobId })
    }

    let proved: Awaited<ReturnType<typeof waitForProof>>
    try {
      proved = await waitForProof(this.o.prover, pending.jobId, { timeoutMs: this.o.proveTimeoutMs ?? 300_000 })
    } catch (e) {
      if (e instanceof BaseError && e.code === 'PROVER_TIMEOUT') {
        log.warn('job.still-running', { feed: f.id, round: pending.round, jobId: pending.jobId })
        return { feed: f.id, status: 'waiting', round: pending.round, jobId: pending.jobId }
      }
      if (e instanceof BaseError && e.code === 'PROVER_JOB_FAILED')
        store.update(f.id, ({ pending: _, ...s }) => ({ ...s, attempt: pending!.attempt + 1 }))
      throw e
    }

    const signals = proved.publicSignals.map((s) => BigInt(s))
    // Defense in depth: the contract checks these too, but a wrong job should not cost gas.
    const gotSubject = signals[model.layout.subjectIndex]
    const gotRound = signals[model.layout.roundIndex]
    if (gotSubject !== subject || gotRound !== pending.round) {
      store.update(f.id, ({ pending: _, ...s }) => ({ ...s, attempt: pending!.attempt + 1 }))
      throw new BaseError('PROVER_JOB_FAILED', `Job ${pending.jobId} proved the wrong context.`, {
        details: `expected subject ${subject} round ${pending.round}, got subject ${gotSubject} round ${gotRound}`,
      })
    }
    const answer = toFeedAnswer(signals[outputIndex]!, model.layout.scaleBits, decimals)
    const decision = decidePost(f.orders, { lastAnswer: st.lastAnswer, lastPostedAt: st.lastPostedAt, nowS, answer })
    if (!decision.post) {
      // The round number is not burned: nothing went on-chain, the next proof reuses it with a new attempt.
      store.update(f.id, ({ pending: _, ...s }) => ({ ...s, lastInputsKey: pending!.inputsKey, attempt: pending!.attempt + 1 }))
      log.info('round.within-threshold', { feed: f.id, round: pending.round, answer, lastAnswer: st.lastAnswer })
      return { feed: f.id, status: 'skipped', reason: 'within-threshold', round: pending.round }
    }

    const proof = encodeJobProof(f.backend, proved.proof)
    const r = await postRound(this.o.chain, this.nonces, f.address, proof, signals, {
      log,
      feedId: f.id,
      ...(this.o.postRetries !== undefined ? { retries: this.o.postRetries } : {}),
      ...(this.o.postBackoffMs !== undefined ? { backoffMs: this.o.postBackoffMs } : {}),
    })
    if (r.status === 'already-posted') {
      store.update(f.id, ({ pending: _, ...s }) => ({ ...s, lastRound: r.latestRound > s.lastRound ? r.latestRound : s.lastRound }))
      return { feed: f.id, status: 'already-posted', round: pending.round }
    }
    store.update(f.id, ({ pending: _, ...s }) => ({
      ...s,
      lastRound: pending!.round,
      lastAnswer: answer,
      lastPostedAt: nowS,
      lastInputsKey: pending!.inputsKey,
      attempt: 0,
    }))
    this.latest.set(f.id, {
      feedId: f.id,
      feed: f.address,
      round: pending.round.toString(),
      subject: subject.toString(),
      answer: answer.toString(),
      decimals,
      modelVersion: Number(model.version),
      proof,
      publicSignals: signals.map(String),
      txHash: r.txHash,
    })
    log.info('round.posted', { feed: f.id, round: pending.round, answer, reason: decision.reason, txHash: r.txHash, gasUsed: r.gasUsed, attempts: r.attempts })
    return { feed: f.id, status: 'posted', round: pending.round, answer, reason: decision.reason, txHash: r.txHash }
  }
}
