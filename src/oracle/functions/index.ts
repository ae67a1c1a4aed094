import { readFileSync } from 'node:fs'
import { decodeAbiParameters, type Hex } from 'viem'

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

/**
 * `args` for the source, in its order (Functions passes strings only).
 *
 * @example
 * ```ts
 * import { provedRoundArgs } from './src/oracle/functions/index.ts'
 * provedRoundArgs({ baseUrl: 'https://oracle.example', feedId: 'pool-1', outputIndex: 0, subjectIndex: 13, roundIndex: 14, scaleBits: 12, decimals: 8 })
 * ```
 */
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
