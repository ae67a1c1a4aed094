import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { BaseError } from '../errors/index.ts'

/**
 * API keys from `ZKML_API_KEYS` (comma-separated; blanks ignored).
 *
 * @example
 * ```ts
 * import { apiKeysFromEnv } from './src/api/index.ts'
 * apiKeysFromEnv('k1, k2') // ['k1', 'k2']
 * ```
 */
export function apiKeysFromEnv(env = process.env.ZKML_API_KEYS ?? ''): string[] {
  return env.split(',').map((s) => s.trim()).filter(Boolean)
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * The id an API key goes by (hex of its sha256, 32 digits): what idempotency keys are scoped by,
 * so the key itself is never stored.
 *
 * @example
 * ```ts
 * import { apiKeyId } from './src/api/index.ts'
 * apiKeyId('k').length // 32
 * ```
 */
export function apiKeyId(key: string): string {
  return digest(key).toString('hex').slice(0, 32)
}

// The id of the key that authenticated a request: a digest prefix, so the key itself is never stored.
const keyIds = new WeakMap<FastifyRequest, string>()

/**
 * The id of the API key that authenticated `req` (hex of its sha256, 32 digits), or undefined when
 * the route needs none. Idempotency keys are scoped by it.
 *
 * @example
 * ```ts
 * import { apiKeyIdOf } from './src/api/index.ts'
 * await ctx.queue.submit({ ...req.body, scope: apiKeyIdOf(req) })
 * ```
 */
export function apiKeyIdOf(req: FastifyRequest): string | undefined {
  return keyIds.get(req)
}

/**
 * An `onRequest` hook that admits `authorization: Bearer <key>` for a key in `keys`, else answers
 * `UNAUTHORIZED`. It runs before the body is read, so a stranger's body is never buffered or
 * parsed. Keys are compared by constant-time digest equality. With no keys configured every write
 * is refused (fail closed).
 *
 * @example
 * ```ts
 * import { requireApiKey } from './src/api/index.ts'
 * app.post('/jobs', { onRequest: requireApiKey(['secret']) }, handler)
 * ```
 */
export function requireApiKey(keys: string[]) {
  const digests = keys.map(digest)
  const ids = keys.map(apiKeyId) // the same digests' prefixes: what the explorer looks idempotency keys up under
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const h = req.headers.authorization
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null
    const d = m ? digest(m[1]!) : undefined
    const i = d ? digests.findIndex((k) => timingSafeEqual(k, d)) : -1
    if (i >= 0) keyIds.set(req, ids[i]!)
    else
      throw new BaseError('UNAUTHORIZED', 'A valid API key is required for this request.', {
        details: keys.length === 0
          ? 'expected the server to have API keys (ZKML_API_KEYS), got none configured: writes are disabled'
          : `expected header "authorization: Bearer <key>" with a key from ZKML_API_KEYS, got ${h ? 'an unknown key' : 'no authorization header'}`,
      })
  }
}
