import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { Hex } from 'viem'
import { BaseError } from '../errors/index.ts'
import { decodeProvedRound, provedRoundSource, type ProvedRoundResult } from '../oracle/functions/index.ts'

// The Chainlink Functions simulator (a dev dependency) runs the oracle's Functions source locally;
// it lives in src/dev/ so that nothing a user runs in production imports a dev dependency.
const require = createRequire(import.meta.url)

/**
 * Directory holding the `deno` binary of the npm package `deno`; simulateScript finds Deno on PATH.
 *
 * @example
 * ```ts
 * import { denoBinDir } from './src/dev/functionsSimulator.ts'
 * process.env.PATH = `${denoBinDir()}:${process.env.PATH}`
 * ```
 */
export function denoBinDir(): string {
  return dirname(require.resolve('deno/package.json'))
}

/**
 * Runs the source in `@chainlink/functions-toolkit`'s local simulator (Deno from npm, put on PATH for the
 * child process, since the toolkit spawns a bare `deno`) and returns the decoded result.
 * `FUNCTIONS_SIMULATION_FAILED` when the simulator reports an error or no response.
 *
 * @example
 * ```ts
 * import { simulateProvedRound } from './src/dev/functionsSimulator.ts'
 * const r = await simulateProvedRound(provedRoundArgs({ baseUrl, feedId: 'pool-1', outputIndex: 0, subjectIndex: 3, roundIndex: 4, scaleBits: 8, decimals: 8 }))
 * ```
 */
export async function simulateProvedRound(args: string[]): Promise<ProvedRoundResult & { raw: Hex; log: string }> {
  const { simulateScript } = (await import('@chainlink/functions-toolkit')) as typeof import('@chainlink/functions-toolkit')
  const sep = process.platform === 'win32' ? ';' : ':'
  const oldPath = process.env.PATH
  if (!(oldPath ?? '').split(sep).includes(denoBinDir())) process.env.PATH = `${denoBinDir()}${sep}${oldPath ?? ''}`
  let r: Awaited<ReturnType<typeof simulateScript>>
  try {
    r = await simulateScript({ source: provedRoundSource(), args })
  } catch (e) {
    throw new BaseError('FUNCTIONS_SIMULATION_FAILED', 'The Functions simulator did not start.', { details: `expected Deno at ${denoBinDir()}, got: ${(e as Error).message}`, cause: e })
  } finally {
    process.env.PATH = oldPath
  }
  if (!r.responseBytesHexstring)
    throw new BaseError('FUNCTIONS_SIMULATION_FAILED', 'The Functions source returned no response.', {
      details: `expected 160 response bytes, got error ${JSON.stringify(r.errorString ?? null)}; output: ${(r.capturedTerminalOutput ?? '').slice(0, 300)}`,
    })
  const raw = r.responseBytesHexstring as Hex
  return { ...decodeProvedRound(raw), raw, log: r.capturedTerminalOutput ?? '' }
}
