import type { FastifyInstance } from 'fastify'
import { isTerminal, jobNotFound, type JobEvent, type JobRecord } from '../network/index.ts'
import { apiKeyIdOf, requireApiKey } from './auth.ts'
import { withRedisDeadline } from './redisGuard.ts'
import { errorResponses, hex32, type ApiContext } from './context.ts'

/**
 * Largest `POST /jobs` body, bytes (8 MiB).
 *
 * @example
 * ```ts
 * import { JOB_BODY_LIMIT } from './src/api/jobs.ts'
 * console.log(JOB_BODY_LIMIT) // 8388608
 * ```
 */
export const JOB_BODY_LIMIT = 8 * 2 ** 20

const uintString = { type: 'string', minLength: 1, maxLength: 80, description: 'unsigned integer, decimal or 0x hex, below the BN254 field order' } as const

const jobSchema = {
  type: 'object',
  properties: {
    jobId: { type: 'string' },
    status: { type: 'string', enum: ['submitted', 'queued', 'proving', 'proved', 'verified', 'failed'] },
    circuitId: { type: 'string' },
    className: { type: 'string' },
    requirements: { type: 'object', additionalProperties: true },
    subject: { type: 'string' },
    round: { type: 'string' },
    idempotencyKey: { type: 'string' },
    attempts: { type: 'integer' },
    workerId: { type: 'string' },
    engine: { type: 'string', description: 'the proving engine the worker reported for its last attempt (native, cuda, snarkjs, ezkl); informational: the coordinator verifies the proof, not this' },
    reason: { type: 'string' },
    errorCode: { type: 'string' },
    timestamps: { type: 'object', additionalProperties: { type: 'integer' }, description: 'ms since epoch when the job last entered each state' },
    timings: {
      type: 'object',
      description: 'ms spent: waiting (submitted→start of the last attempt), proving (last attempt→proved), verifying (proved→verified), total (submitted→verified or failed)',
      additionalProperties: { type: 'integer' },
    },
    proof: { type: 'object', additionalProperties: true },
    publicSignals: { type: 'array', items: { type: 'string' } },
    outputs: { type: 'array', items: { type: 'number' } },
    provedBy: { type: 'string' },
  },
} as const

/**
 * The API view of a job record: status, timings, and the accepted proof once verified.
 *
 * @example
 * ```ts
 * import { jobView } from './src/api/index.ts'
 * const rec = await jobs.get(id)
 * if (rec) console.log(jobView(rec).timings)
 * ```
 */
export function jobView(r: JobRecord) {
  const t = r.timestamps
  const timings: Record<string, number> = {}
  if (t.submitted && t.proving) timings.waiting = t.proving - t.submitted
  if (t.proving && t.proved && t.proved >= t.proving) timings.proving = t.proved - t.proving
  if (t.proved && t.verified) timings.verifying = t.verified - t.proved
  const end = t.verified ?? t.failed
  if (t.submitted && end) timings.total = end - t.submitted
  return {
    jobId: r.id, status: r.status, circuitId: r.circuitId, className: r.className, requirements: r.requirements,
    subject: r.subject, round: r.round, idempotencyKey: r.idempotencyKey, attempts: r.attempts,
    workerId: r.workerId, engine: r.engine, reason: r.reason, errorCode: r.errorCode, timestamps: t, timings,
    ...(r.result ? { proof: r.result.proof, publicSignals: r.result.publicSignals, outputs: r.result.outputs, provedBy: r.result.provedBy } : {}),
  }
}

/**
 * Job routes: `POST /jobs` (API key), `GET /jobs/:id`, `GET /jobs/:id/events` (Server-Sent Events).
 *
 * @example
 * ```ts
 * app.register(jobRoutes, { ctx })
 * // curl -N /jobs/<id>/events   → data: {"type":"state","to":"queued",…}
 * ```
 */
export async function jobRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.post<{ Body: { circuitId: string; input: number[]; subject: string; round: string; idempotencyKey?: string; requirements?: { gpu?: boolean; minMemoryMiB?: number; deadlineSeconds?: number } } }>('/jobs', {
    onRequest: requireApiKey(ctx.apiKeys),
    // A job is a circuit id, a flat input (≤ 1e6 numbers) and a few strings: far less than a circuit upload.
    bodyLimit: JOB_BODY_LIMIT,
    schema: {
      summary: 'Submit a proving job; answered 202 at once, follow it with GET /jobs/:id or its events',
      security: [{ bearer: [] }],
      body: {
        type: 'object',
        required: ['circuitId', 'input', 'subject', 'round'],
        additionalProperties: false,
        properties: {
          circuitId: hex32,
          input: { type: 'array', items: { type: 'number' }, maxItems: 1_000_000, description: 'flat model input; its length must match the circuit' },
          subject: uintString,
          round: uintString,
          idempotencyKey: { type: 'string', minLength: 1, maxLength: 200, description: 'same key + same request → same job, counted once; scoped to the API key that submits it' },
          requirements: {
            type: 'object',
            additionalProperties: false,
            properties: {
              gpu: { type: 'boolean' },
              minMemoryMiB: { type: 'integer', minimum: 0 },
              deadlineSeconds: { type: 'number', exclusiveMinimum: 0, description: 'seconds one proof may take; a circuit the CPU cost model says would miss it goes to GPU workers' },
            },
          },
        },
      },
      response: {
        202: { type: 'object', properties: { jobId: { type: 'string' }, status: { type: 'string' }, duplicate: { type: 'boolean' }, className: { type: 'string' } } },
        ...errorResponses(400, 401, 404, 409, 413, 415, 422, 503),
      },
    },
  }, async (req, reply) => {
    // The scope is the caller's key, never a body field (the schema admits none).
    const r = await withRedisDeadline(ctx.queue.submit({ ...req.body, scope: apiKeyIdOf(req) }), 'submitting the job')
    reply.code(202)
    return r
  })

  app.get<{ Params: { id: string } }>('/jobs/:id', {
    schema: {
      summary: 'Job status, timings, attempts; proof, publicSignals and outputs once verified',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
      response: { 200: jobSchema, ...errorResponses(404) },
    },
  }, async (req) => {
    const r = await ctx.jobs.get(req.params.id)
    if (!r) throw jobNotFound(req.params.id)
    return jobView(r)
  })

  app.get<{ Params: { id: string } }>('/jobs/:id/events', {
    schema: {
      summary: 'Server-Sent Events: every lifecycle and progress event of the job, past ones first; the stream ends after verified or failed',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
      produces: ['text/event-stream'],
      response: { 200: { type: 'string', description: 'text/event-stream; each `data:` line is a JobEvent JSON' }, ...errorResponses(404) },
    },
  }, async (req, reply) => {
    const id = req.params.id
    const rec = await ctx.jobs.get(id)
    if (!rec) throw jobNotFound(id)
    // Subscribe before reading history so nothing published in between is missed; the
    // buffered messages already in the history are dropped by exact-text comparison.
    const sub = ctx.redis.duplicate()
    sub.on('error', () => {})
    const buffered: string[] = []
    let live = false
    let ended = false
    const raw = reply.raw
    const finish = () => {
      if (ended) return
      ended = true
      clearInterval(ping)
      sub.quit().catch(() => {})
      raw.end()
    }
    const send = (s: string) => {
      if (ended) return
      raw.write(`data: ${s}\n\n`)
      const ev = JSON.parse(s) as JobEvent
      if (ev.type === 'state' && isTerminal(ev.to)) finish()
    }
    sub.on('message', (_ch, msg) => (live ? send(msg) : buffered.push(msg)))
    await sub.subscribe(ctx.jobs.keys.channel(id))
    reply.hijack()
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const ping = setInterval(() => raw.write(': ping\n\n'), 15_000)
    req.raw.on('close', finish)
    const history = await ctx.redis.lrange(ctx.jobs.keys.events(id), 0, -1)
    const seen = new Set(history)
    for (const s of history) send(s)
    for (const s of buffered) if (!seen.has(s)) send(s)
    live = true
  })
}
