import { randomBytes } from 'node:crypto'

/**
 * The idempotency key of the oracle's proving job for a (feed, round, attempt): readable, and
 * unguessable (128 random bits), so nobody can predict and take a feed's next key ahead of the
 * oracle. The network also scopes keys per API key; this is the second lock. The job id is
 * persisted with the round before the oracle waits, and a restart resumes it rather than
 * resubmitting; only a crash between submitting and persisting makes a second job for the round,
 * which proves the same statement and costs one proof. At most 200 characters (the API's limit).
 *
 * @example
 * ```ts
 * import { oracleIdempotencyKey } from './src/oracle/idempotencyKey.ts'
 * oracleIdempotencyKey('pool-1', 7n, 0) // 'pool-1:7:0:3f9c…' (32 random hex digits)
 * ```
 */
export function oracleIdempotencyKey(feedId: string, round: bigint, attempt: number): string {
  return `${feedId.slice(0, 100)}:${round}:${attempt}:${randomBytes(16).toString('hex')}`
}
