import type { Redis } from 'ioredis'
import { BaseError } from '../errors/index.ts'
import { allowedFrom, jobStates, type JobState } from './jobState.ts'
import { isCluster, redisKeys, type RedisKeys } from './keys.ts'
import type { JobRequirements } from './requirements.ts'

/** A proof result as the worker hands it in and the API returns it. */
export type ProofResult = { proof: unknown; publicSignals: string[]; outputs: number[] }

/** The durable record of a job (a Redis hash), independent of BullMQ's own job state. */
export type JobRecord = {
  id: string
  circuitId: string
  className: string
  requirements: JobRequirements
  input: number[]
  subject: string
  round: string
  idempotencyKey?: string | undefined
  /** sha256 of the canonical request; a reused idempotency key must match it. */
  requestHash: string
  /** The BullMQ job currently carrying this job (its id, unless the sweeper re-enqueued it). */
  bullJobId?: string | undefined
  status: JobState
  /** Proving attempts started (take-overs and retries included). */
  attempts: number
  workerId?: string | undefined
  /** The proving engine the worker says made its last result ('native', 'cuda', 'snarkjs', 'ezkl'); absent before one is handed in, or from older workers. */
  engine?: string | undefined
  /** Why the job failed, or why the last attempt did not count. */
  reason?: string | undefined
  errorCode?: string | undefined
  /** When the job last entered each state, ms since the epoch. */
  timestamps: Partial<Record<JobState, number>>
  /** Present once verified: the accepted result, the worker that made it and (if it signed) its prover address. */
  result?: (ProofResult & { provedBy: string; provedByAddress?: string }) | undefined
}

/** One lifecycle or progress event, as stored, published and streamed over SSE. */
export type JobEvent =
  | { type: 'state'; jobId: string; from?: JobState; to: JobState; at: number; workerId?: string; attempt?: number; reason?: string; errorCode?: string }
  | { type: 'progress'; jobId: string; at: number; workerId?: string; stage: string; fraction?: number }

/**
 * create_job — atomically create a job record unless one with this id exists.
 * KEYS[1] job hash, KEYS[2] event list, KEYS[3] stats hash, KEYS[4] open-jobs sorted set,
 * KEYS[5] recent-jobs sorted set.
 * ARGV[1] JSON object of hash fields, ARGV[2] first event JSON, ARGV[3] pub/sub channel,
 * ARGV[4] now (ms), ARGV[5] job id (indexed in KEYS[4] until the job is terminal), ARGV[6] how
 * many ids KEYS[5] keeps (the oldest are trimmed, so the index stays bounded whatever the load).
 * Returns {1, ''} when created (and counts it in stats.submitted), or {0, requestHash} of the
 * existing record, so a re-submission with the same idempotency key is accepted and counted once.
 */
const createLua = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], 'requestHash') or ''}
end
local fields = cjson.decode(ARGV[1])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'submitted', 1)
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[6]) - 1)
return {1, ''}
`

/**
 * transition_job — atomically move a job record to a new lifecycle state.
 * KEYS[1] job hash, KEYS[2] event list, KEYS[3] stats hash, KEYS[4] open-jobs sorted set.
 * ARGV[1] target state; ARGV[2] comma-separated states it may be entered from (jobState.ts
 * allowedFrom); ARGV[3] now (ms); ARGV[4] event JSON (the script adds "from"); ARGV[5] pub/sub
 * channel; ARGV[6] JSON object of extra hash fields to set; ARGV[7] stats counter to increment
 * or ''; ARGV[8] '1' to increment the attempts field; ARGV[9] job id; ARGV[10] retention (ms)
 * of a terminal job's record and events, '0' to keep them; ARGV[11] a worker id the record's
 * workerId must equal for the step to apply, or '' for no owner check. Entering a terminal state (verified,
 * failed) removes the id from KEYS[4] and starts the retention clock.
 * Returns {1, previous state} when applied, {0, current state} when refused ('' if no record).
 * Because the check and the write are one script, two workers racing to report the same job
 * cannot both win: once 'verified' (terminal), every later transition is refused.
 */
const transitionLua = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {0, ''} end
local ok = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then ok = true end end
if not ok then return {0, cur} end
if ARGV[11] ~= '' and redis.call('HGET', KEYS[1], 'workerId') ~= ARGV[11] then return {0, cur} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'ts:' .. ARGV[1], ARGV[3])
for k, v in pairs(cjson.decode(ARGV[6])) do redis.call('HSET', KEYS[1], k, v) end
if ARGV[8] == '1' then redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
local ev = cjson.decode(ARGV[4])
ev['from'] = cur
local evs = cjson.encode(ev)
redis.call('RPUSH', KEYS[2], evs)
redis.call('PUBLISH', ARGV[5], evs)
if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[7], 1) end
if ARGV[1] == 'verified' or ARGV[1] == 'failed' then
  redis.call('ZREM', KEYS[4], ARGV[9])
  if tonumber(ARGV[10]) > 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[10])
    redis.call('PEXPIRE', KEYS[2], ARGV[10])
  end
end
return {1, cur}
`

/**
 * How many job ids the recent-jobs index keeps: enough for an explorer page, small enough that
 * listing never walks the whole keyspace.
 *
 * @example
 * ```ts
 * import { RECENT_JOBS_KEPT } from './src/network/index.ts'
 * console.log(RECENT_JOBS_KEPT) // 1000
 * ```
 */
export const RECENT_JOBS_KEPT = 1000

type Scripts = {
  zkmlCreateJob(k1: string, k2: string, k3: string, k4: string, k5: string, ...argv: string[]): Promise<[number, string]>
  zkmlTransitionJob(k1: string, k2: string, k3: string, k4: string, ...argv: string[]): Promise<[number, string]>
}

export type TransitionOptions = {
  workerId?: string | undefined
  reason?: string | undefined
  errorCode?: string | undefined
  /** Extra record fields (strings) to set with the state. */
  fields?: Record<string, string> | undefined
  /** Stats counter to increment when applied. */
  count?: string | undefined
  /** Count a new proving attempt. */
  attempt?: boolean | undefined
  /**
   * Apply only from these states (narrower than the lifecycle's {@link allowedFrom}); e.g. a
   * submitter's `queued` step is `{ from: ['submitted'] }`, so a late one can never undo a worker's
   * `proving`.
   */
  from?: readonly JobState[] | undefined
  /**
   * Apply only while the record's `workerId` is this one: a worker handing a job back (release on
   * shutdown, retry after a failure) must not undo the `proving` of a worker that took it meanwhile.
   */
  ifOwner?: string | undefined
}

/**
 * Job records, lifecycle transitions and events in Redis. Every state change goes through one
 * Lua script that checks {@link allowedFrom}, stamps the time, appends and publishes the event.
 *
 * @example
 * ```ts
 * import { JobStore, connectRedis } from './src/network/index.ts'
 * const jobs = new JobStore(await connectRedis(), 'zkml')
 * const rec = await jobs.get('some-job-id')
 * console.log(rec?.status, rec?.timestamps)
 * ```
 */
export class JobStore {
  readonly keys: RedisKeys
  private r: Redis & Scripts

  /**
   * @param retentionMs how long a verified or failed job's record and events are kept (default
   *   `ZKML_JOB_RETENTION_MS` or 7 days; 0 = forever). It is also the idempotency window: after
   *   it, the same key makes a new job.
   */
  constructor(redis: Redis, readonly prefix: string, readonly retentionMs = Number(process.env.ZKML_JOB_RETENTION_MS ?? 7 * 86_400_000)) {
    this.keys = redisKeys(prefix, isCluster(redis))
    const r = redis as Redis & Partial<Scripts>
    if (!r.zkmlCreateJob) r.defineCommand('zkmlCreateJob', { numberOfKeys: 5, lua: createLua })
    if (!r.zkmlTransitionJob) r.defineCommand('zkmlTransitionJob', { numberOfKeys: 4, lua: transitionLua })
    this.r = r as Redis & Scripts
  }

  /** Creates the record in state `submitted`; `created: false` with the existing request hash if the id exists. */
  async create(rec: Omit<JobRecord, 'status' | 'attempts' | 'timestamps' | 'result'>, now = Date.now()): Promise<{ created: boolean; requestHash: string }> {
    const fields: Record<string, string> = {
      id: rec.id,
      circuitId: rec.circuitId,
      className: rec.className,
      requirements: JSON.stringify(rec.requirements),
      input: JSON.stringify(rec.input),
      subject: rec.subject,
      round: rec.round,
      requestHash: rec.requestHash,
      status: 'submitted',
      attempts: '0',
      'ts:submitted': String(now),
    }
    if (rec.idempotencyKey !== undefined) fields.idempotencyKey = rec.idempotencyKey
    const ev: JobEvent = { type: 'state', jobId: rec.id, to: 'submitted', at: now }
    const [created, requestHash] = await this.r.zkmlCreateJob(
      this.keys.job(rec.id), this.keys.events(rec.id), this.keys.stats, this.keys.open, this.keys.recent,
      JSON.stringify(fields), JSON.stringify(ev), this.keys.channel(rec.id), String(now), rec.id, String(RECENT_JOBS_KEPT),
    )
    return { created: created === 1, requestHash: created === 1 ? rec.requestHash : requestHash }
  }

  /**
   * Moves a job to `to` if the lifecycle allows it from the current state.
   * Returns whether it applied and the state before (or the current one when refused).
   */
  async transition(jobId: string, to: JobState, opts: TransitionOptions = {}, now = Date.now()): Promise<{ applied: boolean; from: JobState | undefined }> {
    const ev: Record<string, unknown> = { type: 'state', jobId, to, at: now }
    const fields: Record<string, string> = { ...opts.fields }
    if (opts.workerId !== undefined) { ev.workerId = opts.workerId; fields.workerId = opts.workerId }
    if (opts.reason !== undefined) { ev.reason = opts.reason; fields.reason = opts.reason }
    if (opts.errorCode !== undefined) { ev.errorCode = opts.errorCode; fields.errorCode = opts.errorCode }
    if (opts.fields?.attempt) ev.attempt = Number(opts.fields.attempt)
    const [applied, state] = await this.r.zkmlTransitionJob(
      this.keys.job(jobId), this.keys.events(jobId), this.keys.stats, this.keys.open,
      to, allowedFrom[to].filter((s) => !opts.from || opts.from.includes(s)).join(','), String(now), JSON.stringify(ev), this.keys.channel(jobId),
      JSON.stringify(fields), opts.count ?? '', opts.attempt ? '1' : '0', jobId, String(this.retentionMs), opts.ifOwner ?? '',
    )
    return { applied: applied === 1, from: (state || undefined) as JobState | undefined }
  }

  /** Appends and publishes a progress event (no state change). */
  async progress(jobId: string, p: { stage: string; fraction?: number | undefined; workerId?: string | undefined }): Promise<void> {
    const ev: JobEvent = { type: 'progress', jobId, at: Date.now(), stage: p.stage, ...(p.fraction !== undefined ? { fraction: p.fraction } : {}), ...(p.workerId ? { workerId: p.workerId } : {}) }
    const s = JSON.stringify(ev)
    await this.r.multi().rpush(this.keys.events(jobId), s).publish(this.keys.channel(jobId), s).exec()
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const h = await this.r.hgetall(this.keys.job(jobId))
    if (!h.id) return undefined
    const timestamps: Partial<Record<JobState, number>> = {}
    for (const s of jobStates) if (h[`ts:${s}`]) timestamps[s] = Number(h[`ts:${s}`])
    return {
      id: h.id,
      circuitId: h.circuitId!,
      className: h.className!,
      requirements: JSON.parse(h.requirements!),
      input: JSON.parse(h.input!),
      subject: h.subject!,
      round: h.round!,
      idempotencyKey: h.idempotencyKey,
      requestHash: h.requestHash!,
      bullJobId: h.bullJobId ?? h.id,
      status: h.status as JobState,
      attempts: Number(h.attempts ?? 0),
      workerId: h.workerId,
      engine: h.engine,
      reason: h.reason,
      errorCode: h.errorCode,
      timestamps,
      result: h.result ? JSON.parse(h.result) : undefined,
    }
  }

  /**
   * The newest jobs first, at most `limit` (capped at {@link RECENT_JOBS_KEPT}). Ids whose record
   * has expired (retention) are skipped, so fewer than `limit` may come back.
   */
  async recent(limit: number): Promise<JobRecord[]> {
    const n = Math.max(0, Math.min(Math.floor(limit), RECENT_JOBS_KEPT))
    if (n === 0) return []
    const ids = await this.r.zrevrange(this.keys.recent, 0, n - 1)
    const recs = await Promise.all(ids.map((id) => this.get(id)))
    return recs.filter((r): r is JobRecord => r !== undefined)
  }

  /** Every event of a job so far, oldest first. */
  async events(jobId: string): Promise<JobEvent[]> {
    return (await this.r.lrange(this.keys.events(jobId), 0, -1)).map((s) => JSON.parse(s))
  }

  /** Network-wide counters (submitted, verified, rejected, duplicateResults, …). */
  async stats(): Promise<Record<string, number>> {
    const h = await this.r.hgetall(this.keys.stats)
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]))
  }
}

/**
 * The `JOB_NOT_FOUND` error for an id.
 *
 * @example
 * ```ts
 * import { jobNotFound } from './src/network/index.ts'
 * throw jobNotFound('j123')
 * ```
 */
export function jobNotFound(jobId: string): BaseError {
  return new BaseError('JOB_NOT_FOUND', `Job ${jobId} does not exist.`, {
    details: `expected the id of a submitted job, got ${JSON.stringify(jobId).slice(0, 80)}`,
    meta: { jobId },
  })
}
