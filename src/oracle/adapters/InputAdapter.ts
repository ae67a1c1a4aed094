import { BaseError } from '../../errors/index.ts'

/** Produces one feed's model inputs (real-valued features; the prover quantizes them). */
export type InputAdapter = {
  /** Human-readable source, for logs. */
  describe: string
  read(): Promise<number[]>
}

/**
 * Checks an adapter's output at the boundary: the right length and only finite numbers.
 *
 * @example
 * ```ts
 * import { checkInputs } from './src/oracle/adapters/index.ts'
 * checkInputs([0.1, 2], 2, 'file:x.json') // returns the array
 * ```
 */
export function checkInputs(values: unknown, expected: number | undefined, source: string): number[] {
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new BaseError('ADAPTER_FAILED', `Adapter ${source} returned malformed inputs.`, {
      details: `expected an array of finite numbers, got ${JSON.stringify(values)?.slice(0, 120)}`,
    })
  if (expected !== undefined && values.length !== expected)
    throw new BaseError('ADAPTER_FAILED', `Adapter ${source} returned ${values.length} inputs.`, {
      details: `expected ${expected} inputs, got ${values.length}`,
    })
  return values as number[]
}
