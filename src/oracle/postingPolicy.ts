/** When a feed gets a new round: Chainlink's two triggers. */
export type PostingPolicy = {
  /** Post at least this often, seconds. */
  heartbeatS: number
  /** Post when the answer moves by more than this, in basis points of the last answer. */
  deviationBps: number
}

export type PostDecision = { post: boolean; reason: 'first' | 'heartbeat' | 'deviation' | 'within-threshold' }

/**
 * Decides whether a freshly proved answer is worth a transaction.
 *
 * @example
 * ```ts
 * import { decidePost } from './src/oracle/index.ts'
 * decidePost({ heartbeatS: 3600, deviationBps: 50 }, { lastAnswer: 1000n, lastPostedAt: 0, nowS: 60, answer: 1006n })
 * // { post: true, reason: 'deviation' }
 * ```
 */
export function decidePost(
  orders: PostingPolicy,
  s: { lastAnswer: bigint | undefined; lastPostedAt: number | undefined; nowS: number; answer: bigint },
): PostDecision {
  if (s.lastAnswer === undefined || s.lastPostedAt === undefined) return { post: true, reason: 'first' }
  if (s.nowS - s.lastPostedAt >= orders.heartbeatS) return { post: true, reason: 'heartbeat' }
  if (movedBeyond(s.lastAnswer, s.answer, orders.deviationBps)) return { post: true, reason: 'deviation' }
  return { post: false, reason: 'within-threshold' }
}

/**
 * True when |next - last| > deviationBps/10000 × |last|; any change counts when last is 0.
 *
 * @example
 * ```ts
 * movedBeyond(1000n, 1005n, 50) // false: exactly 0.5 %
 * ```
 */
export function movedBeyond(last: bigint, next: bigint, deviationBps: number): boolean {
  const diff = next > last ? next - last : last - next
  const base = last < 0n ? -last : last
  if (base === 0n) return diff !== 0n
  return diff * 10_000n > base * BigInt(Math.round(deviationBps))
}

/**
 * Whether a proof is due at all, before paying for one: the heartbeat is due or the inputs changed.
 *
 * @example
 * ```ts
 * isProofDue({ heartbeatS: 60, deviationBps: 10 }, { lastPostedAt: 0, nowS: 30, inputsChanged: false }) // false
 * ```
 */
export function isProofDue(orders: PostingPolicy, s: { lastPostedAt: number | undefined; nowS: number; inputsChanged: boolean }): boolean {
  return s.lastPostedAt === undefined || s.nowS - s.lastPostedAt >= orders.heartbeatS || s.inputsChanged
}
