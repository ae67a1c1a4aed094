import { readFile } from 'node:fs/promises'
import { BaseError } from '../../errors/index.ts'
import { checkInputs, type InputAdapter } from './InputAdapter.ts'

/**
 * Reads inputs from a JSON file holding either `number[]` or `{ "inputs": number[] }`, re-read on every
 * round so another process can keep it current.
 *
 * @example
 * ```ts
 * import { fileAdapter } from './src/oracle/adapters/index.ts'
 * const inputs = await fileAdapter('pool.json', 12).read()
 * ```
 */
export function fileAdapter(path: string, expectedLength?: number): InputAdapter {
  return {
    describe: `file:${path}`,
    async read() {
      let json: unknown
      try {
        json = JSON.parse(await readFile(path, 'utf8'))
      } catch (e) {
        throw new BaseError('ADAPTER_FAILED', `Could not read inputs from ${path}.`, {
          details: `expected a readable JSON file, got: ${(e as Error).message}`,
          cause: e,
        })
      }
      const values = Array.isArray(json) ? json : (json as { inputs?: unknown } | null)?.inputs
      return checkInputs(values, expectedLength, `file:${path}`)
    },
  }
}
