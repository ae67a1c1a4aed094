import { randomUUID } from 'node:crypto'
import { BaseError } from '../errors/index.ts'

/** `POST /jobs` body of the prover network API. */
export type ProofJobRequest = { circuitId: string; input: number[]; subject: string; round: string; idempotencyKey?: string }

export type ProofJobStatus = 'queued' | 'proving' | 'proved' | 'verified' | 'failed'

/** `GET /jobs/:id` answer. `proof` is a snarkjs proof JSON or already-encoded `0x` bytes. */
export type ProofJobView = {
  status: ProofJobStatus
  proof?: unknown
  publicSignals?: string[]
  outputs?: number[]
  error?: unknown
  /** Why a job failed, as the network reports it. */
  reason?: string
  errorCode?: string
}

/** A feed's report that it refused a verified job's proof (`POST /jobs/:id/chain-rejection`). */
export type ChainRejectionNotice = { error: string; feed?: string }

/** What the oracle needs from a prover: the HTTP network or an in-process prover behind the same shape. */
export type ProverClient = {
  submit(req: ProofJobRequest): Promise<{ jobId: string }>
  get(jobId: string): Promise<ProofJobView>
  /**
   * The circuit's manifest as registered (`GET /circuits/:id`). The oracle checks it hashes to the
   * feed's circuit id and takes the input signals' scales from it; a feed with `inputScaleBits` does
   * not need it.
   */
  circuit?(circuitId: string): Promise<unknown>
  /** Tells the network a feed refused this job's proof, so it can re-check it and charge the worker. */
  reportChainRejection?(jobId: string, notice: ChainRejectionNotice): Promise<unknown>
}

/**
 * Client of the prover network's HTTP API (`POST /jobs`, `GET /jobs/:id`, `GET /circuits/:id`,
 * `POST /jobs/:id/chain-rejection`; writes carry the bearer key).
 * Any non-2xx answer or network failure is `PROVER_API_ERROR` with the status and body.
 *
 * @example
 * ```ts
 * import { httpProverClient } from './src/oracle/index.ts'
 * const prover = httpProverClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.ZKML_API_KEY })
 * const { jobId } = await prover.submit({ circuitId, input, subject: '1', round: '1', idempotencyKey: 'feed:1' })
 * ```
 */
export function httpProverClient(opts: { baseUrl: string; apiKey?: string; timeoutMs?: number }): ProverClient {
  const base = opts.baseUrl.replace(/\/+$/, '')
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      })
    } catch (e) {
      throw new BaseError('PROVER_API_ERROR', `Prover API ${method} ${path} unreachable.`, {
        details: `expected an HTTP answer from ${base}, got: ${(e as Error).message}`,
        cause: e,
      })
    }
    const text = await res.text()
    if (!res.ok)
      throw new BaseError('PROVER_API_ERROR', `Prover API ${method} ${path} answered ${res.status}.`, {
        details: `expected 2xx, got ${res.status}: ${text.slice(0, 300)}`,
        meta: { status: res.status },
      })
    try {
      return JSON.parse(text)
    } catch (e) {
      throw new BaseError('PROVER_API_ERROR', `Prover API ${method} ${path} did not return JSON.`, { details: `expected JSON, got ${text.slice(0, 120)}`, cause: e })
    }
  }
  return {
    async submit(req) {
      const r = (await call('POST', '/jobs', req)) as { jobId?: unknown }
      if (typeof r?.jobId !== 'string')
        throw new BaseError('PROVER_API_ERROR', 'Prover API returned no job id.', { details: `expected { jobId: string }, got ${JSON.stringify(r)?.slice(0, 120)}` })
      return { jobId: r.jobId }
    },
    async get(jobId) {
      return (await call('GET', `/jobs/${encodeURIComponent(jobId)}`)) as ProofJobView
    },
    async circuit(circuitId) {
      return ((await call('GET', `/circuits/${encodeURIComponent(circuitId)}`)) as { manifest?: unknown })?.manifest
    },
    async reportChainRejection(jobId, notice) {
      return call('POST', `/jobs/${encodeURIComponent(jobId)}/chain-rejection`, notice)
    },
  }
}

/**
 * The ProverClient shape around a local proving function, for a single-operator oracle or tests.
 * Jobs run in the background; the same idempotency key returns the same job, as the network does.
 *
 * @example
 * ```ts
 * import { inProcessProverClient } from './src/oracle/index.ts'
 * const prover = inProcessProverClient(async (req) => myProve(req)) // → { proof, publicSignals }
 * ```
 */
export function inProcessProverClient(
  prove: (req: ProofJobRequest) => Promise<{ proof: unknown; publicSignals: string[]; outputs?: number[] }>,
): ProverClient & { submitted: number } {
  const jobs = new Map<string, ProofJobView>()
  const byKey = new Map<string, string>()
  const client = {
    submitted: 0,
    async submit(req: ProofJobRequest) {
      const existing = req.idempotencyKey ? byKey.get(req.idempotencyKey) : undefined
      if (existing) return { jobId: existing }
      const jobId = randomUUID()
      client.submitted++
      if (req.idempotencyKey) byKey.set(req.idempotencyKey, jobId)
      jobs.set(jobId, { status: 'proving' })
      prove(req).then(
        (r) => jobs.set(jobId, { status: 'verified', ...r }),
        (e) => jobs.set(jobId, { status: 'failed', error: e instanceof BaseError ? e.toJSON() : String(e) }),
      )
      return { jobId }
    },
    async get(jobId: string) {
      const j = jobs.get(jobId)
      if (!j) throw new BaseError('PROVER_API_ERROR', `No job ${jobId}.`, { details: `expected a job id this client issued, got ${jobId}`, meta: { status: 404 } })
      return j
    },
  }
  return client
}

/**
 * Polls a job until it is `verified` (the network checked the worker's proof), with proof and signals. `PROVER_JOB_FAILED` when it fails or ends without a proof; `PROVER_TIMEOUT` after `timeoutMs`.
 *
 * @example
 * ```ts
 * import { waitForProof } from './src/oracle/index.ts'
 * const { proof, publicSignals } = await waitForProof(prover, jobId, { timeoutMs: 120_000 })
 * ```
 */
export async function waitForProof(
  client: ProverClient,
  jobId: string,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<{ proof: unknown; publicSignals: string[]; outputs?: number[] }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000)
  let poll = opts.pollMs ?? 250
  for (;;) {
    const j = await client.get(jobId)
    if (j.status === 'failed')
      throw new BaseError('PROVER_JOB_FAILED', `Proving job ${jobId} failed.`, {
        details: `expected status verified, got failed: ${JSON.stringify(j.error ?? { errorCode: j.errorCode, reason: j.reason })?.slice(0, 300)}`,
        meta: { jobId },
      })
    // 'proved' is a worker's claim the network has not checked yet; only 'verified' carries the result.
    if (j.status === 'verified') {
      if (j.proof === undefined || !Array.isArray(j.publicSignals))
        throw new BaseError('PROVER_JOB_FAILED', `Proving job ${jobId} has no proof.`, {
          details: `expected proof and publicSignals with status ${j.status}, got keys ${Object.keys(j).join(', ')}`,
          meta: { jobId },
        })
      return { proof: j.proof, publicSignals: j.publicSignals, ...(j.outputs ? { outputs: j.outputs } : {}) }
    }
    if (Date.now() > deadline)
      throw new BaseError('PROVER_TIMEOUT', `Proving job ${jobId} is still ${j.status}.`, {
        details: `expected verified within ${opts.timeoutMs ?? 300_000} ms, got ${j.status}`,
        meta: { jobId },
      })
    await new Promise((r) => setTimeout(r, poll))
    poll = Math.min(poll * 1.5, 2_000)
  }
}
