import { BaseError } from '../errors/index.ts'

/**
 * The lifecycle of a proving job:
 *
 * ```
 * submitted → queued → proving → proved → verified
 *               ↑         │  ↺       │
 *               └─────────┴──────────┘   (retry: prove error, rejected proof, released)
 *   any non-terminal state → failed (with a reason)
 * ```
 *
 * `proving → proving` (and `proved → proving`) is a take-over: the holder stalled (killed, lost
 * its lock, possibly after handing in a result) and another worker took the job. `proving →
 * verified` is that earlier result being accepted while the take-over runs. `verified` and
 * `failed` are terminal: nothing leaves them, which is what makes a late duplicate result harmless.
 */
export const jobStates = ['submitted', 'queued', 'proving', 'proved', 'verified', 'failed'] as const
export type JobState = (typeof jobStates)[number]

/**
 * For each state, the states it may be entered from.
 *
 * @example
 * ```ts
 * import { allowedFrom } from './src/network/index.ts'
 * allowedFrom.verified // ['proved', 'proving']
 * ```
 */
export const allowedFrom: Record<JobState, readonly JobState[]> = {
  submitted: [],
  queued: ['submitted', 'proving', 'proved'],
  proving: ['queued', 'proving', 'proved'],
  proved: ['proving'],
  verified: ['proved', 'proving'],
  failed: ['submitted', 'queued', 'proving', 'proved'],
}

/**
 * Whether a state is final.
 *
 * @example
 * ```ts
 * import { isTerminal } from './src/network/index.ts'
 * isTerminal('verified') // true
 * ```
 */
export function isTerminal(s: JobState): boolean {
  return s === 'verified' || s === 'failed'
}

/**
 * Whether `from → to` is a lifecycle step.
 *
 * @example
 * ```ts
 * import { canTransition } from './src/network/index.ts'
 * canTransition('proved', 'verified') // true
 * canTransition('verified', 'proving') // false
 * ```
 */
export function canTransition(from: JobState, to: JobState): boolean {
  return allowedFrom[to].includes(from)
}

/**
 * Throws `JOB_STATE_INVALID` unless `from → to` is a lifecycle step.
 *
 * @example
 * ```ts
 * import { assertTransition } from './src/network/index.ts'
 * assertTransition('queued', 'proving') // ok
 * ```
 */
export function assertTransition(from: JobState, to: JobState, jobId = '?'): void {
  if (!canTransition(from, to))
    throw new BaseError('JOB_STATE_INVALID', `Job ${jobId} cannot move from ${from} to ${to}.`, {
      details: `expected the job to be in one of [${allowedFrom[to].join(', ')}] to enter ${to}, got ${from}`,
      meta: { jobId, from, to },
    })
}
