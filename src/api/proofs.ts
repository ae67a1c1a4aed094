import type { FastifyInstance } from 'fastify'
import type { CircuitManifest } from '../compiler/manifest.ts'
import { verify, type SnarkProof, type VerificationKey } from '../compiler/snark/index.ts'
import { BaseError } from '../errors/index.ts'
import { jobNotFound, type JobRecord } from '../network/index.ts'
import { errorResponses, type ApiContext } from './context.ts'

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } } as const

const listItem = {
  type: 'object',
  properties: {
    jobId: { type: 'string' },
    status: { type: 'string' },
    circuitId: { type: 'string' },
    className: { type: 'string' },
    subject: { type: 'string' },
    round: { type: 'string' },
    attempts: { type: 'integer' },
    workerId: { type: 'string' },
    provedBy: { type: 'string' },
    engine: { type: 'string', description: 'the proving engine the worker reported (native, cuda, snarkjs, ezkl)' },
    reason: { type: 'string' },
    errorCode: { type: 'string' },
    outputs: { type: 'array', items: { type: 'number' } },
    hasProof: { type: 'boolean' },
    timestamps: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const

/**
 * A job as a list row: no input vector and no proof, so a page of 50 stays small.
 *
 * @example
 * ```ts
 * import { jobListItem } from './src/api/index.ts'
 * const row = jobListItem(rec) // { jobId, status, circuitId, subject, round, hasProof, … }
 * ```
 */
export function jobListItem(r: JobRecord) {
  return {
    jobId: r.id, status: r.status, circuitId: r.circuitId, className: r.className, subject: r.subject, round: r.round,
    attempts: r.attempts, workerId: r.workerId, provedBy: r.result?.provedBy, engine: r.engine, reason: r.reason, errorCode: r.errorCode,
    outputs: r.result?.outputs, hasProof: r.result !== undefined, timestamps: r.timestamps,
  }
}

/** The job's accepted result, or `JOB_HAS_NO_PROOF` (the job exists but is not verified). */
async function requireProved(ctx: ApiContext, id: string): Promise<JobRecord & { result: NonNullable<JobRecord['result']> }> {
  const rec = await ctx.jobs.get(id)
  if (!rec) throw jobNotFound(id)
  if (!rec.result)
    throw new BaseError('JOB_HAS_NO_PROOF', `Job ${id} has no accepted proof.`, {
      details: `expected a verified job, got one in state ${rec.status}`,
      meta: { jobId: id, status: rec.status },
    })
  return rec as JobRecord & { result: NonNullable<JobRecord['result']> }
}

/** Runs at most `n` of the given tasks at a time, first come first served. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const queue: (() => void)[] = []
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      queue.shift()?.()
    }
  }
}

/** A public signal's meaning for messages: "output y", "input x[0]", "context subject". */
const signalLabel = (m: CircuitManifest, i: number) => {
  const s = m.publicSignals[i]
  return s ? `${s.kind} ${s.name}` : 'beyond the circuit\'s signals'
}

/**
 * Why `given` is not the job's statement, or undefined when it is: every public signal (the job's
 * inputs, outputs, subject and round) must equal, as a number, the one the coordinator recorded for
 * the job, which it computed from the job's own input. Same subject and round is not enough: a
 * proof of another job over other inputs carries them too.
 */
function statementMismatch(m: CircuitManifest, recorded: readonly string[], given: readonly unknown[]): string | undefined {
  if (given.length !== recorded.length) return `expected the job's ${recorded.length} public signals, got ${given.length}`
  for (let i = 0; i < recorded.length; i++) {
    let g: bigint
    try {
      g = BigInt(given[i] as string)
    } catch {
      return `public signal ${i} (${signalLabel(m, i)}) is not an integer: ${JSON.stringify(given[i])?.slice(0, 40)}`
    }
    if (g !== BigInt(recorded[i]!)) return `public signal ${i} (${signalLabel(m, i)}) is ${String(given[i]).slice(0, 80)}, the job's is ${recorded[i]}`
  }
  return undefined
}

/**
 * Read-only proof routes for the explorer and for anyone auditing the network:
 * `GET /jobs` (recent jobs, newest first), `GET /jobs/:id/proof` (the accepted proof as a
 * download) and `POST /jobs/:id/verify` (verify it again here, against the verification key in
 * the artifact store — the same bytes the circuit id commits to, so no trust in the coordinator's
 * earlier verdict is needed). No API key: nothing here changes state.
 *
 * @example
 * ```ts
 * app.register(proofRoutes, { ctx })
 * // curl /jobs?limit=20 · curl -OJ /jobs/<id>/proof · curl -X POST /jobs/<id>/verify → {"valid":true,…}
 * ```
 */
export async function proofRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  // Re-verification is open to anyone and costs CPU (pairings): at most two run at once per API
  // process, the rest wait their turn, so a burst of clicks cannot starve the other routes.
  const slots = limiter(2)
  app.get<{ Querystring: { limit?: number; status?: string } }>('/jobs', {
    schema: {
      summary: 'Recent jobs, newest first (any state): status, circuit, subject, round, worker, timestamps; no inputs or proofs',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          // Query strings are text; this one integer is coerced by hand below, the rest of the API stays strict.
          limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'at most this many (1–200, default 50)' },
          status: { type: 'string', enum: ['submitted', 'queued', 'proving', 'proved', 'verified', 'failed'], description: 'only jobs in this state' },
        },
      },
      response: { 200: { type: 'object', properties: { jobs: { type: 'array', items: listItem } } }, ...errorResponses(400) },
    },
  }, async (req) => {
    const raw = req.query.limit === undefined ? 50 : Number(req.query.limit)
    if (raw < 1 || raw > 200)
      throw new BaseError('REQUEST_INVALID', 'limit is out of range.', { details: `expected querystring.limit between 1 and 200, got ${raw}` })
    // A status filter reads further back so that "the 20 latest verified" still finds 20.
    const recs = await ctx.jobs.recent(req.query.status ? Math.min(raw * 10, 1000) : raw)
    return { jobs: recs.filter((r) => !req.query.status || r.status === req.query.status).slice(0, raw).map(jobListItem) }
  })

  app.get<{ Params: { id: string } }>('/jobs/:id/proof', {
    schema: {
      summary: 'Download the accepted proof of a verified job: proof, publicSignals, outputs and what they prove (attachment)',
      params: idParams,
      response: {
        200: {
          type: 'object',
          properties: {
            jobId: { type: 'string' }, circuitId: { type: 'string' }, backend: { type: 'string' }, subject: { type: 'string' }, round: { type: 'string' },
            provedBy: { type: 'string' }, verifiedAt: { type: 'integer' },
            proof: { type: 'object', additionalProperties: true }, publicSignals: { type: 'array', items: { type: 'string' } }, outputs: { type: 'array', items: { type: 'number' } },
          },
        },
        ...errorResponses(404, 409),
      },
    },
  }, async (req, reply) => {
    const rec = await requireProved(ctx, req.params.id)
    const circuit = await ctx.registry.get(rec.circuitId)
    const safe = rec.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)
    reply.header('content-disposition', `attachment; filename="proof-${safe}.json"`)
    return {
      jobId: rec.id, circuitId: rec.circuitId, backend: circuit?.manifest.backend, subject: rec.subject, round: rec.round,
      provedBy: rec.result.provedBy, verifiedAt: rec.timestamps.verified,
      proof: rec.result.proof, publicSignals: rec.result.publicSignals, outputs: rec.result.outputs,
    }
  })

  app.post<{ Params: { id: string }; Body: { proof?: unknown; publicSignals?: string[] } | undefined }>('/jobs/:id/verify', {
    schema: {
      summary: 'Verify a job\'s accepted proof again, here and now, against the circuit\'s verification key; or verify a proof given in the body for that job\'s circuit',
      params: idParams,
      body: {
        type: ['object', 'null'],
        additionalProperties: false,
        description: 'optional: a proof and public signals to check instead of the stored ones (e.g. a downloaded and edited copy)',
        properties: { proof: { type: 'object' }, publicSignals: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 10_000 } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            jobId: { type: 'string' }, circuitId: { type: 'string' }, backend: { type: 'string' },
            valid: { type: 'boolean', description: 'the proof verifies against the verification key for these public signals' },
            matchesJob: { type: 'boolean', description: 'the public signals are exactly this job\'s statement: its inputs, outputs, subject and round as the coordinator recorded them' },
            reason: { type: 'string' }, ms: { type: 'integer' }, vkeySha256: { type: 'string' },
          },
        },
        ...errorResponses(400, 404, 409),
      },
    },
  }, async (req) => {
    const rec = await requireProved(ctx, req.params.id)
    const { manifest } = await ctx.registry.require(rec.circuitId)
    const vkeyHash = manifest.artifacts.vkey.sha256
    const proof = (req.body?.proof ?? rec.result.proof) as SnarkProof
    const publicSignals = req.body?.publicSignals ?? rec.result.publicSignals
    let ms = 0
    let valid = false
    const reasons: string[] = []
    try {
      valid = await slots(async () => {
        const started = performance.now()
        try {
          if (manifest.backend === 'ezkl') return await verifyEzklFromStore(ctx, manifest, proof, publicSignals)
          const vkey = JSON.parse(new TextDecoder().decode(await ctx.registry.store.get(vkeyHash))) as VerificationKey
          return await verify(manifest.backend, vkey, publicSignals, proof)
        } finally {
          ms = Math.round(performance.now() - started) // the verification itself, not the wait for a slot
        }
      })
      if (!valid) reasons.push('the proof does not verify against the circuit\'s verification key')
    } catch (e) {
      // Malformed signals are a "no" for an auditor, not a server fault.
      reasons.push(e instanceof BaseError ? `${e.code}: ${e.details ?? e.shortMessage}` : (e as Error).message)
    }
    const mismatch = statementMismatch(manifest, rec.result.publicSignals, publicSignals)
    if (mismatch) reasons.push(`not this job's statement: ${mismatch}`)
    const matchesJob = mismatch === undefined
    const reason = reasons.length ? reasons.join('; ') : undefined
    return { jobId: rec.id, circuitId: rec.circuitId, backend: manifest.backend, valid, matchesJob, ...(reason ? { reason } : {}), ms, vkeySha256: vkeyHash }
  })
}

/**
 * ezkl verifies from files: the registered vk, settings and SRS are written from the store (each
 * re-hashed on the way) into a scratch directory for the one call.
 */
async function verifyEzklFromStore(ctx: ApiContext, manifest: CircuitManifest, proof: unknown, publicSignals: string[]): Promise<boolean> {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const { verifyEzkl } = await import('../compiler/ezkl/ezklCircuit.ts') // not the ezkl index: its compiler loads onnxruntime
  const dir = await mkdtemp(join(tmpdir(), 'zkml-reverify-'))
  try {
    const path = async (name: 'vkey' | 'settings' | 'srs') => {
      const a = manifest.artifacts[name]
      if (!a) throw new BaseError('ARTIFACT_NOT_FOUND', `The circuit has no "${name}" artifact.`, { details: `expected artifacts.${name} for backend ezkl, got none` })
      const p = join(dir, name)
      await writeFile(p, await ctx.registry.store.get(a.sha256))
      return p
    }
    const paths = { vk: await path('vkey'), settings: await path('settings'), srs: await path('srs'), compiled: '', pk: '' }
    return await verifyEzkl({ manifest, paths }, proof, publicSignals)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
