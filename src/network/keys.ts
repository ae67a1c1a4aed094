/**
 * Whether a client is an ioredis `Cluster` (`connectRedis` with a `redis+cluster://` URL).
 *
 * @example
 * ```ts
 * import { isCluster } from './src/network/index.ts'
 * isCluster(await connectRedis()) // false on a single Redis
 * ```
 */
export function isCluster(redis: unknown): boolean {
  return (redis as { isCluster?: boolean } | null)?.isCluster === true
}

/**
 * The prefix of the network's own state (`<this>:net:…`). On a single Redis it is the prefix as
 * given (unchanged key names). On a cluster it is hash-tagged, `{zkml}`, so every key a Lua script
 * or MULTI touches together (job hash, its events, stats, the open and recent indexes, worker ads)
 * hashes to one slot. A prefix that already holds a `{…}` tag is left as it is.
 *
 * @example
 * ```ts
 * import { netPrefix } from './src/network/index.ts'
 * netPrefix('zkml', true) // '{zkml}'
 * netPrefix('zkml', false) // 'zkml'
 * ```
 */
export function netPrefix(prefix: string, cluster: boolean): string {
  return cluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix
}

/**
 * BullMQ's `prefix` for one queue. On a single Redis: the network prefix (unchanged). On a
 * cluster: a hash tag of its own per queue, `{zkml/prove.groth16.cpu.m1}`, so each queue's Lua
 * scripts stay in one slot while different queues (capability classes, the results queue) land on
 * different slots, and so on different shards. A prefix that already holds a `{…}` tag is used
 * as is (everything in that one slot, as before).
 *
 * @example
 * ```ts
 * import { bullPrefix } from './src/network/index.ts'
 * bullPrefix('zkml', 'results', true) // '{zkml/results}'
 * bullPrefix('zkml', 'results', false) // 'zkml'
 * ```
 */
export function bullPrefix(prefix: string, queueName: string, cluster: boolean): string {
  return cluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}/${queueName}}` : prefix
}

/**
 * Every Redis key the prover network uses, under one prefix. One prefix = one isolated network
 * (tests use a random one). `cluster` hash-tags the prefix ({@link netPrefix}); see
 * docs/scaling.md for how keys map to slots. BullMQ's keys are under {@link bullPrefix}, artifact
 * blobs under the untagged `<prefix>:net:blob:<hash>` (each blob its own slot).
 *
 * @example
 * ```ts
 * import { redisKeys } from './src/network/index.ts'
 * console.log(redisKeys('zkml').job('abc')) // zkml:net:job:abc
 * console.log(redisKeys('zkml', true).job('abc')) // {zkml}:net:job:abc
 * ```
 */
export function redisKeys(prefix: string, cluster = false) {
  const p = `${netPrefix(prefix, cluster)}:net`
  return {
    prefix,
    /** String: an artifact's bytes by sha256 (no tag: blobs spread over the cluster's slots). */
    blob: (sha256NoPrefix: string) => `${prefix}:net:blob:${sha256NoPrefix}`,
    /** String with TTL: held by the one coordinator whose sweeper runs this round. */
    sweepLock: `${p}:sweepLock`,
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
