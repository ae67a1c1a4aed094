import type { FastifyInstance, RouteOptions } from 'fastify'
import { apiErrorCodes, errorSchema } from './errors.ts'

type Collected = { method: string; url: string; schema: Record<string, any> }

/**
 * Builds an OpenAPI 3.1 document from the routes' own JSON schemas (3.1 speaks JSON Schema, so
 * they are used as they are), collected as routes register — the document cannot drift from
 * what the server validates. Call before registering the route plugins.
 *
 * @example
 * ```ts
 * import { collectOpenApi } from './src/api/index.ts'
 * const doc = collectOpenApi(app) // then register routes; doc() returns the document
 * ```
 */
export function collectOpenApi(app: FastifyInstance, info = { title: 'zkml prover network', version: '0.1.0' }): () => object {
  const routes: Collected[] = []
  app.addHook('onRoute', (r: RouteOptions) => {
    if (!r.schema || r.url === '/openapi.json') return
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url, schema: r.schema as Record<string, any> })
  })
  return () => {
    const paths: Record<string, Record<string, unknown>> = {}
    for (const r of routes) {
      const path = r.url.replace(/:(\w+)/g, '{$1}')
      const s = r.schema
      const required = new Set<string>(s.querystring?.required ?? [])
      const parameters = [
        ...Object.entries((s.params?.properties ?? {}) as Record<string, object>).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
        ...Object.entries((s.querystring?.properties ?? {}) as Record<string, object>).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema })),
      ]
      const responses: Record<string, unknown> = {}
      for (const [code, sch] of Object.entries((s.response ?? {}) as Record<string, any>)) {
        const isErr = sch?.$ref === 'Error#'
        const type = code === '200' && s.produces?.[0] ? s.produces[0] : 'application/json'
        responses[code] = {
          description: isErr ? 'error: { code, message, details }' : 'success',
          content: { [type]: { schema: isErr ? { $ref: '#/components/schemas/Error' } : sch } },
        }
      }
      ;(paths[path] ??= {})[r.method] = {
        summary: s.summary,
        ...(s.security ? { security: s.security } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
        responses,
      }
    }
    const { $id: _id, ...error } = errorSchema
    return {
      openapi: '3.1.0',
      info: { ...info, description: 'Submit zk-SNARK proving jobs for registered circuits; workers prove, the server verifies every proof. Error codes: docs/errors.md.' },
      paths,
      components: {
        schemas: { Error: error },
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a key from ZKML_API_KEYS; required on writes only' } },
      },
      'x-error-codes': apiErrorCodes,
    }
  }
}
