import { EventEmitter } from 'node:events'
import { randomBytes } from 'node:crypto'
import { UnrecoverableError, Worker as BullWorker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import type { ArtifactStore } from '../network/artifactStore.ts'
import { CircuitCache } from '../network/circuitCache.ts'
import { CircuitRegistry } from '../network/circuitRegistry.ts'
import { ResultClient, type ResultSubmission, type Verdict } from '../network/coordinator.ts'
import type { Hardware } from '../network/hardware.ts'
import { JobStore, type ProofResult } from '../network/jobStore.ts'
import { bullPrefix, isCluster, proveQueueName, redisKeys, type RedisKeys } from '../network/keys.ts'
import type { ProveJobData } from '../network/proverQueue.ts'
import type { ProvingEngine } from '../network/provingEngine.ts'
import type { ResultAttestation } from '../network/resultAttestation.ts'
import { meetsClass, meetsRequirements, parseClassName } from '../network/requirements.ts'

/** A job as hooks see it. */
export type WorkerJob = ProveJobData & { attempt: number; workerId: string }

/** How a proving attempt ended, as `afterProve` sees it. */
export type ProveOutcome =
  | { status: 'verified'; result: ProofResult; verdict: Verdict }
  | { status: 'duplicate'; result: ProofResult; verdict: Verdict }
  | { status: 'retrying' | 'failed'; error: BaseError }

/**
 * Lifecycle hooks. The market plugs on-chain steps in here: lock the job's collateral in
 * `beforeProve` (throwing fails this attempt and the job is retried), fulfil/claim payment in
 * `afterProve` when `outcome.status === 'verified'` (the coordinator's verdict; `duplicate` means
 * another worker's result was accepted first and nothing is owed).
 */
export type WorkerHooks = {
  beforeProve?(job: WorkerJob): Promise<void> | void
  afterProve?(job: WorkerJob, outcome: ProveOutcome): Promise<void> | void
  /** Signs a result before hand-in, so the coordinator can count a rejected proof against the signer. */
  attestResult?(sub: Omit<ResultSubmission, 'attestation'>): Promise<ResultAttestation> | ResultAttestation
}

export type ProverWorkerOptions = {
  redis: Redis
  prefix: string
  store: ArtifactStore
  engine: ProvingEngine
  hardware: Hardware
  id?: string | undefined
  hooks?: WorkerHooks | undefined
  /** BullMQ lock on a job being proved; renewed every half. A killed worker's job is recoverable after it. Default 30 000 ms. */
  lockDurationMs?: number | undefined
  /** How often this worker looks for stalled (lock-expired) jobs. Default 15 000 ms. */
  stalledIntervalMs?: number | undefined
  /** Stalls a job survives before it fails for good. Default 2. */
  maxStalledCount?: number | undefined
  /** Advertisement refresh; the key expires after 3×. Default 5000 ms. */
  heartbeatMs?: number | undefined
  /** Idle poll period when no wake-up arrives. Default 1000 ms. */
  pollMs?: number | undefined
  /** In-memory budget for loaded circuits. Default 1 GiB. */
  circuitCacheBytes?: number | undefined
  /** On shutdown, how long the current proof may run before the job is released. Default 30 000 ms. */
  shutdownGraceMs?: number | undefined
  /**
   * TEST ONLY: corrupt the proof of this many first results after self-verification, to prove that
   * the coordinator rejects a lying worker. `zkml worker --test-tamper-proofs N`.
   */
  testTamperProofs?: number | undefined
}

/** Error codes no retry can cure: the job's own input is at fault. */
const deterministicCodes = new Set(['INPUT_INVALID', 'QUANTIZATION_OVERFLOW', 'CIRCUIT_UNSATISFIED', 'CIRCUIT_NOT_FOUND', 'NATIVE_KEY_MISMATCH', 'NATIVE_KEY_INVALID', 'ENGINE_BACKEND_UNSUPPORTED'])

/**
 * A prover: advertises its hardware, takes jobs only from the queues of capability classes it
 * meets (and re-checks each job's exact requirements before touching it), proves one job at a
 * time, verifies its own proof, hands the result to the coordinator and acts on the verdict. Without
 * beforeProve/afterProve hooks it proves the next job while the coordinator judges the last one
 * (one verdict outstanding at most), so the coordinator's work is off the prover's critical path.
 *
 * Events: `'log'` `(entry: object)` for every notable step.
 *
 * @example
 * ```ts
 * import { ProverWorker, snarkjsEngine, detectHardware } from './src/prover/index.ts'
import { LocalArtifactStore, connectRedis } from './src/network/index.ts'
 * const w = new ProverWorker({ redis: await connectRedis(), prefix: 'zkml', store: new LocalArtifactStore(),
 *   engine: await snarkjsEngine(), hardware: await detectHardware() })
 * await w.start()
 * process.on('SIGTERM', () => w.stop().then(() => process.exit(0)))
 * ```
 */
export class ProverWorker extends EventEmitter {
  readonly id: string
  readonly keys: RedisKeys
  readonly jobs: JobStore
  readonly circuits: CircuitCache
  private registry: CircuitRegistry
  private results: ResultClient
  private bull = new Map<string, BullWorker>()
  private refused = new Set<string>()
  private sub: Redis | undefined
  private wakeUp: (() => void) | undefined
  private stopping = false
  private loop: Promise<void> | undefined
  private current: { job: Job; token: string; released: boolean; done: Promise<void> } | undefined
  private heartbeat: NodeJS.Timeout | undefined
  /** Renews the BullMQ lock of the job being proved; cleared when the attempt ends or is released. */
  private lockRenewal: NodeJS.Timeout | undefined
  private tamperLeft: number
  /** The last handed-in result's verdict handling, while the loop proves the next job (`pipelined`). */
  private verdictPending: Promise<void> | undefined
  private tokenSeq = 0
  private lastClassRefresh = 0
  /** Jobs this worker finished, by outcome. */
  readonly counts = { verified: 0, duplicate: 0, retrying: 0, failed: 0 }

  constructor(private opts: ProverWorkerOptions) {
    super()
    this.id = opts.id ?? `w-${opts.hardware.hostname}-${process.pid}-${randomBytes(3).toString('hex')}`
    this.keys = redisKeys(opts.prefix, isCluster(opts.redis))
    this.jobs = new JobStore(opts.redis, opts.prefix)
    this.registry = new CircuitRegistry(opts.redis, opts.prefix, opts.store)
    this.circuits = new CircuitCache({ registry: this.registry, store: opts.store, engine: opts.engine, maxBytes: opts.circuitCacheBytes })
    this.results = new ResultClient(opts.redis, opts.prefix)
    this.tamperLeft = opts.testTamperProofs ?? 0
  }

  private get lockMs() {
    return this.opts.lockDurationMs ?? 30_000
  }

  private log(entry: Record<string, unknown>) {
    this.emit('log', { at: new Date().toISOString(), worker: this.id, ...entry })
  }

  /** Advertises the worker and starts taking jobs. */
  async start(): Promise<void> {
    await this.results.ready()
    await this.advertise()
    const hb = this.opts.heartbeatMs ?? 5000
    this.heartbeat = setInterval(() => void this.advertise().catch(() => {}), hb)
    this.sub = this.opts.redis.duplicate()
    this.sub.on('error', () => {})
    await this.sub.subscribe(this.keys.wake)
    this.sub.on('message', () => this.wakeUp?.())
    this.log({ event: 'started', hardware: this.opts.hardware })
    this.loop = this.run()
  }

  private async advertise(): Promise<void> {
    const ttl = 3 * (this.opts.heartbeatMs ?? 5000)
    const ad = {
      id: this.id,
      hardware: this.opts.hardware,
      classes: [...this.bull.keys()].sort(),
      currentJob: this.current?.job.id ?? null,
      counts: this.counts,
      heartbeatAt: Date.now(),
      stopping: this.stopping,
    }
    await this.opts.redis.multi()
      .set(this.keys.worker(this.id), JSON.stringify(ad), 'PX', ttl)
      .zadd(this.keys.workers, Date.now(), this.id)
      .exec()
  }

  /** Opens a queue listener for every known class this hardware meets, and for no other. */
  private async refreshClasses(): Promise<void> {
    if (Date.now() - this.lastClassRefresh < (this.opts.pollMs ?? 1000) && this.bull.size > 0) return
    this.lastClassRefresh = Date.now()
    for (const cls of await this.opts.redis.smembers(this.keys.classes)) {
      if (this.bull.has(cls) || this.refused.has(cls)) continue
      const c = parseClassName(cls)
      if (!c || !meetsClass(this.opts.hardware, c)) continue
      const w = new BullWorker(proveQueueName(cls), null, {
        connection: this.opts.redis,
        prefix: bullPrefix(this.opts.prefix, proveQueueName(cls), isCluster(this.opts.redis)),
        autorun: false,
        lockDuration: this.lockMs,
        stalledInterval: this.opts.stalledIntervalMs ?? 15_000,
        maxStalledCount: this.opts.maxStalledCount ?? 2,
      })
      w.on('error', () => {})
      this.bull.set(cls, w)
      void w.startStalledCheckTimer()
      this.log({ event: 'listening', class: cls })
    }
  }

  private async run(): Promise<void> {
    let rr = 0
    while (!this.stopping) {
      try {
        await this.refreshClasses()
        const entries = [...this.bull.entries()]
        let took = false
        for (let i = 0; i < entries.length && !this.stopping; i++) {
          const [cls, w] = entries[(rr + i) % entries.length]!
          const token = `${this.id}.${++this.tokenSeq}`
          const job = await w.getNextJob(token, { block: false })
          if (!job) continue
          rr = (rr + i + 1) % entries.length
          took = true
          const done = this.handle(cls, job, token)
          this.current = { job, token, released: false, done }
          void this.advertise().catch(() => {})
          await done
          this.current = undefined
          break
        }
        if (!took && !this.stopping) await this.idle()
      } catch (e) {
        this.log({ event: 'loop-error', error: (e as Error).message })
        await this.idle()
      }
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wakeUp = undefined; resolve() }, this.opts.pollMs ?? 1000)
      this.wakeUp = () => { clearTimeout(t); this.wakeUp = undefined; resolve() }
    })
  }

  private async handle(cls: string, job: Job, token: string): Promise<void> {
    const data = job.data as ProveJobData
    // Second guard behind routing: never touch a job whose exact requirements this host misses.
    if (!meetsRequirements(this.opts.hardware, data.requirements)) {
      this.log({ event: 'requirements-not-met', job: data.jobId, class: cls, requirements: data.requirements })
      await job.moveToWait(token).catch(() => {})
      // A class whose jobs do not fit is a routing bug: stop listening to it rather than spin.
      this.refused.add(cls)
      await this.bull.get(cls)?.close(true).catch(() => {})
      this.bull.delete(cls)
      return
    }
    const toProving = () => this.jobs.transition(data.jobId, 'proving', { workerId: this.id, attempt: true, fields: { attempt: String(job.attemptsMade + 1) } })
    let start = await toProving()
    if (!start.applied && start.from === 'submitted') {
      // The carrier is in our hands, so the job *is* enqueued; its submitter (a version from
      // before submit wrote the record first) has just not recorded that yet. Record it ourselves
      // rather than drop a live job. (Such a submitter's late, unguarded `queued` step can still
      // pull the record back; current submitters write it before the carrier exists.)
      await this.jobs.transition(data.jobId, 'queued', { from: ['submitted'], workerId: this.id, reason: 'carrier taken before the record was queued' })
      start = await toProving()
    }
    if (!start.applied) {
      // The record is terminal (a stale BullMQ copy of a job already verified or failed): drop it.
      this.log({ event: 'skip', job: data.jobId, status: start.from })
      await job.moveToCompleted({ skipped: start.from }, token, false).catch(() => {})
      return
    }
    const rec = await this.jobs.get(data.jobId)
    const wjob: WorkerJob = { ...data, attempt: rec?.attempts ?? job.attemptsMade + 1, workerId: this.id }
    this.log({ event: 'proving', job: data.jobId, attempt: wjob.attempt })
    const lock = setInterval(() => {
      job.extendLock(token, this.lockMs).catch(() => {})
    }, Math.max(100, Math.floor(this.lockMs / 3)))
    this.lockRenewal = lock
    let handedOff = false
    try {
      try {
        await this.opts.hooks?.beforeProve?.(wjob)
      } catch (cause) {
        throw new BaseError('WORKER_HOOK_FAILED', 'beforeProve hook failed; job released.', { cause, details: (cause as Error).message })
      }
      const result = await this.prove(data)
      if (this.current?.released) return
      const handedIn = this.maybeTamper(result)
      // Which engine made it, for the explorer (informational, like workerId: the coordinator verifies the proof, not this).
      const backend = data.requirements.backend
      const engine = this.opts.hardware.engines?.[backend] ?? (backend === 'ezkl' ? 'ezkl' : 'snarkjs')
      await this.jobs.transition(data.jobId, 'proved', { workerId: this.id, fields: { engine } })
      const sub = { jobId: data.jobId, workerId: this.id, attempt: wjob.attempt, result: handedIn }
      let attestation: ResultAttestation | undefined
      try {
        attestation = await this.opts.hooks?.attestResult?.(sub)
      } catch (e) {
        // Unsigned, the result is still judged; a rejection then counts under the worker id only.
        this.log({ event: 'hook-error', hook: 'attestResult', job: data.jobId, code: 'WORKER_HOOK_FAILED', error: (e as Error).message })
      }
      // One verdict outstanding at most: the previous job's is settled before this one is handed in.
      await this.verdictPending?.catch(() => {})
      const verdict = this.results.submit({ ...sub, attestation })
      // From here `settle` owns the job: it completes or fails it (not the catch below) and stops
      // the lock renewal.
      handedOff = true
      const settle = this.settle(job, token, wjob, handedIn, verdict)
        .catch((e) => this.log({ event: 'loop-error', job: data.jobId, error: (e as Error).message }))
        .finally(() => clearInterval(lock))
      if (!this.pipelined) return await settle
      // Pipelined: the coordinator judges this result while the loop takes and proves the next job
      // (its verdict is acted on in the background; the job's lock is renewed until then).
      this.verdictPending = settle
    } catch (e) {
      if (this.current?.released) return
      await this.fail(job, token, wjob, e)
    } finally {
      if (!handedOff) clearInterval(lock)
    }
  }

  /**
   * Whether the worker takes its next job before the coordinator's verdict on the last one comes
   * back. Not with beforeProve/afterProve hooks: those may order steps elsewhere (the market locks
   * collateral and claims payment on-chain from one account) and then see one job at a time.
   */
  private get pipelined(): boolean {
    return !this.opts.hooks?.beforeProve && !this.opts.hooks?.afterProve
  }

  /** Acts on the coordinator's verdict on a handed-in result: complete the job, or fail/retry it. */
  private async settle(job: Job, token: string, wjob: WorkerJob, handedIn: ProofResult, pending: Promise<Verdict>): Promise<void> {
    try {
      const verdict = await pending
      if (verdict.accepted || verdict.duplicate) {
        await job.moveToCompleted(verdict, token, false).catch(() => {})
        const status = verdict.accepted ? 'verified' : 'duplicate'
        this.counts[status]++
        this.log({ event: status, job: wjob.jobId, ...(verdict.accepted ? {} : { reason: verdict.reason }) })
        await this.after(wjob, { status, result: handedIn, verdict })
        return
      }
      throw new BaseError('PROOF_INVALID', `Coordinator rejected the result: ${verdict.reason}.`, { details: verdict.reason, meta: { jobId: wjob.jobId } })
    } catch (e) {
      await this.fail(job, token, wjob, e)
    }
  }

  private async prove(data: ProveJobData): Promise<ProofResult> {
    const circuit = await this.circuits.load(data.circuitId)
    const ctx = { subject: BigInt(data.subject), round: BigInt(data.round) }
    // At most one stage event per 200 ms, counted from the start, and a stage is published only
    // once it has lasted until then (a timer publishes the latest one): progress is for humans
    // watching a long proof, while a job proved in milliseconds has its state changes (proving,
    // proved) to show, and its stage events cost a Redis MULTI each (0.46 ms of worker CPU a job on
    // pool-risk). The engine's closing event is dropped: 'self-verified' follows it.
    let last = Date.now()
    let pending: { stage: string; fraction?: number } | undefined
    let timer: NodeJS.Timeout | undefined
    const publish = (p: { stage: string; fraction?: number }) => {
      last = Date.now()
      void this.jobs.progress(data.jobId, { ...p, workerId: this.id }).catch(() => {})
    }
    const onProgress = (p: { stage: string; fraction?: number }) => {
      pending = p.fraction === 1 ? undefined : p
      if (!pending || timer) return
      const wait = 200 - (Date.now() - last)
      if (wait <= 0) {
        pending = undefined
        return publish(p)
      }
      timer = setTimeout(() => {
        timer = undefined
        const q = pending
        pending = undefined
        if (q) publish(q)
      }, wait)
      timer.unref()
    }
    let out: Awaited<ReturnType<ProvingEngine['prove']>>
    try {
      out = await this.opts.engine.prove(circuit, data.input, ctx, { onProgress })
    } finally {
      clearTimeout(timer)
      timer = undefined
      pending = undefined
    }
    // Never hand in a proof this worker has not checked itself: a bad one costs an attempt.
    const ok = await this.opts.engine.verify(circuit, out.proof, out.publicSignals)
    if (!ok) throw new BaseError('PROOF_INVALID', 'The worker\'s own proof failed self-verification.', { details: 'expected the fresh proof to verify, got false' })
    await this.jobs.progress(data.jobId, { stage: 'self-verified', fraction: 1, workerId: this.id })
    return { proof: out.proof, publicSignals: out.publicSignals, outputs: out.outputs }
  }

  private maybeTamper(r: ProofResult): ProofResult {
    if (this.tamperLeft <= 0) return r
    this.tamperLeft--
    this.log({ event: 'test-tamper', note: 'TEST ONLY: corrupting this proof' })
    return { ...r, proof: tamperProof(r.proof) }
  }

  private async fail(job: Job, token: string, wjob: WorkerJob, e: unknown): Promise<void> {
    const err = e instanceof BaseError ? e : new BaseError('INTERNAL_ERROR', `Proving failed: ${(e as Error)?.message ?? e}`, { cause: e })
    const deterministic = deterministicCodes.has(err.code)
    const retry = !deterministic && job.attemptsMade + 1 < (job.opts.attempts ?? 1)
    try {
      await job.moveToFailed(deterministic ? new UnrecoverableError(err.shortMessage) : new Error(err.shortMessage), token, false)
    } catch (lockLost) {
      // Another worker took the job over (our lock expired): its attempt now owns the record.
      this.log({ event: 'lock-lost', job: wjob.jobId, error: (lockLost as Error).message })
      return
    }
    const status = retry ? 'retrying' : 'failed'
    this.counts[status]++
    // A retried carrier may already be in another worker's hands (no backoff): `ifOwner` keeps this
    // late `queued` from undoing that worker's `proving`.
    await this.jobs.transition(wjob.jobId, retry ? 'queued' : 'failed', {
      workerId: this.id, reason: err.shortMessage, errorCode: err.code, ...(retry ? { ifOwner: this.id } : { count: 'failed' }),
    })
    this.log({ event: status, job: wjob.jobId, code: err.code, reason: err.shortMessage })
    await this.after(wjob, { status, error: err })
  }

  private async after(job: WorkerJob, outcome: ProveOutcome): Promise<void> {
    try {
      await this.opts.hooks?.afterProve?.(job, outcome)
    } catch (e) {
      this.log({ event: 'hook-error', hook: 'afterProve', job: job.jobId, code: 'WORKER_HOOK_FAILED', error: (e as Error).message })
    }
  }

  /**
   * Stops taking jobs; lets the current proof finish for up to `shutdownGraceMs`, else releases
   * the job back to the queue (record back to `queued`), then withdraws the advertisement.
   */
  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.wakeUp?.()
    void this.advertise().catch(() => {})
    const cur = this.current
    let released = false
    if (cur) {
      const grace = this.opts.shutdownGraceMs ?? 30_000
      const finished = await Promise.race([cur.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), grace).unref())])
      if (!finished) {
        cur.released = true
        released = true
        // The abandoned proof may never return (its finally would clear this): a live renewal timer
        // would keep renewing a job we gave back and keep the process from exiting.
        clearInterval(this.lockRenewal)
        const jobId = (cur.job.data as ProveJobData).jobId
        // Record first, carrier second (as in ProverQueue.submit): a worker may take the carrier
        // the moment it is back, and must find the record `queued`, not still ours.
        await this.jobs.transition(jobId, 'queued', { workerId: this.id, reason: 'released: worker shutting down', ifOwner: this.id })
        await cur.job.moveToWait(cur.token).catch(() => {})
        this.log({ event: 'released', job: jobId })
      }
    }
    // After a release the abandoned proof may run on; its result is dropped (`released`), and the
    // process is expected to exit, so do not wait for it.
    if (!released) await this.loop?.catch(() => {})
    // A verdict still on its way: wait for it (the coordinator answers within its judging time),
    // up to the grace period, so the job is completed or failed by this worker, not left to stall.
    await Promise.race([this.verdictPending?.catch(() => {}), new Promise((r) => setTimeout(r, this.opts.shutdownGraceMs ?? 30_000).unref())])
    clearInterval(this.heartbeat)
    await Promise.all([...this.bull.values()].map((w) => w.close(true).catch(() => {})))
    await this.results.close().catch(() => {})
    await this.sub?.quit().catch(() => {})
    await this.opts.redis.multi().del(this.keys.worker(this.id)).zrem(this.keys.workers, this.id).exec()
    this.log({ event: 'stopped', counts: this.counts })
  }
}

/**
 * TEST ONLY helper: returns a copy of a proof with its first numeric coordinate changed (or, for
 * an ezkl proof, a byte of its hex), which any sound verifier rejects.
 *
 * @example
 * ```ts
 * import { tamperProof } from './src/prover/index.ts'
 * tamperProof({ pi_a: ['1', '2'] }) // { pi_a: ['2', '2'] }
 * ```
 */
export function tamperProof(proof: unknown): unknown {
  const copy = structuredClone(proof)
  let done = false
  const walk = (v: unknown): unknown => {
    if (done) return v
    if (typeof v === 'string' && /^[0-9]+$/.test(v)) {
      done = true
      return (BigInt(v) + 1n).toString()
    }
    if (typeof v === 'string' && /^0x[0-9a-fA-F]{64,}$/.test(v)) {
      done = true
      return `${v.slice(0, 66)}${v[66] === '0' ? '1' : '0'}${v.slice(67)}` // a byte inside the first commitment
    }
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = walk((v as Record<string, unknown>)[k])
      return v
    }
    return v
  }
  return walk(copy)
}
