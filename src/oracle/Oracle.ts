import { createHash } from 'node:crypto'
import type { Address } from 'viem'
import { projectContract } from '../chain/projectContracts.ts'
import { BaseError } from '../errors/index.ts'
import type { InputAdapter } from './adapters/InputAdapter.ts'
import { encodeJobProof } from '../chain/encodeJobProof.ts'
import { toFeedAnswer } from '../chain/feedAnswer.ts'
import type { Backend } from '../chain/index.ts'
import { expectedInputSignals, inputScalesFromManifest } from './inputSignals.ts'
import type { OracleLogger } from './logger.ts'
import { NonceTracker, postRound, type ChainClients } from './postRound.ts'
import type { ProverClient } from './proverClient.ts'
import { waitForProof } from './proverClient.ts'
import type { ProvedRoundView } from './roundServer.ts'
import { CHAIN_REJECTED_KEPT, type StateStore, type FeedState } from './stateStore.ts'
import { decidePost, isProofDue, type PostingPolicy } from './postingPolicy.ts'
import { oracleIdempotencyKey } from './idempotencyKey.ts'
import { TickLoop } from './tickLoop.ts'

export type OracleFeed = {
  /** Stable name, the key of persisted state and of idempotency keys. */
  id: string
  address: Address
  /**
   * The circuit this feed is proved with: its circuitId (sha256 of its canonical manifest JSON), the id
   * the prover network knows it by. It must be the circuitId the feed's model is registered with on-chain,
   * or the oracle refuses the feed (`ORACLE_CIRCUIT_MISMATCH`; docs/identity.md).
   */
  circuitId: string
  backend: Backend
  adapter: InputAdapter
  orders: PostingPolicy
  /**
   * Fixed-point bits the circuit quantizes every input with. Omitted: taken from the circuit's manifest
   * on the prover network (`ProverClient.circuit`), which must hash to `circuitId`.
   */
  inputScaleBits?: number
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
 * The oracle: per feed, per tick — read inputs, prove if due, post if its posting policy says so.
 * Crash-safe and idempotent: the round number is max(local, on-chain) + 1; a submitted job is persisted
 * before waiting and resumed after a restart; before posting, the on-chain `latestRound` is checked and
 * the contract itself rejects any round not strictly newer, which the poster treats as already posted.
 * A proof is posted only if its input signals are exactly the inputs read for the round
 * (`ORACLE_INPUTS_MISMATCH` otherwise), and a proof the feed refuses (`InvalidProof`) is never posted
 * again: the job is marked chain-rejected in the state file, reported to the network, and the round
 * proved again with a new job (`PROOF_REJECTED_ON_CHAIN`).
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
  private readonly feedAbi = projectContract('ProvedFeed').abi
  private readonly registryAbi = projectContract('ModelRegistry').abi
  private loop = new TickLoop(() => this.tick())
  private readonly latest = new Map<string, ProvedRoundView>()
  private readonly inputScales = new Map<string, number[]>()

  constructor(private readonly o: OracleOptions) {
    this.nonces = new NonceTracker(o.chain)
    const ids = new Set<string>()
    for (const f of o.feeds) {
      if (!f.id || ids.has(f.id))
        throw new BaseError('ORACLE_CONFIG_INVALID', `Feed id ${JSON.stringify(f.id)} is empty or repeated.`, { details: 'expected unique non-empty feed ids' })
      ids.add(f.id)
      if (!(f.orders.heartbeatS > 0) || !(f.orders.deviationBps >= 0))
        throw new BaseError('ORACLE_CONFIG_INVALID', `Feed ${f.id} has a bad posting policy.`, {
          details: `expected heartbeatS > 0 and deviationBps >= 0, got ${JSON.stringify(f.orders)}`,
        })
      if (f.inputScaleBits === undefined ? typeof o.prover.circuit !== 'function' : !(Number.isInteger(f.inputScaleBits) && f.inputScaleBits >= 0 && f.inputScaleBits <= 64))
        throw new BaseError('ORACLE_CONFIG_INVALID', `Feed ${f.id} has no input scale to check proofs against.`, {
          details: `expected inputScaleBits as an integer in [0, 64], or a prover client that serves circuit manifests; got ${JSON.stringify(f.inputScaleBits)}`,
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
    this.loop.start(intervalMs)
  }

  /** Stops ticking; resolves once the tick in flight has settled. */
  stop(): Promise<void> {
    return this.loop.stop()
  }

  private now(): number {
    return this.o.now ? this.o.now() : Math.floor(Date.now() / 1000)
  }

  /** Awaits a (typed) contract read, mapping a failure to `CHAIN_UNAVAILABLE`. */
  private async read<T>(address: Address, functionName: string, call: Promise<T>): Promise<T> {
    try {
      return await call
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]
      throw new BaseError('CHAIN_UNAVAILABLE', `Could not read ${functionName} at ${address}.`, { details: `expected an answer from the node, got: ${msg}`, cause: e })
    }
  }

  /** Each input signal's scale for a feed: configured, or from the circuit's manifest (checked against its id). */
  private async inputScalesOf(f: OracleFeed, layout: { nOutputs: number; nInputs: number }): Promise<number[]> {
    let scales = this.inputScales.get(f.id)
    if (!scales) {
      scales = f.inputScaleBits !== undefined
        ? Array.from({ length: layout.nInputs }, () => f.inputScaleBits!)
        : inputScalesFromManifest(await this.o.prover.circuit!(f.circuitId), f.circuitId, layout)
      this.inputScales.set(f.id, scales)
    }
    return scales
  }

  /**
   * The feed refused a network-verified proof. Posting it again can only fail again (on every tick and
   * after every restart: the feed would be frozen), so the job is marked in the persisted state, the
   * round goes back to proving under a new idempotency key (a new job, which any worker may take and
   * the coordinator checks afresh), and the network is told so it can charge the worker that made it.
   */
  private async chainRejected(f: OracleFeed, pending: NonNullable<FeedState['pending']>, cause: BaseError): Promise<never> {
    const { log, store } = this.o
    store.update(f.id, ({ pending: _, ...s }) => ({
      ...s,
      attempt: pending.attempt + 1,
      chainRejected: [...(s.chainRejected ?? []), pending.jobId].slice(-CHAIN_REJECTED_KEPT),
    }))
    log.error('round.chain-rejected', { feed: f.id, round: pending.round, jobId: pending.jobId, code: 'PROOF_REJECTED_ON_CHAIN', error: 'InvalidProof' })
    if (this.o.prover.reportChainRejection) {
      try {
        const r = await this.o.prover.reportChainRejection(pending.jobId, { error: 'InvalidProof', feed: f.address })
        log.info('job.chain-rejection-reported', { feed: f.id, jobId: pending.jobId, answer: r as Record<string, unknown> })
      } catch (e) {
        // The report is for the worker's reputation; the round is re-proved either way.
        log.warn('job.chain-rejection-report-failed', { feed: f.id, jobId: pending.jobId, error: e instanceof BaseError ? `${e.code}: ${e.details ?? e.shortMessage}` : String(e) })
      }
    }
    throw new BaseError('PROOF_REJECTED_ON_CHAIN', `Feed ${f.id} refused job ${pending.jobId}'s verified proof for round ${pending.round}.`, {
      details: `expected the feed to accept a network-verified proof, got InvalidProof; the job is marked and the round will be proved again with a new job`,
      meta: { jobId: pending.jobId, round: String(pending.round) },
      cause,
    })
  }

  private async tickFeed(f: OracleFeed): Promise<TickOutcome> {
    const { log, store } = this.o
    const pub = this.o.chain.publicClient
    const feed = { address: f.address, abi: this.feedAbi } as const
    const [chainRound, subject, decimals, outputIndex, registry, modelId] = await Promise.all([
      this.read(f.address, 'latestRound', pub.readContract({ ...feed, functionName: 'latestRound' })),
      this.read(f.address, 'subject', pub.readContract({ ...feed, functionName: 'subject' })),
      this.read(f.address, 'decimals', pub.readContract({ ...feed, functionName: 'decimals' })),
      this.read(f.address, 'outputIndex', pub.readContract({ ...feed, functionName: 'outputIndex' })),
      this.read(f.address, 'registry', pub.readContract({ ...feed, functionName: 'registry' })),
      this.read(f.address, 'modelId', pub.readContract({ ...feed, functionName: 'modelId' })),
    ])
    const model = await this.read(registry, 'model', pub.readContract({ address: registry, abi: this.registryAbi, functionName: 'model', args: [modelId] }))
    checkRegisteredCircuit(f, model.circuitId, { registry, modelId })
    const scales = await this.inputScalesOf(f, model.layout)

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
    if (st.pending && st.chainRejected?.includes(st.pending.jobId)) {
      // Only reachable from a hand-edited or older state file: a refused proof is never posted again.
      log.warn('job.chain-rejected-dropped', { feed: f.id, round: st.pending.round, jobId: st.pending.jobId })
      const attempt = st.pending.attempt + 1
      st = store.update(f.id, ({ pending: _, ...s }) => ({ ...s, attempt }))
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
      // Unguessable, so no other key holder can take it first (see idempotencyKey.ts); saved before the
      // submit, so a crash before `pending` is saved resubmits the same key and gets the same job back.
      const saved = st.submitKey
      const idempotencyKey = saved && saved.round === round && saved.attempt === attempt ? saved.key : oracleIdempotencyKey(f.id, round, attempt)
      if (saved?.key !== idempotencyKey) store.update(f.id, (s) => ({ ...s, submitKey: { round, attempt, key: idempotencyKey } }))
      const { jobId } = await this.o.prover.submit({
        circuitId: f.circuitId,
        input: inputs,
        subject: subject.toString(),
        round: round.toString(),
        idempotencyKey,
      })
      const submitted = { round, jobId, attempt, inputsKey, inputs }
      pending = submitted
      store.update(f.id, ({ submitKey: _, ...s }) => ({ ...s, pending: submitted }))
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
    // The proof must be of the inputs read for this round, not of whatever the network chose to prove.
    const readFor = pending.inputs ?? (pending.inputsKey === inputsKey ? inputs : undefined)
    const want = readFor && readFor.length === scales.length ? expectedInputSignals(readFor, scales) : undefined
    const got = signals.slice(model.layout.nOutputs, model.layout.nOutputs + model.layout.nInputs)
    const at = want ? want.findIndex((w, i) => got[i] !== w) : 0
    if (!want || at >= 0 || got.length !== want.length) {
      store.update(f.id, ({ pending: _, ...s }) => ({ ...s, attempt: pending!.attempt + 1 }))
      const details = want
        ? `expected input signal ${at} (public signal ${model.layout.nOutputs + at}) to be ${want[at]} (input ${readFor![at]} at 2^${scales[at]}), got ${got[at]}`
        : readFor
          ? `expected ${scales.length} inputs for the circuit, got ${readFor.length} read for this round`
          : 'expected the inputs read for this round, got a pending job from an older state file whose inputs were not kept and have changed since'
      log.error('proof.inputs-mismatch', { feed: f.id, round: pending.round, jobId: pending.jobId, code: 'ORACLE_INPUTS_MISMATCH', details })
      throw new BaseError('ORACLE_INPUTS_MISMATCH', `Job ${pending.jobId} proved inputs other than the oracle read for round ${pending.round}.`, {
        details,
        meta: { jobId: pending.jobId },
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
    let r: Awaited<ReturnType<typeof postRound>>
    try {
      r = await postRound(this.o.chain, this.nonces, f.address, proof, signals, {
        log,
        feedId: f.id,
        ...(this.o.postRetries !== undefined ? { retries: this.o.postRetries } : {}),
        ...(this.o.postBackoffMs !== undefined ? { backoffMs: this.o.postBackoffMs } : {}),
      })
    } catch (e) {
      if (e instanceof BaseError && e.code === 'FEED_UPDATE_REVERTED' && e.meta?.error === 'InvalidProof') await this.chainRejected(f, pending, e)
      throw e
    }
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

/**
 * Refuses a feed whose on-chain model is registered with another circuit than the one the oracle proves:
 * its proofs could only fail on-chain (another verifier) or, worse, be proved for a circuit nobody
 * registered. `ORACLE_CIRCUIT_MISMATCH` names both ids.
 *
 * @example
 * ```ts
 * checkRegisteredCircuit(feed, model.circuitId, { registry, modelId }) // throws unless equal (case-insensitive)
 * ```
 */
export function checkRegisteredCircuit(f: Pick<OracleFeed, 'id' | 'circuitId'>, registered: string, at: { registry: Address; modelId: bigint }): void {
  if (registered.toLowerCase() === f.circuitId.toLowerCase()) return
  throw new BaseError('ORACLE_CIRCUIT_MISMATCH', `Feed ${f.id} is registered with another circuit than the one the oracle proves for it.`, {
    details: `expected model ${at.modelId} in registry ${at.registry} to be registered with circuitId ${f.circuitId} (the feed's configured circuit), got ${registered}; nothing is proved or posted for this feed`,
    meta: { registered, configured: f.circuitId },
  })
}
