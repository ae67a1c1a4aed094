import type { Redis } from 'ioredis'
import { isCluster, redisKeys } from './keys.ts'

/**
 * How many proofs the coordinator rejected from a worker id or an attested prover address (read from
 * `<prefix>:net:badProofs`, which only the coordinator writes). Addresses are matched lower-case.
 *
 * @example
 * ```ts
 * import { badProofCount } from './src/network/index.ts'
 * await badProofCount(redis, 'zkml', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266') // 0
 * ```
 */
export async function badProofCount(redis: Redis, prefix: string, who: string): Promise<number> {
  const v = await redis.hget(redisKeys(prefix, isCluster(redis)).badProofs, /^0x[0-9a-fA-F]{40}$/.test(who) ? who.toLowerCase() : who)
  return v === null ? 0 : Number(v)
}
