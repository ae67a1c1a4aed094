import { errorCodes, type ErrorCode } from './codes.ts'

export type BaseErrorParameters = {
  /** Extra lines for the reader: what was expected, what came, what to do. */
  details?: string | undefined
  /** The lower-level error this one wraps. */
  cause?: unknown
  /** Structured facts for programs (node name, job id, ...). */
  meta?: Record<string, unknown> | undefined
}

/**
 * The one error type of the project. Every failure a user can meet carries a
 * stable `code` (documented in docs/errors.md), a one-line `shortMessage`, and
 * `details` saying what was expected and what came.
 *
 * @example
 * ```ts
 * import { BaseError } from './src/errors/index.ts'
 * try {
 *   throw new BaseError('ONNX_UNSUPPORTED_OP', 'Unsupported op "Softmax" in node "sm".', {
 *     details: 'expected one of Gemm, MatMul, Relu; got Softmax',
 *   })
 * } catch (e) {
 *   if (e instanceof BaseError) console.log(e.code) // 'ONNX_UNSUPPORTED_OP'
 * }
 * ```
 */
export class BaseError extends Error {
  override name = 'ZkmlError'
  readonly code: ErrorCode
  readonly shortMessage: string
  readonly details: string | undefined
  readonly meta: Record<string, unknown> | undefined

  constructor(code: ErrorCode, shortMessage: string, params: BaseErrorParameters = {}) {
    const lines = [shortMessage]
    if (params.details) lines.push('', `Details: ${params.details}`)
    if (params.cause instanceof Error && params.cause.message && params.cause.message !== params.details)
      lines.push(`Cause: ${params.cause.message}`)
    lines.push(`Code: ${code} (see docs/errors.md)`)
    super(lines.join('\n'), params.cause === undefined ? undefined : { cause: params.cause })
    if (!(code in errorCodes)) throw new TypeError(`undocumented error code ${code}`)
    this.code = code
    this.shortMessage = shortMessage
    this.details = params.details
    this.meta = params.meta
  }

  /** A JSON shape for HTTP replies and logs. */
  toJSON(): { code: ErrorCode; message: string; details?: string; meta?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.shortMessage,
      ...(this.details ? { details: this.details } : {}),
      ...(this.meta ? { meta: this.meta } : {}),
    }
  }
}

/**
 * Walks `cause` links and returns the first error matching `code`, if any.
 *
 * @example
 * ```ts
 * const e = new BaseError('JOB_NOT_FOUND', 'no job', { cause: new Error('x') })
 * findError(e, 'JOB_NOT_FOUND') === e // true
 * ```
 */
export function findError(err: unknown, code: ErrorCode): BaseError | undefined {
  let cur: unknown = err
  for (let i = 0; i < 16 && cur; i++) {
    if (cur instanceof BaseError && cur.code === code) return cur
    cur = (cur as { cause?: unknown }).cause
  }
  return undefined
}
