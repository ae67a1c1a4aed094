import { BaseError } from '../../errors/index.ts'
import { P } from '../field.ts'

/**
 * How subject and round enter an ezkl circuit. ezkl quantizes every input as a float times
 * 2^inputScale, so a 160-bit subject cannot be one input: the compiler adds one extra graph input
 * of `subjectLimbs + roundLimbs` 16-bit limbs (little-endian), carried by Identity to an extra
 * output, both public. The verifier (off-chain engine, on-chain adapter) rebuilds the limbs
 * from the subject and round it is asked about, so a proof names exactly one (subject, round).
 */
export const CONTEXT = { tensor: 'zkml_context', limbBits: 16, subjectLimbs: 10, roundLimbs: 4 } as const
export const CONTEXT_LENGTH = CONTEXT.subjectLimbs + CONTEXT.roundLimbs

/** Largest subject (uint160, an address) and round (uint64) a context can carry. */
export const MAX_SUBJECT = (1n << BigInt(CONTEXT.subjectLimbs * CONTEXT.limbBits)) - 1n
export const MAX_ROUND = (1n << BigInt(CONTEXT.roundLimbs * CONTEXT.limbBits)) - 1n

/**
 * The context limbs (plain integers, the float values ezkl's data file takes) for a subject and round.
 * Throws `INPUT_INVALID` outside uint160 / uint64.
 *
 * @example
 * ```ts
 * contextLimbs(0x10001n, 3n) // [1, 1, 0, …, 0, 3, 0, 0, 0]
 * ```
 */
export function contextLimbs(subject: bigint, round: bigint): number[] {
  checkContext(subject, round)
  const limbs = (v: bigint, n: number) =>
    Array.from({ length: n }, (_, i) => Number((v >> BigInt(i * CONTEXT.limbBits)) & ((1n << BigInt(CONTEXT.limbBits)) - 1n)))
  return [...limbs(subject, CONTEXT.subjectLimbs), ...limbs(round, CONTEXT.roundLimbs)]
}

/** `INPUT_INVALID` unless subject fits uint160 and round uint64 (what an ezkl context carries). */
export function checkContext(subject: bigint, round: bigint): void {
  for (const [k, v, max] of [['subject', subject, MAX_SUBJECT], ['round', round, MAX_ROUND]] as const)
    if (typeof v !== 'bigint' || v < 0n || v > max)
      throw new BaseError('INPUT_INVALID', `Context value "${k}" is out of range for an ezkl circuit.`, {
        details: `expected an integer in [0, ${max}], got ${String(v)}`,
      })
}

/**
 * ezkl felt (32 bytes little-endian hex) → field element.
 *
 * @example
 * ```ts
 * feltToBigint('9808' + '0'.repeat(60)) // 2200n
 * ```
 */
export function feltToBigint(hex: string): bigint {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new BaseError('EZKL_FAILED', 'ezkl wrote a malformed field element.', { details: `expected 64 hex digits, got ${JSON.stringify(hex).slice(0, 80)}` })
  const be = hex.match(/../g)!.reverse().join('')
  return BigInt(`0x${be}`)
}

/** Field element → ezkl felt (32 bytes little-endian hex). */
export function bigintToFelt(v: bigint): string {
  if (v < 0n || v >= P) throw new BaseError('INPUT_INVALID', 'Value is not a field element.', { details: `expected an integer in [0, P), got ${v}` })
  return v.toString(16).padStart(64, '0').match(/../g)!.reverse().join('')
}

/**
 * Where each ezkl instance comes from, in ezkl's order (graph inputs, then graph outputs, each
 * flattened): a run of the manifest's public signals, or the context limbs scaled by
 * 2^inputScale. Recorded in the manifest; the on-chain adapter is generated from it.
 */
export type InstanceRun = { from: 'signals'; start: number; length: number } | { from: 'context' }

/**
 * The manifest's public signals (outputs…, inputs…, subject, round) → ezkl's instances.
 * Returns undefined when subject or round is outside what a context carries (no proof exists).
 *
 * @example
 * ```ts
 * const instances = instancesFromSignals(layout, 12, signals) // bigint[] in ezkl order
 * ```
 */
export function instancesFromSignals(runs: ReadonlyArray<InstanceRun>, inputScale: number, publicSignals: ReadonlyArray<string>): bigint[] | undefined {
  const n = publicSignals.length
  let subject: bigint, round: bigint
  try {
    subject = BigInt(publicSignals[n - 2]!)
    round = BigInt(publicSignals[n - 1]!)
  } catch {
    return undefined
  }
  if (subject < 0n || subject > MAX_SUBJECT || round < 0n || round > MAX_ROUND) return undefined
  const limbs = contextLimbs(subject, round).map((l) => BigInt(l) << BigInt(inputScale))
  const out: bigint[] = []
  for (const r of runs) {
    if (r.from === 'context') out.push(...limbs)
    else for (let i = 0; i < r.length; i++) out.push(BigInt(publicSignals[r.start + i]!))
  }
  return out
}
