import { Queue, QueueEvents, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { CircuitCache } from './circuitCache.ts'
import { isTerminal } from './jobState.ts'
import { JobStore, type ProofResult } from './jobStore.ts'
import { bullPrefix, isCluster, proveQueueName, resultsQueueName } from './keys.ts'
import { attestedProver, type ResultAttestation } from './resultAttestation.ts'
import type { ProvingEngine } from './provingEngine.ts'

/** What a worker hands in after proving. */
export type ResultSubmission = {
  jobId: string
  workerId: string
  attempt: number
  result: ProofResult
  /** The prover key behind this hand-in (market workers sign it), so a bad proof counts against that address. */
  attestation?: ResultAttestation | undefined
}

/** The coordinator's answer. `accepted`: this result is the job's one verified (payable) result. */
export type Verdict =
  | { accepted: true }
  | { accepted: false; duplicate: boolean; reason: string; errorCode?: string }

export type CoordinatorOptions = {
  redis: Redis
  prefix: string
  circuits: CircuitCache
  engine: ProvingEngine
}

/**
 * The server side of result hand-in. Workers are never trusted: for each result the coordinator
 * recomputes the job's public signals from the job's own recorded input, subject and round
 * (so a valid proof of some other statement is refused), re-encodes the proof exactly as the chain
 * will get it (anything but the canonical encoding is `PROOF_NONCANONICAL`), verifies that form
 * against the registered verification key, and only then moves the record to `verified` — in one atomic
 * transition that every later result for the same job loses (`duplicate`), so a job is verified,
 * and paid, once.
 *
 * @example
 * ```ts
 * import { Coordinator } from './src/network/index.ts'
 * const coord = new Coordinator({ redis, prefix: 'zkml', circuits, engine })
 * coord.start()
 * ```
 */
export class Coordinator {
  readonly jobs: JobStore
  private worker: Worker | undefined
  private failedWatch = new Map<string, QueueEvents>()
  private watchTimer: NodeJS.Timeout | undefined

  constructor(private opts: CoordinatorOptions) {
    this.jobs = new JobStore(opts.redis, opts.prefix)
  }

  /** Starts consuming the results queue. */
  start(): void {
    this.worker = new Worker<ResultSubmission, Verdict>(resultsQueueName, (job: Job<ResultSubmission>) => this.judge(job.data), {
      connection: this.opts.redis,
      prefix: bullPrefix(this.opts.prefix, resultsQueueName, isCluster(this.opts.redis)),
      concurrency: 1,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    })
    this.worker.on('error', () => {}) // connection blips: BullMQ reconnects
    void this.watchFailures()
    this.watchTimer = setInterval(() => void this.watchFailures(), 2000)
  }

  /**
   * BullMQ fails a job on its own when it stalls more than `maxStalledCount` times (workers keep
   * dying on it). No worker is left to say so, so the coordinator mirrors BullMQ's final
   * failures into the job record.
   */
  private async watchFailures(): Promise<void> {
    try {
      for (const cls of await this.opts.redis.smembers(this.jobs.keys.classes)) {
        if (this.failedWatch.has(cls)) continue
        const qe = new QueueEvents(proveQueueName(cls), { connection: this.opts.redis.duplicate(), prefix: bullPrefix(this.opts.prefix, proveQueueName(cls), isCluster(this.opts.redis)) })
        qe.on('error', () => {})
        qe.on('failed', ({ jobId, failedReason }) => {
          // Give the worker that failed it (if any) a moment to record the precise code first;
          // terminal states refuse the second write either way.
          setTimeout(() => {
            void this.jobs.transition(jobId, 'failed', { reason: failedReason, errorCode: 'INTERNAL_ERROR', count: 'failed' }).catch(() => {})
          }, 1000).unref()
        })
        this.failedWatch.set(cls, qe)
      }
    } catch {
      // Redis blip: next tick retries.
    }
  }

  /** Judges one result; exposed for tests and in-process use. */
  async judge(sub: ResultSubmission): Promise<Verdict> {
    const rec = await this.jobs.get(sub.jobId)
    const duplicate = async (reason: string): Promise<Verdict> => {
      await this.opts.redis.hincrby(this.jobs.keys.stats, 'duplicateResults', 1)
      return { accepted: false, duplicate: true, reason }
    }
    if (!rec) return { accepted: false, duplicate: false, reason: `job ${sub.jobId} does not exist`, errorCode: 'JOB_NOT_FOUND' }
    if (isTerminal(rec.status)) return duplicate(`job is already ${rec.status}; late result ignored`)
    const reject = async (reason: string, errorCode = 'PROOF_INVALID', workersFault = true): Promise<Verdict> => {
      await this.opts.redis.hincrby(this.jobs.keys.stats, 'rejected', 1)
      if (workersFault) {
        // Counted here, where the proof is judged, not by the worker: it could simply not report it.
        const prover = await attestedProver(sub)
        const m = this.opts.redis.multi().hincrby(this.jobs.keys.badProofs, sub.workerId, 1)
        if (prover) m.hincrby(this.jobs.keys.badProofs, prover, 1)
        await m.exec()
      }
      await this.jobs.progress(sub.jobId, { stage: `rejected: ${reason}`, workerId: sub.workerId })
      return { accepted: false, duplicate: false, reason, errorCode }
    }
    const r = sub.result
    if (!r || !Array.isArray(r.publicSignals) || r.proof === null || typeof r.proof !== 'object') return reject('result is malformed')
    let expected: { publicSignals: string[]; outputs: number[] }
    const circuit = await this.opts.circuits.load(rec.circuitId)
    try {
      expected = await circuit.computeWitness(rec.input, { subject: BigInt(rec.subject), round: BigInt(rec.round) })
    } catch (e) {
      return reject(`the job's own input does not evaluate: ${(e as Error).message.split('\n')[0]}`, (e as { code?: string }).code ?? 'INPUT_INVALID', false)
    }
    if (expected.publicSignals.length !== r.publicSignals.length || expected.publicSignals.some((s, i) => s !== String(r.publicSignals[i])))
      return reject(`public signals do not match the job (expected ${expected.publicSignals.length} signals for its input, subject and round)`)
    // Only the encoding the chain will be given is judged and kept: snarkjs also accepts projective or
    // unreduced forms of a valid proof that the Solidity verifier rejects, and a job verified with one
    // would be refused on-chain round after round.
    let proof: unknown
    try {
      proof = this.opts.engine.canonicalProof(circuit, r.proof)
    } catch (e) {
      const code = (e as { code?: string }).code === 'PROOF_NONCANONICAL' ? 'PROOF_NONCANONICAL' : 'PROOF_INVALID'
      const why = (e as { details?: string }).details ?? (e as Error).message
      return reject(code === 'PROOF_NONCANONICAL' ? `proof is not in the canonical on-chain encoding: ${why}` : `proof does not verify: ${why}`, code)
    }
    let ok = false
    try {
      ok = await this.opts.engine.verify(circuit, proof, expected.publicSignals)
    } catch {
      ok = false
    }
    if (!ok) return reject('proof does not verify against the circuit\'s verification key')
    const prover = await attestedProver(sub)
    const accepted = {
      proof, publicSignals: expected.publicSignals, outputs: expected.outputs, provedBy: sub.workerId,
      // Kept so a later chain rejection (docs/network.md) can be counted against the signing prover too.
      ...(prover ? { provedByAddress: prover } : {}),
    }
    const t = await this.jobs.transition(sub.jobId, 'verified', {
      workerId: sub.workerId,
      fields: { result: JSON.stringify(accepted) },
      count: 'verified',
    })
    if (!t.applied) return duplicate(`job is ${t.from}; result not accepted`)
    return { accepted: true }
  }

  async close(): Promise<void> {
    clearInterval(this.watchTimer)
    await Promise.all([...this.failedWatch.values()].map((q) => q.close().catch(() => {})))
    await this.worker?.close()
  }
}

/**
 * The worker's side of the hand-in: queue a result and wait for the verdict.
 *
 * @example
 * ```ts
 * import { ResultClient } from './src/network/index.ts'
 * const rc = new ResultClient(redis, 'zkml')
 * const verdict = await rc.submit({ jobId, workerId, attempt: 1, result })
 * ```
 */
export class ResultClient {
  private queue: Queue
  private events: QueueEvents

  constructor(redis: Redis, prefix: string) {
    const bp = bullPrefix(prefix, resultsQueueName, isCluster(redis))
    this.queue = new Queue(resultsQueueName, { connection: redis, prefix: bp })
    this.events = new QueueEvents(resultsQueueName, { connection: redis.duplicate(), prefix: bp })
    this.events.on('error', () => {})
  }

  async ready(): Promise<void> {
    await this.events.waitUntilReady()
  }

  /** Hands a result in and waits (up to `timeoutMs`) for the coordinator's verdict. */
  async submit(sub: ResultSubmission, timeoutMs = 300_000): Promise<Verdict> {
    const job = await this.queue.add('result', sub, {
      jobId: `${sub.jobId}.${sub.attempt}.${sub.workerId}`.replaceAll(':', '_'),
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 3600 },
    })
    return (await job.waitUntilFinished(this.events, timeoutMs)) as Verdict
  }

  async close(): Promise<void> {
    await this.events.close()
    await this.queue.close()
  }
}
