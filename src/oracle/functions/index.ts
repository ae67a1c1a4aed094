import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { decodeAbiParameters, type Hex } from 'viem'
import { BaseError } from '../../errors/index.ts'

const require = createRequire(import.meta.url)

/**
 * The Chainlink Functions source (plain JavaScript, as the DON runs it) that fetches a feed's latest
 * proved round from the round API and returns the 160-byte ABI encoding ProvedFunctionsConsumer decodes.
 *
 * @example
 * ```ts
 * import { provedRoundSource } from './src/oracle/functions/index.ts'
 * const source = provedRoundSource() // pass to simulateScript or a Functions request
 * ```
 */
export function provedRoundSource(): string {
  return readFileSync(new URL('./provedRound.js', import.meta.url), 'utf8')
}

/** `args` for the source, in its order. */
export function provedRoundArgs(a: {
  baseUrl: string
  feedId: string
  outputIndex: number
  subjectIndex: number
  roundIndex: number
  scaleBits: number
  decimals: number
}): string[] {
  return [a.baseUrl, a.feedId, a.outputIndex, a.subjectIndex, a.roundIndex, a.scaleBits, a.decimals].map(String)
}

export type ProvedRoundResult = { answer: bigint; round: bigint; subject: bigint; commitment: Hex; modelVersion: bigint }

/**
 * Decodes the source's response bytes.
 *
 * @example
 * ```ts
 * import { decodeProvedRound } from './src/oracle/functions/index.ts'
 * const { answer, round } = decodeProvedRound(result.responseBytesHexstring)
 * ```
 */
export function decodeProvedRound(bytes: Hex): ProvedRoundResult {
  const [answer, round, subject, commitment, modelVersion] = decodeAbiParameters(
    [{ type: 'int256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'uint256' }],
    bytes,
  )
  return { answer, round, subject, commitment, modelVersion }
}

/** Directory holding the `deno` binary of the npm package `deno`; simulateScript finds Deno on PATH. */
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
 * import { simulateProvedRound } from './src/oracle/functions/index.ts'
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
