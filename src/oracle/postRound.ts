import type { Address, Hex } from 'viem'
import { decodeRevert } from '../chain/decodeRevert.ts'
import { projectContract } from '../chain/projectContracts.ts'
import { writeAndWait, type ChainWriter } from '../chain/writeAndWait.ts'
import { BaseError } from '../errors/index.ts'
import type { OracleLogger } from './logger.ts'

export type ChainClients = ChainWriter

export type PostResult =
  | { status: 'posted'; txHash: Hex; gasUsed: bigint; attempts: number }
  | { status: 'already-posted'; latestRound: bigint }

/**
 * Tracks the sender's next nonce locally (so back-to-back posts do not wait for the node) and resyncs
 * from the node's pending count when a send reveals a clash.
 *
 * @example
 * ```ts
 * import { NonceTracker } from './src/oracle/index.ts'
 * const nonces = new NonceTracker({ publicClient, wallet })
 * const nonce = await nonces.take() // then, after "nonce too low": await nonces.resync()
 * ```
 */
export class NonceTracker {
  private next: number | undefined
  constructor(private readonly clients: ChainClients) {}
  async take(): Promise<number> {
    if (this.next === undefined) await this.resync()
    return this.next!++
  }
  async resync(): Promise<void> {
    this.next = await this.clients.publicClient.getTransactionCount({ address: this.clients.wallet.account.address, blockTag: 'pending' })
  }
}

const isNonceError = (e: unknown) => /nonce too low|nonce too high|already known|replacement transaction underpriced|invalid nonce/i.test(messageOf(e))
const isConnectionError = (e: unknown) => /ECONNREFUSED|fetch failed|socket hang up|ECONNRESET|HTTP request failed|timed? ?out/i.test(messageOf(e))
const messageOf = (e: unknown): string => {
  let s = ''
  for (let c: unknown = e, i = 0; c && i < 8; c = (c as { cause?: unknown }).cause, i++) s += ` ${(c as Error).message ?? ''} ${(c as { details?: string }).details ?? ''}`
  return s
}

/**
 * Posts one proved round to a ProvedFeed and waits for it to be mined. Per attempt:
 * 1. simulate `update`: a revert is decoded; `StaleRound` means the round (or a newer one) is already
 *    on-chain, which is success for an idempotent poster; any other custom error is `FEED_UPDATE_REVERTED`
 *    with no retry (a bad proof stays bad);
 * 2. send with a tracked nonce; a nonce clash (another sender on the key) resyncs and retries;
 * 3. an unreachable node (restart) is retried with backoff up to `retries`, then `CHAIN_UNAVAILABLE`;
 * 4. a mined-but-reverted tx (a race) goes round again, where the simulation names the cause.
 *
 * @example
 * ```ts
 * import { postRound, NonceTracker } from './src/oracle/index.ts'
 * const r = await postRound(clients, new NonceTracker(clients), feed, proofBytes, signals, { log })
 * ```
 */
export async function postRound(
  clients: ChainClients,
  nonces: NonceTracker,
  feed: Address,
  proof: Hex,
  publicSignals: readonly bigint[],
  opts: { log: OracleLogger; retries?: number; backoffMs?: number; feedId?: string },
): Promise<PostResult> {
  const abi = projectContract('ProvedFeed').abi
  const retries = opts.retries ?? 5
  const ctx = { feed: opts.feedId ?? feed }
  let lastError: unknown
  for (let attempt = 1; attempt <= retries; attempt++) {
    let nonce: number | undefined
    try {
      const receipt = await writeAndWait(clients, { address: feed, abi, functionName: 'update', args: [proof, [...publicSignals]] }, {
        nonce: async () => (nonce = await nonces.take()), // taken once the simulation passed
      })
      return { status: 'posted', txHash: receipt.transactionHash, gasUsed: receipt.gasUsed, attempts: attempt }
    } catch (e) {
      if (e instanceof BaseError && e.meta?.minedReverted) {
        // Mined but reverted after a passing simulation (a race): the next attempt's simulation names it.
        opts.log.warn('tx.reverted', { ...ctx, txHash: e.meta.txHash, attempt })
        lastError = e
        continue
      }
      if (nonce !== undefined && isNonceError(e)) {
        opts.log.warn('tx.nonce-clash', { ...ctx, nonce, attempt, error: messageOf(e).trim().slice(0, 200) })
        await nonces.resync()
        lastError = e
        continue
      }
      const revert = decodeRevert(e)
      if (revert?.name === 'StaleRound') {
        opts.log.info('round.already-posted', { ...ctx, round: revert.args[0], latestRound: revert.args[1] })
        return { status: 'already-posted', latestRound: revert.args[1] as bigint }
      }
      if (revert)
        throw new BaseError('FEED_UPDATE_REVERTED', `Feed ${feed} rejected the round with ${revert.name}.`, {
          details: `expected update to succeed, got ${revert.name}(${revert.args.map(String).join(', ')})`,
          meta: { error: revert.name, args: revert.args.map(String) },
          cause: e,
        })
      if (!isConnectionError(e)) throw e
      lastError = e
      const wait = (opts.backoffMs ?? 500) * 2 ** (attempt - 1)
      opts.log.warn('chain.unreachable', { ...ctx, attempt, retryInMs: wait })
      await new Promise((r) => setTimeout(r, wait))
      await nonces.resync().catch(() => {})
    }
  }
  throw new BaseError('CHAIN_UNAVAILABLE', `Could not post to feed ${feed} after ${retries} attempts.`, {
    details: `expected the node to accept the update, got: ${messageOf(lastError).trim().slice(0, 300)}`,
    cause: lastError,
  })
}
