import type { Redis } from 'ioredis'
import { isCluster, redisKeys } from './keys.ts'

/**
 * record_chain_rejection — mark a verified job's proof as refused on-chain, once.
 * KEYS[1] job hash, KEYS[2] badProofs hash, KEYS[3] stats hash.
 * ARGV[1] JSON of the report (stored in the job's `chainRejected` field); ARGV[2…] ids to charge in
 * KEYS[2] (worker id, prover address), none when the proof still checks out.
 * Returns -1 when there is no such job, 0 when it was already reported (nothing counted again),
 * 1 when this is the first report (stats.chainRejected and each charged id incremented).
 */
const recordLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], 'chainRejected', ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[3], 'chainRejected', 1)
for i = 2, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
return 1
`

export type ChainRejectionReport = {
  /** The feed's custom error, e.g. `InvalidProof`. */
  error: string
  /** Whether the stored proof still passes the network's own checks (canonical encoding, verification). */
  proofStillValid: boolean
  /** Ids the rejection is charged to: the worker that made the proof and, if it signed, its prover address. */
  chargeTo: string[]
}

/**
 * Records that the chain refused a network-verified job's proof. The first report for a job counts
 * once in `stats.chainRejected` and, only when the proof fails the network's own re-check (so the
 * worker handed in something the chain cannot accept), once against each id in `chargeTo` in
 * `<prefix>:net:badProofs`, the counter market reputation reads. A later report of the same job
 * changes nothing, so a reporter cannot charge a worker twice; a proof that still checks out is not
 * charged at all (the fault is then the feed's verifier, not the worker).
 *
 * @example
 * ```ts
 * import { recordChainRejection } from './src/network/index.ts'
 * await recordChainRejection(redis, 'zkml', jobId, { error: 'InvalidProof', proofStillValid: false, chargeTo: ['w1'] })
 * // → { found: true, firstReport: true, charged: ['w1'] }
 * ```
 */
export async function recordChainRejection(
  redis: Redis,
  prefix: string,
  jobId: string,
  report: ChainRejectionReport,
  now = Date.now(),
): Promise<{ found: boolean; firstReport: boolean; charged: string[] }> {
  const k = redisKeys(prefix, isCluster(redis))
  const charge = report.proofStillValid ? [] : [...new Set(report.chargeTo.filter(Boolean))]
  const stored = JSON.stringify({ at: now, error: report.error, proofStillValid: report.proofStillValid, charged: charge })
  const r = Number(await redis.eval(recordLua, 3, k.job(jobId), k.badProofs, k.stats, stored, ...charge))
  return { found: r >= 0, firstReport: r === 1, charged: r === 1 ? charge : [] }
}
