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
 * A preHandler that admits `authorization: Bearer <key>` for a key in `keys`, else answers
 * `UNAUTHORIZED`. Keys are compared by constant-time digest equality. With no keys configured
 * every write is refused (fail closed).
 *
 * @example
 * ```ts
 * import { requireApiKey } from './src/api/index.ts'
 * app.post('/jobs', { preHandler: requireApiKey(['secret']) }, handler)
 * ```
 */
export function requireApiKey(keys: string[]) {
  const digests = keys.map(digest)
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const h = req.headers.authorization
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null
    const d = m ? digest(m[1]!) : undefined
    if (!d || !digests.some((k) => timingSafeEqual(k, d)))
      throw new BaseError('UNAUTHORIZED', 'A valid API key is required for this request.', {
        details: keys.length === 0
          ? 'expected the server to have API keys (ZKML_API_KEYS), got none configured: writes are disabled'
          : `expected header "authorization: Bearer <key>" with a key from ZKML_API_KEYS, got ${h ? 'an unknown key' : 'no authorization header'}`,
      })
  }
}
