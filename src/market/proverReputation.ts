import { parseEventLogs, type Hex, type PublicClient } from 'viem'
import { proofMarketContract } from './proofMarketContract.ts'

/** A prover's record on one ProofMarket, read from its events. */
export type ProverReputation = {
  prover: Hex
  locks: number
  onTime: number
  late: number
  slashed: number
  /** Proofs the prover's own network rejected (tampered, failed verification), when a counter is given. */
  badProofs: number
  /** on-time fulfilments / locks that are decided (fulfilled on time or slashed); 1 with no history. */
  onTimeRate: number
  /** onTimeRate penalised by bad proofs: onTime / (decided + badProofs). */
  score: number
}

/**
 * Reputation from the chain (locks, on-time and late fulfilments, slashes) plus off-chain bad proofs,
 * e.g. a Redis counter the market hooks bump on a `proof-rejected` event.
 *
 * @example
 * ```ts
 * import { proverReputation } from './src/market/index.ts'
 * const rep = await proverReputation(client, market, ['0xf39F…'])
 * console.log(rep[0].onTimeRate, rep[0].slashed)
 * ```
 */
export async function proverReputation(
  client: PublicClient,
  market: Hex,
  provers: readonly Hex[],
  badProofs: (prover: Hex) => number | Promise<number> = () => 0,
): Promise<ProverReputation[]> {
  const logs = parseEventLogs({ abi: proofMarketContract.abi, logs: await client.getLogs({ address: market, fromBlock: 0n }) })
  const out: ProverReputation[] = []
  for (const prover of provers) {
    const p = prover.toLowerCase()
    const is = (a: string) => a.toLowerCase() === p
    const locks = logs.filter((l) => l.eventName === 'RequestLocked' && is(l.args.prover)).length
    const onTime = logs.filter((l) => l.eventName === 'RequestFulfilled' && is(l.args.prover) && !l.args.late).length
    const late = logs.filter((l) => l.eventName === 'RequestFulfilled' && is(l.args.prover) && l.args.late).length
    const slashed = logs.filter((l) => l.eventName === 'ProverSlashed' && is(l.args.prover)).length
    const bad = await badProofs(prover)
    const decided = onTime + slashed
    out.push({
      prover, locks, onTime, late, slashed, badProofs: bad,
      onTimeRate: decided === 0 ? 1 : onTime / decided,
      score: decided + bad === 0 ? 1 : onTime / (decided + bad),
    })
  }
  return out
}
