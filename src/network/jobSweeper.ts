import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { isTerminal } from './jobState.ts'
import type { JobStore } from './jobStore.ts'
import type { ProverQueue } from './proverQueue.ts'

export type SweepReport = { checked: number; requeued: string[]; failed: string[] }

/** Deletes the sweep lock only if it is still this sweeper's (KEYS[1] lock, ARGV[1] token). */
const releaseLua = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/** BullMQ states in which the carrying job will still be worked on. */
const live = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'])

/**
 * Makes sure no job is lost between the record and BullMQ. For every job not yet verified or
 * failed (the `open` index) that has been open longer than `staleMs`, it checks the BullMQ job
 * carrying it:
 *
 * - live (waiting, active, delayed): nothing to do;
 * - failed for good: the record is marked failed (normally the worker or the coordinator's
 *   failure watcher already did);
 * - missing or completed while the record is not terminal: the carrier was lost — the submitter
 *   died between record and enqueue, or a worker completed it without an accepted result (a
 *   buggy or dishonest worker) — so the job is re-enqueued under a fresh BullMQ id.
 *
 * A completed carrier with a non-terminal record never happens honestly: the coordinator marks
 * the record verified before the worker completes the carrier.
 *
 * @example
 * ```ts
 * import { JobSweeper } from './src/network/index.ts'
 * const sweeper = new JobSweeper({ redis, queue })
 * sweeper.start(10_000)
 * ```
 */
export class JobSweeper {
  private timer: NodeJS.Timeout | undefined
  private jobs: JobStore

  constructor(private opts: { redis: Redis; queue: ProverQueue; staleMs?: number | undefined }) {
    this.jobs = opts.queue.jobs
  }

  /**
   * Sweeps every `everyMs`. Several coordinators (several `zkml serve`) may run on one network:
   * each round only the one that takes the sweep lock (`SET NX`, 60 s at most, released when its
   * sweep ends) sweeps, so two sweepers never re-enqueue the same lost job twice.
   */
  start(everyMs = 10_000): void {
    this.timer = setInterval(() => void this.sweepIfLeader().catch(() => {}), everyMs)
    this.timer.unref()
  }

  /** One sweep if this sweeper takes the network's sweep lock; undefined when another holds it. */
  async sweepIfLeader(staleMs?: number): Promise<SweepReport | undefined> {
    const token = randomUUID()
    const lock = this.jobs.keys.sweepLock
    if ((await this.opts.redis.set(lock, token, 'PX', 60_000, 'NX')) !== 'OK') return undefined
    try {
      return await this.sweep(staleMs)
    } finally {
      await this.opts.redis.eval(releaseLua, 1, lock, token).catch(() => {})
    }
  }

  stop(): void {
    clearInterval(this.timer)
  }

  async sweep(staleMs = this.opts.staleMs ?? 30_000): Promise<SweepReport> {
    const report: SweepReport = { checked: 0, requeued: [], failed: [] }
    const ids = await this.opts.redis.zrangebyscore(this.jobs.keys.open, '-inf', String(Date.now() - staleMs), 'LIMIT', 0, 500)
    for (const id of ids) {
      report.checked++
      const rec = await this.jobs.get(id)
      if (!rec || isTerminal(rec.status)) {
        await this.opts.redis.zrem(this.jobs.keys.open, id)
        continue
      }
      const carrier = await this.opts.queue.queue(rec.className).getJob(rec.bullJobId ?? id)
      const state = carrier ? await carrier.getState() : 'missing'
      if (live.has(state)) continue
      if (state === 'failed') {
        const t = await this.jobs.transition(id, 'failed', { reason: carrier?.failedReason ?? 'failed', errorCode: 'INTERNAL_ERROR', count: 'failed' })
        if (t.applied) report.failed.push(id)
        continue
      }
      const n = Number(await this.opts.redis.hincrby(this.jobs.keys.job(id), 'requeues', 1))
      const bullJobId = `${id}-r${n}`
      await this.opts.redis.hset(this.jobs.keys.job(id), 'bullJobId', bullJobId)
      // Record `queued` before the new carrier exists: a worker may take it at once (see ProverQueue.submit).
      if (rec.status !== 'queued') await this.jobs.transition(id, 'queued', { reason: `re-enqueued: carrier job ${state}` })
      await this.opts.queue.enqueue({
        jobId: id, circuitId: rec.circuitId, input: rec.input, subject: rec.subject, round: rec.round,
        requirements: rec.requirements, className: rec.className,
      }, bullJobId)
      await this.jobs.progress(id, { stage: `re-enqueued by sweeper (carrier ${state})` })
      report.requeued.push(id)
    }
    return report
  }
}
