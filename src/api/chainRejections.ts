import type { FastifyInstance } from 'fastify'
import { canonicalProof, verify, type SnarkProof, type VerificationKey } from '../compiler/snark/index.ts'
import { BaseError } from '../errors/index.ts'
import { jobNotFound, recordChainRejection } from '../network/index.ts'
import { requireApiKey } from './auth.ts'
import { errorResponses, type ApiContext } from './context.ts'

/**
 * `POST /jobs/:id/chain-rejection` (API key): a reporter (the oracle) says a feed refused this
 * verified job's proof (`InvalidProof`). The network does not take its word for the worker's fault:
 * it re-judges the stored proof here (canonical on-chain encoding, verification against the
 * circuit's key) and charges the worker that made it, and its signing prover address, in
 * `<prefix>:net:badProofs` only if the proof fails that re-check, and only on the first report of
 * the job. The round itself is re-proved by the reporter with a new job (a new idempotency key).
 *
 * @example
 * ```ts
 * app.register(chainRejectionRoutes, { ctx })
 * // curl -H 'authorization: Bearer k' -d '{"error":"InvalidProof"}' /jobs/<id>/chain-rejection
 * // → {"jobId":"…","firstReport":true,"proofCanonical":false,"proofValid":false,"charged":["w1"]}
 * ```
 */
export async function chainRejectionRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.post<{ Params: { id: string }; Body: { error: string; feed?: string; txHash?: string } }>('/jobs/:id/chain-rejection', {
    preHandler: requireApiKey(ctx.apiKeys),
    schema: {
      summary: 'Report that a feed refused this verified job\'s proof; the worker is charged a bad proof if the network\'s own re-check of the proof also fails',
      security: [{ bearer: [] }],
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
      body: {
        type: 'object',
        required: ['error'],
        additionalProperties: false,
        properties: {
          error: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$', description: 'the feed\'s custom error, e.g. InvalidProof' },
          feed: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' },
          txHash: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            jobId: { type: 'string' },
            firstReport: { type: 'boolean', description: 'false when the job was reported before (nothing counted again)' },
            proofCanonical: { type: 'boolean' },
            proofValid: { type: 'boolean', description: 'the stored proof, in its on-chain encoding, verifies against the circuit\'s key' },
            charged: { type: 'array', items: { type: 'string' }, description: 'ids charged one bad proof by this report' },
          },
        },
        ...errorResponses(400, 401, 404, 409),
      },
    },
  }, async (req) => {
    const rec = await ctx.jobs.get(req.params.id)
    if (!rec) throw jobNotFound(req.params.id)
    if (!rec.result)
      throw new BaseError('JOB_HAS_NO_PROOF', `Job ${rec.id} has no accepted proof to report.`, {
        details: `expected a verified job, got one in state ${rec.status}`,
        meta: { jobId: rec.id, status: rec.status },
      })
    const { manifest } = await ctx.registry.require(rec.circuitId)
    const vkey = JSON.parse(new TextDecoder().decode(await ctx.registry.store.get(manifest.artifacts.vkey.sha256))) as VerificationKey
    let proofCanonical = true
    try {
      canonicalProof(manifest.backend, rec.result.proof as SnarkProof)
    } catch {
      proofCanonical = false
    }
    let proofValid = false
    try {
      // verify() checks the on-chain encoding itself: false for a non-canonical proof.
      proofValid = await verify(manifest.backend, vkey, rec.result.publicSignals, rec.result.proof as SnarkProof)
    } catch {
      proofValid = false
    }
    const chargeTo = [rec.result.provedBy, ...(rec.result.provedByAddress ? [rec.result.provedByAddress] : [])]
    const r = await recordChainRejection(ctx.redis, ctx.prefix, rec.id, { error: req.body.error, proofStillValid: proofCanonical && proofValid, chargeTo })
    if (!r.found) throw jobNotFound(rec.id) // expired between the read and the write
    if (r.firstReport)
      await ctx.jobs.progress(rec.id, { stage: `chain-rejected: ${req.body.error}${r.charged.length ? `; charged ${r.charged.join(', ')}` : '; proof still checks out, nobody charged'}` })
    return { jobId: rec.id, firstReport: r.firstReport, proofCanonical, proofValid, charged: r.charged }
  })
}
