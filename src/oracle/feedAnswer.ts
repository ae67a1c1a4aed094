import { P } from '../compiler/field.ts'

/**
 * The answer a ProvedFeed stores for an output signal, computed exactly as the contract does:
 * field element → signed (above P/2 is negative) → × 10^decimals / 2^scaleBits, truncated toward zero.
 *
 * @example
 * ```ts
 * import { toFeedAnswer } from './src/oracle/index.ts'
 * toFeedAnswer(384n, 8, 8) // 150000000n (1.5 with 8 decimals)
 * ```
 */
export function toFeedAnswer(raw: bigint, scaleBits: number, decimals: number): bigint {
  if (raw < 0n || raw >= P) throw new RangeError(`expected a field element in [0, P), got ${raw}`)
  const v = raw > P / 2n ? raw - P : raw
  return (v * 10n ** BigInt(decimals)) / (1n << BigInt(scaleBits))
}
