/**
 * Every Redis key the prover network uses, under one prefix. The prefix is also BullMQ's
 * `prefix`, so one prefix = one isolated network (tests use a random one). For Redis Cluster
 * wrap it in braces (`{zkml}`) so every key hashes to one slot, as BullMQ's Lua scripts need.
 *
 * @example
 * ```ts
 * import { redisKeys } from './src/network/index.ts'
 * const k = redisKeys('zkml')
 * console.log(k.job('abc')) // zkml:net:job:abc
 * ```
 */
export function redisKeys(prefix: string) {
  const p = `${prefix}:net`
  return {
    prefix,
    /** Hash: the job record (status, timestamps, attempts, result). */
    job: (id: string) => `${p}:job:${id}`,
    /** List: JSON lifecycle and progress events of a job, in order (SSE replays it). */
    events: (id: string) => `${p}:events:${id}`,
    /** Pub/sub channel where each job event is published as it is appended. */
    channel: (id: string) => `${p}:chan:${id}`,
    /** String: circuit manifest JSON by circuit id. */
    circuit: (id: string) => `${p}:circuit:${id}`,
    /** Set of registered circuit ids. */
    circuits: `${p}:circuits`,
    /** Set of capability classes that have ever had a job (workers listen to the ones they meet). */
    classes: `${p}:classes`,
    /** Pub/sub channel pinged on every submission so idle workers poll at once. */
    wake: `${p}:wake`,
    /** String with TTL: a worker's advertisement (hardware, current job); expires unless heartbeated. */
    worker: (id: string) => `${p}:worker:${id}`,
    /** Sorted set: worker id by last heartbeat (ms). */
    workers: `${p}:workers`,
    /** Sorted set: ids of jobs not yet verified or failed, by submission time (the sweeper's index). */
    open: `${p}:open`,
    /** Sorted set: the most recent job ids (any state) by submission time, capped (the explorer's list). */
    recent: `${p}:recent`,
    /** Hash of counters: submitted, verified, rejected, duplicateResults. */
    stats: `${p}:stats`,
    /**
     * Hash: proofs the coordinator rejected, by worker id and (when the hand-in carried a valid
     * attestation) by lower-case prover address. Written only by the coordinator, so a worker cannot
     * skip counting its own bad proofs; read into market reputation.
     */
    badProofs: `${p}:badProofs`,
  }
}

export type RedisKeys = ReturnType<typeof redisKeys>

/**
 * BullMQ queue name of a capability class.
 *
 * @example
 * ```ts
 * import { proveQueueName } from './src/network/index.ts'
 * proveQueueName('groth16.cpu.m1') // 'prove.groth16.cpu.m1'
 * ```
 */
export const proveQueueName = (cls: string) => `prove.${cls}`
/**
 * BullMQ queue where workers hand in results for the coordinator to verify.
 *
 * @example
 * ```ts
 * import { resultsQueueName } from './src/network/index.ts'
 * console.log(resultsQueueName) // 'results'
 * ```
 */
export const resultsQueueName = 'results'
