import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { inputLength, type CircuitManifest } from '../compiler/manifest.ts'
import { P } from '../compiler/field.ts'
import { canonicalJson } from '../compiler/circuitId.ts'
import { sha256Hex } from './artifactStore.ts'
import type { CircuitRegistry } from './circuitRegistry.ts'
import { JobStore, type JobRecord } from './jobStore.ts'
import { bullPrefix, isCluster, proveQueueName } from './keys.ts'
import { classOf, className, jobRequirements, type JobRequirements } from './requirements.ts'

export type SubmitJobRequest = {
  circuitId: string
  input: number[]
  /** What the value is about (e.g. a pool address), decimal or 0x hex, < the BN254 field order. */
  subject: string
  /** The requester's round number, decimal or 0x hex, < the BN254 field order. */
  round: string
  /** Same key, same request → same job, accepted and counted once. */
  idempotencyKey?: string | undefined
  /**
   * Whose idempotency key this is (the API sets the id of the caller's API key, never the body):
   * the same key under two scopes names two jobs, so one key holder cannot take, and block, the
   * keys another uses. Absent for in-process callers, which share one scope.
   */
  scope?: string | undefined
  /** Extra requirements beyond what the circuit implies. */
  /** `deadlineSeconds`: the requester's deadline for one proof; see `ProverQueueOptions.cpuSeconds`. */
  requirements?: { gpu?: boolean | undefined; minMemoryMiB?: number | undefined; deadlineSeconds?: number | undefined } | undefined
}

/** The payload of a BullMQ prove job. */
export type ProveJobData = {
  jobId: string
  circuitId: string
  input: number[]
  subject: string
  round: string
  requirements: JobRequirements
  className: string
}

export type SubmitResult = { jobId: string; status: JobRecord['status']; duplicate: boolean; className: string }

export type ProverQueueOptions = {
  redis: Redis
  prefix: string
  registry: CircuitRegistry
  /** Proving attempts before a job fails for good. Default 4. */
  attempts?: number | undefined
  /** First retry delay; doubles each attempt (BullMQ exponential backoff). Default 1000 ms. */
  backoffMs?: number | undefined
  /**
   * Estimated seconds one proof of a circuit takes on a CPU worker (the API passes the market's
   * cost model). With a request's `deadlineSeconds`, a job the CPU would not finish in time is
   * routed to GPU workers (`needsGpu`). Absent: no deadline routing.
   */
  cpuSeconds?: ((manifest: CircuitManifest) => number | undefined) | undefined
}

/**
 * Parses a uint given as decimal or 0x hex, below the BN254 field order (it becomes a public
 * signal). Throws `INPUT_INVALID`.
 *
 * @example
 * ```ts
 * import { parseFieldUint } from './src/network/index.ts'
 * parseFieldUint('0x10', 'subject') // 16n
 * ```
 */
export function parseFieldUint(s: string, what: string): bigint {
  const ok = typeof s === 'string' && (/^(0|[1-9][0-9]*)$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s))
  const v = ok && s.length <= 80 ? BigInt(s) : -1n
  if (v < 0n || v >= P)
    throw new BaseError('INPUT_INVALID', `The ${what} is not a valid field element.`, {
      details: `expected ${what} as a decimal or 0x-hex unsigned integer below the BN254 field order, got ${JSON.stringify(s).slice(0, 90)}`,
      meta: { field: what },
    })
  return v
}

/**
 * The job id an idempotency key names within a scope (an API key's id): `k` + 32 hex digits.
 * Without a scope it is the unscoped id in-process callers have always had.
 *
 * @example
 * ```ts
 * import { idempotentJobId } from './src/network/index.ts'
 * idempotentJobId('feed-1:7:0', 'a1b2') !== idempotentJobId('feed-1:7:0', 'c3d4') // true
 * ```
 */
export function idempotentJobId(key: string, scope?: string): string {
  // The NUL separator keeps (scope "a", key "b:c") apart from (scope "a:b", key "c").
  return `k${sha256Hex(scope === undefined ? key : `${scope}\0${key}`).slice(2, 34)}`
}

/**
 * Refuses, with `QUANTIZATION_OVERFLOW`, an input the circuit cannot take: not a finite number, or
 * outside the fixed-point range its inputs are range-checked to (`round(x·2^scaleBits)` a signed
 * `activationBits`-bit integer). Checked at submission so the requester hears it at once, instead
 * of the job failing on a worker after every attempt.
 *
 * @example
 * ```ts
 * import { checkInputRange } from './src/network/index.ts'
 * checkInputRange({ quantization: { scaleBits: 8, activationBits: 24 } }, [1, 2]) // ok
 * checkInputRange({ quantization: { scaleBits: 8, activationBits: 24 } }, [1e308]) // throws QUANTIZATION_OVERFLOW
 * ```
 */
export function checkInputRange(m: { backend?: string; quantization: { scaleBits: number; activationBits?: number | undefined } }, input: readonly unknown[]): void {
  const s = m.quantization.scaleBits
  // An ezkl circuit's range is its lookup table's, which ezkl checks when it makes the witness; its
  // manifest's activationBits is not an R1CS activation width, so only finiteness and 2^53 apply here.
  const B = m.backend === 'ezkl' ? undefined : m.quantization.activationBits
  // Without activationBits (older manifests), at least stay where float → integer is exact.
  const half = B !== undefined && B > 0 && B <= 53 ? 2 ** (B - 1) : 2 ** 53
  const scale = 2 ** s
  for (let i = 0; i < input.length; i++) {
    const x = input[i]
    const q = typeof x === 'number' ? Math.round(x * scale) : NaN
    if (!Number.isFinite(q) || q < -half || q >= half)
      throw new BaseError('QUANTIZATION_OVERFLOW', `Input value ${i} does not fit the circuit's fixed-point range.`, {
        details: `expected input[${i}] within [${-half / scale}, ${half / scale}) (a signed ${B ?? 54}-bit integer at scale 2^${s}), got ${typeof x === 'number' ? x : JSON.stringify(x)?.slice(0, 40)}`,
        meta: { index: i },
      })
  }
}

/**
 * Validates and enqueues proving jobs. Each job is routed to the BullMQ queue of its capability
 * class (`prove.<backend>.<cpu|gpu>.m<GiB>`), which only workers meeting the class listen to.
 * With an idempotency key the job id is derived from the key, and the record is created by one
 * atomic script, so a re-submission returns the first job and counts once.
 *
 * @example
 * ```ts
 * import { ProverQueue } from './src/network/index.ts'
 * const q = new ProverQueue({ redis, prefix: 'zkml', registry })
 * const { jobId } = await q.submit({ circuitId, input: [0.1, 0.2], subject: '0x1234', round: '1', idempotencyKey: 'pool-7-r1' })
 * ```
 */
export class ProverQueue {
  readonly jobs: JobStore
  private queues = new Map<string, Queue>()
  private attempts: number
  private backoffMs: number

  constructor(private opts: ProverQueueOptions) {
    this.jobs = new JobStore(opts.redis, opts.prefix)
    this.attempts = opts.attempts ?? 4
    this.backoffMs = opts.backoffMs ?? 1000
  }

  /** The BullMQ queue of a class (created lazily, shared). */
  queue(cls: string): Queue {
    let q = this.queues.get(cls)
    if (!q) {
      q = new Queue(proveQueueName(cls), { connection: this.opts.redis, prefix: bullPrefix(this.opts.prefix, proveQueueName(cls), isCluster(this.opts.redis)) })
      this.queues.set(cls, q)
    }
    return q
  }

  async submit(req: SubmitJobRequest): Promise<SubmitResult> {
    const { manifest } = await this.opts.registry.require(req.circuitId)
    const want = inputLength(manifest)
    if (!Array.isArray(req.input) || req.input.length !== want)
      throw new BaseError('INPUT_INVALID', `Input has the wrong length for circuit "${manifest.name}".`, {
        details: `expected ${want} numbers (inputs ${manifest.inputs.map((t) => `${t.name}[${t.shape.join('x')}]`).join(', ')}), got ${Array.isArray(req.input) ? req.input.length : typeof req.input}`,
        meta: { expected: want, got: Array.isArray(req.input) ? req.input.length : null },
      })
    checkInputRange(manifest, req.input)
    const subject = parseFieldUint(req.subject, 'subject').toString()
    const round = parseFieldUint(req.round, 'round').toString()
    const requirements = jobRequirements(manifest, req.requirements, req.requirements?.deadlineSeconds === undefined ? undefined : this.opts.cpuSeconds?.(manifest))
    const cls = className(classOf(requirements))
    const requestHash = sha256Hex(canonicalJson({ circuitId: req.circuitId, input: req.input, subject, round, requirements }))
    // BullMQ job ids must not contain ':' and must not look like integers.
    const jobId = req.idempotencyKey !== undefined ? idempotentJobId(req.idempotencyKey, req.scope) : `j${randomUUID().replaceAll('-', '')}`
    const data: ProveJobData = { jobId, circuitId: req.circuitId, input: req.input, subject, round, requirements, className: cls }
    const { created, requestHash: existingHash } = await this.jobs.create({
      id: jobId, circuitId: req.circuitId, className: cls, requirements, input: req.input, subject, round,
      idempotencyKey: req.idempotencyKey, requestHash,
    })
    if (!created) {
      if (existingHash !== requestHash)
        throw new BaseError('IDEMPOTENCY_CONFLICT', `Idempotency key was already used for a different request.`, {
          details: `expected the same circuit, input, subject, round and requirements as job ${jobId}, got a request that differs`,
          meta: { jobId },
        })
      const rec = await this.jobs.get(jobId)
      // 'submitted', or 'queued' with no carrier, means the first submitter died before adding the
      // carrier: finish its work (BullMQ ignores a second add of the same job id).
      if (rec && rec.status !== 'submitted') {
        const bullJobId = rec.bullJobId ?? jobId
        if (rec.status === 'queued' && !(await this.queue(cls).getJob(bullJobId))) await this.enqueue(data, bullJobId)
        return { jobId, status: rec.status, duplicate: true, className: cls }
      }
    }
    // Record first, carrier second: an idle worker can take the carrier the instant it is added,
    // and must then find the record `queued` (it cannot enter `proving` from `submitted`). The
    // other order made a fast worker drop the job as stale and left it to the sweeper (30-40 s).
    // Only from 'submitted': a concurrent re-submission must never pull a job back from a worker.
    await this.jobs.transition(jobId, 'queued', { from: ['submitted'] })
    await this.enqueue(data, jobId)
    return { jobId, status: 'queued', duplicate: !created, className: cls }
  }

  /**
   * Adds the BullMQ job carrying a job record to its class queue (a no-op if a live BullMQ job
   * with this id exists) and wakes idle workers. The sweeper re-enqueues under a fresh
   * `bullJobId` when the carrying job was lost.
   */
  async enqueue(data: ProveJobData, bullJobId: string): Promise<void> {
    await this.opts.redis.sadd(this.jobs.keys.classes, data.className)
    await this.queue(data.className).add('prove', data, {
      jobId: bullJobId,
      attempts: this.attempts,
      backoff: { type: 'exponential', delay: this.backoffMs },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 7 * 86400 },
    })
    await this.opts.redis.publish(this.jobs.keys.wake, data.className)
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()))
  }
}
