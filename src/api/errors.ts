import type { FastifyError, FastifyInstance } from 'fastify'
import { BaseError, type ErrorCode } from '../errors/index.ts'

/**
 * Every error code the HTTP API can answer with, and its status. The OpenAPI document's error
 * schema enumerates these, and a test checks each is documented in docs/errors.md.
 *
 * @example
 * ```ts
 * import { apiErrorStatus } from './src/api/index.ts'
 * apiErrorStatus.INPUT_INVALID // 400
 * ```
 */
export const apiErrorStatus = {
  REQUEST_INVALID: 400,
  URL_INVALID: 400,
  INPUT_INVALID: 400,
  QUANTIZATION_OVERFLOW: 400,
  MANIFEST_INVALID: 400,
  CIRCUIT_ARTIFACT_MISMATCH: 400,
  UNAUTHORIZED: 401,
  CIRCUIT_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  MARKET_CIRCUIT_NOT_FOUND: 404,
  VAULT_NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  JOB_HAS_NO_PROOF: 409,
  PAYLOAD_TOO_LARGE: 413,
  URL_TOO_LONG: 414,
  MEDIA_TYPE_UNSUPPORTED: 415,
  NO_ELIGIBLE_WORKER: 422,
  MARKET_PROFILE_INVALID: 422,
  INTERNAL_ERROR: 500,
  FEEDS_CONFIG_INVALID: 500,
  REDIS_UNAVAILABLE: 503,
  CHAIN_UNAVAILABLE: 503,
} as const satisfies Partial<Record<ErrorCode, number>>

export type ApiErrorCode = keyof typeof apiErrorStatus
/** {@link apiErrorStatus}'s codes, in order. @example apiErrorCodes.includes('JOB_NOT_FOUND') // true */
export const apiErrorCodes = Object.keys(apiErrorStatus) as ApiErrorCode[]

/**
 * The JSON schema of every error reply (`$id: 'Error'`).
 *
 * @example
 * ```ts
 * import { errorSchema } from './src/api/index.ts'
 * app.addSchema(errorSchema)
 * ```
 */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: apiErrorCodes },
    message: { type: 'string' },
    details: { type: 'string' },
    meta: { type: 'object', additionalProperties: true },
  },
} as const

function describe(v: unknown): string {
  if (v === undefined) return 'nothing'
  const t = Array.isArray(v) ? `array of ${v.length}` : v === null ? 'null' : typeof v
  const s = JSON.stringify(v)
  return s && s.length <= 60 ? `${t} ${s}` : t
}

/** Turns ajv validation errors into "expected X, got Y" lines. */
function validationDetails(err: FastifyError): string {
  const ctx = (err as { validationContext?: string }).validationContext ?? 'request'
  return (err.validation ?? [])
    .map((v) => {
      const at = `${ctx}${v.instancePath.replaceAll('/', '.')}`
      const p = v.params as Record<string, unknown>
      if (v.keyword === 'required') return `expected ${at}.${p.missingProperty} to be present, got nothing`
      if (v.keyword === 'additionalProperties') return `expected no property ${at}.${p.additionalProperty}, got one`
      return `expected ${at} ${v.message?.replace(/^must /, 'to ')}, got ${describe((v as { data?: unknown }).data)}`
    })
    .join('; ')
}

/**
 * The documented code of a fastify error (client errors raised by fastify itself, before or while
 * reading a request): bad URL encoding → `URL_INVALID`, a path parameter over the limit →
 * `URL_TOO_LONG`, a content type other than JSON → `MEDIA_TYPE_UNSUPPORTED`, a body over the
 * limit → `PAYLOAD_TOO_LARGE`, any other → `REQUEST_INVALID`. Never a stack trace.
 *
 * @example
 * ```ts
 * import { frameworkError } from './src/api/errors.ts'
 * frameworkError({ code: 'FST_ERR_BAD_URL', message: "'/%zz' is not a valid url component" } as never).status // 400
 * ```
 */
export function frameworkError(err: FastifyError): { status: number; error: BaseError } {
  const at = (err.message.match(/'([^']*)'/)?.[1] ?? '').slice(0, 80)
  let e: BaseError
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      e = new BaseError('URL_INVALID', 'The request URL is not valid.', { details: `expected a URL whose %-escapes decode to UTF-8, got ${JSON.stringify(at)}` })
      break
    case 'FST_ERR_MAX_PARAM_LENGTH':
      e = new BaseError('URL_TOO_LONG', 'A path parameter is too long.', { details: `expected each path parameter to be at most 200 characters, got a longer one in ${JSON.stringify(at)}` })
      break
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      e = new BaseError('MEDIA_TYPE_UNSUPPORTED', 'The request body is not JSON.', { details: `expected content-type application/json, got: ${err.message.slice(0, 120)}` })
      break
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      e = new BaseError('PAYLOAD_TOO_LARGE', 'Request body is too large.', { details: 'expected a smaller body, got more than the route admits' })
      break
    default:
      e = new BaseError('REQUEST_INVALID', 'The request could not be read.', { details: `expected a well-formed HTTP request with a JSON body, got: ${err.message.slice(0, 160)}` })
  }
  return { status: apiErrorStatus[e.code as ApiErrorCode] ?? 400, error: e }
}

/**
 * Installs the error and not-found handlers: every failure becomes `{ code, message, details }`
 * with a stable code (BaseError.toJSON) and the status from {@link apiErrorStatus}.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { installErrorHandling } from './src/api/index.ts'
 * const app = Fastify()
 * installErrorHandling(app)
 * ```
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let e: BaseError
    if (err instanceof BaseError) e = err
    else if (err.validation) e = new BaseError('REQUEST_INVALID', `Request does not match the schema of ${req.method} ${req.routeOptions.url}.`, { details: validationDetails(err) })
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = new BaseError('PAYLOAD_TOO_LARGE', 'Request body is too large.', { details: `expected at most ${req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes, got more` })
    else if (err.code?.startsWith('FST_') && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) e = frameworkError(err).error
    else {
      req.log.error({ err }, 'unexpected error')
      e = new BaseError('INTERNAL_ERROR', 'Internal server error.', { details: err instanceof RangeError ? 'the request could not be processed' : err.message })
    }
    const status = (apiErrorStatus as Record<string, number>)[e.code]
    if (status === undefined) {
      // A code outside the API's documented set: never leak it as if it were part of the contract.
      req.log.error({ err: e }, 'error code outside the API set')
      reply.code(500).send(new BaseError('INTERNAL_ERROR', e.shortMessage, { details: `${e.code}: ${e.details ?? ''}` }).toJSON())
      return
    }
    reply.code(status).send(e.toJSON())
  })
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new BaseError('ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`, {
      details: `expected one of the routes listed at GET /openapi.json, got ${req.method} ${req.url.split('?')[0]}`,
    }).toJSON())
  })
}
