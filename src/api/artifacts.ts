import type { FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { BaseError } from '../errors/index.ts'
import { requireApiKey } from './auth.ts'
import { errorResponses, type ApiContext } from './context.ts'

const hashParams = {
  type: 'object',
  required: ['hash'],
  properties: { hash: { type: 'string', pattern: '^0x[0-9a-f]{64}$', description: 'sha256 of the bytes, 0x + 64 lowercase hex (the manifest entry\'s sha256)' } },
} as const

/**
 * Streamed artifact upload, for proving keys too large for `POST /circuits`'s JSON body (an ezkl
 * key can be hundreds of MB): `PUT /artifacts/:hash` (API key, `content-type:
 * application/octet-stream`) streams the body into the network's artifact store, hashing as it
 * comes, and keeps it only if it hashes to `:hash` (else `CIRCUIT_ARTIFACT_MISMATCH`, nothing kept)
 * and stays within `--artifact-limit` (else `PAYLOAD_TOO_LARGE`; a `content-length` over the limit
 * is refused before any byte is read). `HEAD /artifacts/:hash` says whether it is stored, so a
 * client uploads only what is missing. A later `POST /circuits` may then omit those artifacts:
 * registration finds them in the store by the manifest's hash. `zkml register` does this for every
 * artifact over 1 MiB.
 *
 * @example
 * ```ts
 * app.register(artifactRoutes, { ctx })
 * // curl -X PUT -H 'authorization: Bearer k' -H 'content-type: application/octet-stream' \
 * //   --data-binary @out/model/pk.key http://127.0.0.1:8080/artifacts/0x<sha256 of pk.key>
 * ```
 */
export async function artifactRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  // This plugin's own parser (fastify scopes it here): the body stays a stream, never buffered.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload))

  app.put<{ Params: { hash: `0x${string}` }; Body: IncomingMessage }>('/artifacts/:hash', {
    onRequest: requireApiKey(ctx.apiKeys),
    schema: {
      summary: 'Upload one artifact, streamed (application/octet-stream); kept only if its sha256 is :hash',
      security: [{ bearer: [] }],
      params: hashParams,
      response: {
        200: { type: 'object', properties: { hash: { type: 'string' }, bytes: { type: 'integer' }, created: { type: 'boolean' } } },
        201: { type: 'object', properties: { hash: { type: 'string' }, bytes: { type: 'integer' }, created: { type: 'boolean' } } },
        ...errorResponses(400, 401, 413, 415, 503),
      },
    },
    // The body is a stream the handler reads: the route's limit is the store's, checked while reading.
    bodyLimit: Number.MAX_SAFE_INTEGER,
  }, async (req, reply) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > ctx.artifactLimit) {
      reply.header('connection', 'close')
      throw new BaseError('PAYLOAD_TOO_LARGE', 'Artifact is larger than this network admits.', {
        details: `expected at most ${ctx.artifactLimit} bytes (zkml serve --artifact-limit), got content-length ${declared}`,
      })
    }
    try {
      const put = await ctx.registry.store.putStream(req.body, req.params.hash, { maxBytes: ctx.artifactLimit })
      reply.code(put.created ? 201 : 200)
      return put
    } catch (e) {
      // Refused mid-body: say so and close, rather than read the rest of a body we will not keep.
      if (!req.body.readableEnded) reply.header('connection', 'close')
      throw e
    }
  })

  app.head<{ Params: { hash: `0x${string}` } }>('/artifacts/:hash', {
    onRequest: requireApiKey(ctx.apiKeys),
    schema: { summary: 'Is this artifact stored? 200 or 404, no body', security: [{ bearer: [] }], params: hashParams },
  }, async (req, reply) => {
    reply.code((await ctx.registry.store.has(req.params.hash)) ? 200 : 404)
    return reply.send()
  })
}
