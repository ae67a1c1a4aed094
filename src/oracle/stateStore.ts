import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { BaseError } from '../errors/index.ts'

/** What the oracle remembers per feed across restarts. */
export type FeedState = {
  /** Last round this oracle knows is on-chain (posted by it or seen there). */
  lastRound: bigint
  lastAnswer?: bigint
  /** Unix seconds of the last posted round. */
  lastPostedAt?: number
  /** Hash of the inputs last proved, so unchanged inputs are not proved again before the heartbeat. */
  lastInputsKey?: string
  /**
   * A round whose proof job was submitted but not yet posted: resumed after a restart, never resubmitted.
   * `inputs` are the values read for it, which the proof's input signals must match (absent in state
   * written before they were kept: the current read is used if it hashes to `inputsKey`).
   */
  pending?: { round: bigint; jobId: string; attempt: number; inputsKey: string; inputs?: number[] } | undefined
  /** Bumped when a job for a round fails, so the retry gets a fresh idempotency key. */
  attempt?: number
  /**
   * The idempotency key of the job about to be submitted for (round, attempt), written before the submit:
   * a crash between the network accepting the job and `pending` being saved resubmits the same key,
   * which the network answers with the same job, so no second proof is made.
   */
  submitKey?: { round: bigint; attempt: number; key: string }
  /** Jobs whose proof a feed refused (`InvalidProof`), newest last: never posted again, even after a restart. */
  chainRejected?: string[]
}

/**
 * How many chain-rejected job ids a feed's state keeps: a pending job is only ever checked against
 * the latest few, and the file must stay small.
 *
 * @example
 * ```ts
 * import { CHAIN_REJECTED_KEPT } from './src/oracle/index.ts'
 * console.log(CHAIN_REJECTED_KEPT) // 32
 * ```
 */
export const CHAIN_REJECTED_KEPT = 32

/**
 * A JSON file of FeedState by feed id, written atomically (temp file + rename) after every change, so a
 * crash leaves either the old or the new state, never half of one.
 *
 * @example
 * ```ts
 * import { StateStore } from './src/oracle/index.ts'
 * const store = new StateStore('.zkml/oracle-state.json')
 * store.update('pool-1', (s) => ({ ...s, lastRound: 7n }))
 * ```
 */
export class StateStore {
  readonly path: string | undefined
  private feeds = new Map<string, FeedState>()

  /** `path` undefined keeps state in memory only. */
  constructor(path?: string) {
    this.path = path
    if (!path || !existsSync(path)) return
    let json: { version?: unknown; feeds?: Record<string, Record<string, unknown>> }
    try {
      json = JSON.parse(readFileSync(path, 'utf8'))
      if (json.version !== 1 || typeof json.feeds !== 'object') throw new Error(`version ${String(json.version)}`)
      for (const [id, f] of Object.entries(json.feeds!)) this.feeds.set(id, revive(f))
    } catch (e) {
      throw new BaseError('ORACLE_STATE_CORRUPT', `Oracle state ${path} is unreadable.`, {
        details: `expected {"version":1,"feeds":{…}}, got: ${(e as Error).message}`,
        cause: e,
      })
    }
  }

  get(id: string): FeedState {
    return this.feeds.get(id) ?? { lastRound: 0n }
  }

  update(id: string, f: (s: FeedState) => FeedState): FeedState {
    const next = f(this.get(id))
    this.feeds.set(id, next)
    this.flush()
    return next
  }

  private flush(): void {
    if (!this.path) return
    const feeds = Object.fromEntries([...this.feeds].map(([id, s]) => [id, JSON.parse(JSON.stringify(s, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)))]))
    const tmp = `${this.path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify({ version: 1, feeds }, null, 2))
    renameSync(tmp, this.path)
  }
}

function revive(f: Record<string, unknown>): FeedState {
  const big = (v: unknown) => {
    if (typeof v !== 'string' || !/^-?\d+n$/.test(v)) throw new Error(`expected a bigint string like "7n", got ${JSON.stringify(v)}`)
    return BigInt(v.slice(0, -1))
  }
  const p = f.pending as Record<string, unknown> | undefined
  return {
    lastRound: big(f.lastRound),
    ...(f.lastAnswer !== undefined ? { lastAnswer: big(f.lastAnswer) } : {}),
    ...(typeof f.lastPostedAt === 'number' ? { lastPostedAt: f.lastPostedAt } : {}),
    ...(typeof f.lastInputsKey === 'string' ? { lastInputsKey: f.lastInputsKey } : {}),
    ...(typeof f.attempt === 'number' ? { attempt: f.attempt } : {}),
    ...(f.submitKey && typeof f.submitKey === 'object' ? (() => {
      const k = f.submitKey as Record<string, unknown>
      if (typeof k.key !== 'string' || typeof k.attempt !== 'number') throw new Error(`expected submitKey { round, attempt, key }, got ${JSON.stringify(k)}`)
      return { submitKey: { round: big(k.round), attempt: k.attempt, key: k.key } }
    })() : {}),
    ...(Array.isArray(f.chainRejected) ? { chainRejected: f.chainRejected.map((j) => {
      if (typeof j !== 'string') throw new Error(`expected chainRejected job ids as strings, got ${JSON.stringify(j)}`)
      return j
    }) } : {}),
    ...(p ? { pending: {
      round: big(p.round), jobId: String(p.jobId), attempt: Number(p.attempt), inputsKey: String(p.inputsKey),
      ...(Array.isArray(p.inputs) && p.inputs.every((x) => typeof x === 'number' && Number.isFinite(x)) ? { inputs: p.inputs as number[] } : {}),
    } } : {}),
  }
}
