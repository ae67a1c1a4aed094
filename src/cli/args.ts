import { parseArgs, type ParseArgsConfig } from 'node:util'
import { BaseError } from '../errors/index.ts'

/**
 * parseArgs with the project's error shape: an unknown flag or a missing value becomes INPUT_INVALID
 * naming what was expected.
 *
 * @example
 * ```ts
 * const { values, positionals } = cliArgs(argv, { out: { type: 'string' } }, 'zkml prove <dir> --out proof.json')
 * ```
 */
export function cliArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (cause) {
    throw new BaseError('INPUT_INVALID', `Bad command line: ${(cause as Error).message}`, { details: `usage: ${usage}`, cause })
  }
}

/** Reads a required option or fails with the usage line. */
export function required<T>(value: T | undefined, name: string, usage: string): T {
  if (value === undefined || value === '')
    throw new BaseError('INPUT_INVALID', `Missing ${name}.`, { details: `usage: ${usage}` })
  return value
}
