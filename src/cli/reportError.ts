import { BaseError } from '../errors/index.ts'

/**
 * What the CLI prints for an error that reached its top level: a BaseError's message (code, what was
 * expected, what came), and anything else wrapped as INTERNAL_ERROR with its one-line message. A stack
 * trace is printed only when asked for (`--debug` or `ZKML_DEBUG=1`): users get codes, not stack frames.
 *
 * @example
 * ```ts
 * import { formatCliError } from './src/cli/reportError.ts'
 * formatCliError(new RangeError('boom'), false)
 * // 'zkml: An unexpected internal error stopped the command.\n\nDetails: expected no error, got RangeError: boom\nCode: INTERNAL_ERROR (see docs/errors.md)'
 * ```
 */
export function formatCliError(err: unknown, debug: boolean): string {
  const e =
    err instanceof BaseError
      ? err
      : new BaseError('INTERNAL_ERROR', 'An unexpected internal error stopped the command.', {
          details: `expected no error, got ${oneLine(err)}${debug ? '' : '; run with --debug (or ZKML_DEBUG=1) for the stack trace'}`,
        })
  const lines = [`zkml: ${e.message}`]
  if (debug) lines.push('', stackOf(err))
  return lines.join('\n')
}

/** True when the user asked for stack traces: `--debug` anywhere on the command line, or ZKML_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || env.ZKML_DEBUG === '1'
}

function oneLine(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`
  return String(err).split('\n')[0]!
}

function stackOf(err: unknown): string {
  const parts: string[] = []
  let cur: unknown = err
  for (let depth = 0; cur !== undefined && depth < 8; depth++) {
    parts.push(cur instanceof Error ? (cur.stack ?? String(cur)) : String(cur))
    cur = cur instanceof Error ? cur.cause : undefined
    if (cur !== undefined) parts.push('Caused by:')
  }
  return parts.join('\n')
}
