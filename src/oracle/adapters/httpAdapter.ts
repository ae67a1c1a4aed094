import { BaseError } from '../../errors/index.ts'
import { checkInputs, type InputAdapter } from './InputAdapter.ts'

/**
 * Fetches inputs from an HTTP JSON endpoint; `field` picks a top-level key (default: the body is the array).
 *
 * @example
 * ```ts
 * import { httpAdapter } from './src/oracle/adapters/index.ts'
 * const inputs = await httpAdapter({ url: 'http://127.0.0.1:8080/pool/1', field: 'features', expectedLength: 12 }).read()
 * ```
 */
export function httpAdapter(opts: { url: string; field?: string; expectedLength?: number; timeoutMs?: number; headers?: Record<string, string> }): InputAdapter {
  return {
    describe: `http:${opts.url}`,
    async read() {
      let res: Response
      try {
        res = await fetch(opts.url, { ...(opts.headers ? { headers: opts.headers } : {}), signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) })
      } catch (e) {
        throw new BaseError('ADAPTER_FAILED', `Could not reach ${opts.url}.`, {
          details: `expected an HTTP answer, got: ${(e as Error).message}`,
          cause: e,
        })
      }
      if (!res.ok)
        throw new BaseError('ADAPTER_FAILED', `${opts.url} answered ${res.status}.`, {
          details: `expected status 200, got ${res.status}: ${(await res.text()).slice(0, 200)}`,
        })
      let json: unknown
      try {
        json = await res.json()
      } catch (e) {
        throw new BaseError('ADAPTER_FAILED', `${opts.url} did not return JSON.`, { details: `expected JSON, got: ${(e as Error).message}`, cause: e })
      }
      const values = opts.field ? (json as Record<string, unknown> | null)?.[opts.field] : json
      return checkInputs(values, opts.expectedLength, `http:${opts.url}`)
    },
  }
}
