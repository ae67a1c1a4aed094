import type { FastifyInstance } from 'fastify'
import { inputLength } from '../compiler/manifest.ts'
import { classOf, className, jobRequirements } from '../network/index.ts'
import { requireApiKey } from './auth.ts'
import { errorResponses, hex32, type ApiContext } from './context.ts'

const summarySchema = {
  type: 'object',
  properties: {
    id: hex32,
    name: { type: 'string' },
    backend: { type: 'string' },
    constraints: { type: 'integer' },
    inputLength: { type: 'integer' },
    className: { type: 'string', description: 'capability class jobs of this circuit are routed to (without extra requirements)' },
    requirements: {
      type: 'object',
      properties: { backend: { type: 'string' }, memoryMiB: { type: 'integer' }, gpu: { type: 'boolean' } },
    },
  },
} as const

function summary(id: string, m: Parameters<typeof inputLength>[0] & Parameters<typeof jobRequirements>[0] & { name: string }) {
  const requirements = jobRequirements(m)
  return { id, name: m.name, backend: m.backend, constraints: m.constraints, inputLength: inputLength(m), className: className(classOf(requirements)), requirements }
}

/**
 * Circuit registration and lookup: `POST /circuits` (API key), `GET /circuits`, `GET /circuits/:id`.
 *
 * @example
 * ```ts
 * app.register(circuitRoutes, { ctx })
 * // curl -H 'authorization: Bearer k' -d '{"manifest":{…},"artifacts":{"zkey":"<base64>",…}}' /circuits
 * ```
 */
export async function circuitRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.post<{ Body: { manifest: unknown; artifacts: Record<string, string> } }>('/circuits', {
    onRequest: requireApiKey(ctx.apiKeys),
    // Circuits carry their proving keys: the one route with the large limit (checked after the key).
    bodyLimit: ctx.circuitBodyLimit,
    schema: {
      summary: 'Register a compiled circuit: its manifest and the artifact bytes (base64)',
      security: [{ bearer: [] }],
      body: {
        type: 'object',
        required: ['manifest', 'artifacts'],
        additionalProperties: false,
        properties: {
          manifest: { type: 'object', description: 'CircuitManifest v1 (src/compiler/manifest.ts)' },
          artifacts: {
            type: 'object',
            description: 'artifact name (as in manifest.artifacts) → base64 bytes; witnessProgram, zkey, vkey required; others optional',
            additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
          },
        },
      },
      response: {
        200: { type: 'object', properties: { created: { type: 'boolean' }, circuit: summarySchema } },
        201: { type: 'object', properties: { created: { type: 'boolean' }, circuit: summarySchema } },
        ...errorResponses(400, 401, 413, 415, 503),
      },
    },
  }, async (req, reply) => {
    const bytes: Record<string, Uint8Array> = {}
    for (const [name, b64] of Object.entries(req.body.artifacts)) bytes[name] = new Uint8Array(Buffer.from(b64, 'base64'))
    const { id, manifest, created } = await ctx.registry.register(req.body.manifest, bytes)
    reply.code(created ? 201 : 200)
    return { created, circuit: summary(id, manifest) }
  })

  app.get('/circuits', {
    schema: {
      summary: 'List registered circuits',
      response: { 200: { type: 'object', properties: { circuits: { type: 'array', items: summarySchema } } } },
    },
  }, async () => ({ circuits: (await ctx.registry.list()).map((c) => summary(c.id, c.manifest)) }))

  app.get<{ Params: { id: string } }>('/circuits/:id', {
    schema: {
      summary: 'One circuit: summary and full manifest',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } },
      response: {
        200: { type: 'object', properties: { circuit: summarySchema, manifest: { type: 'object', additionalProperties: true } } },
        ...errorResponses(404),
      },
    },
  }, async (req) => {
    const c = await ctx.registry.require(req.params.id)
    return { circuit: summary(c.id, c.manifest), manifest: c.manifest }
  })
}
