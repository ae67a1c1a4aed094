import type { Abi, Account, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { BaseError } from '../errors/index.ts'
import { compileProofMarket } from './proofMarketContract.ts'
import { RequestStatus, type Offer } from './offer.ts'

export type StandingOrderOptions = {
  wallet: WalletClient<Transport, Chain, Account>
  client: PublicClient
  market: Hex
  circuitId: Hex
  subject: bigint
  /** The first round to request; each fulfilled round moves on to the next. */
  firstRound: bigint
  /** How many rounds to buy. */
  rounds: number
  /** Price and timing of each offer, relative to the moment it is (re-)offered. */
  terms: { minPrice: bigint; maxPrice: bigint; rampLength: bigint; lockTimeout: bigint; timeout: bigint; collateral: bigint }
  inputsHash?: Hex
}

export type StandingOrderState = { round: bigint; requestId: bigint | undefined; fulfilled: number; reoffers: number; done: boolean }

/**
 * A feed's standing order: `rounds` proofs prepaid by one deposit (`rounds × maxPrice` into the market
 * balance), one live request at a time. `tick()` (call it on a timer) moves on when the current round is
 * fulfilled and, when a round lapses unfulfilled, refunds it into the balance and re-offers the same round
 * with fresh times; the escrow of every request is drawn from that balance.
 *
 * @example
 * ```ts
 * import { StandingOrder } from './src/market/index.ts'
 * const order = new StandingOrder({ wallet, client, market, circuitId, subject: 1n, firstRound: 1n, rounds: 24,
 *   terms: { minPrice: 10n ** 12n, maxPrice: 3n * 10n ** 12n, rampLength: 30n, lockTimeout: 60n, timeout: 300n, collateral: 10n ** 13n } })
 * await order.start()
 * setInterval(() => void order.tick(), 5000)
 * ```
 */
export class StandingOrder {
  readonly state: StandingOrderState
  private abi = compileProofMarket().abi as Abi

  constructor(private opts: StandingOrderOptions) {
    if (opts.rounds < 1 || opts.terms.minPrice > opts.terms.maxPrice || opts.terms.timeout < opts.terms.rampLength + opts.terms.lockTimeout)
      throw new BaseError('MARKET_QUOTE_INVALID', 'Standing order terms are inconsistent.', {
        details: `expected rounds ≥ 1, minPrice ≤ maxPrice and timeout ≥ rampLength + lockTimeout, got rounds ${opts.rounds}, ${opts.terms.minPrice}..${opts.terms.maxPrice}, timeout ${opts.terms.timeout}`,
      })
    this.state = { round: opts.firstRound, requestId: undefined, fulfilled: 0, reoffers: 0, done: false }
  }

  /** Deposits the prepayment for every round and offers the first. */
  async start(): Promise<void> {
    await this.send('deposit', [], this.opts.terms.maxPrice * BigInt(this.opts.rounds))
    await this.offer()
  }

  /** Advances the order; returns what it did. */
  async tick(): Promise<'idle' | 'next' | 'reoffered' | 'done'> {
    if (this.state.done || this.state.requestId === undefined) return 'done'
    const r = (await this.opts.client.readContract({ address: this.opts.market, abi: this.abi, functionName: 'getRequest', args: [this.state.requestId] })) as {
      status: number; offer: { deadline: bigint }
    }
    const status = RequestStatus[r.status]
    if (status === 'Fulfilled') {
      this.state.fulfilled++
      if (this.state.fulfilled >= this.opts.rounds) {
        this.state.done = true
        return 'done'
      }
      this.state.round++
      await this.offer()
      return 'next'
    }
    const now = (await this.opts.client.getBlock()).timestamp
    if (status === 'Refunded' || now > r.offer.deadline) {
      if (status !== 'Refunded') await this.send('refund', [this.state.requestId])
      this.state.reoffers++
      await this.offer()
      return 'reoffered'
    }
    return 'idle'
  }

  private async offer(): Promise<void> {
    const t = (await this.opts.client.getBlock()).timestamp + 1n
    const { terms } = this.opts
    const offer: Offer = {
      circuitId: this.opts.circuitId, subject: this.opts.subject, round: this.state.round, inputsHash: this.opts.inputsHash ?? `0x${'00'.repeat(32)}`,
      minPrice: terms.minPrice, maxPrice: terms.maxPrice, rampStart: t, rampLength: terms.rampLength,
      lockDeadline: t + terms.rampLength + terms.lockTimeout, deadline: t + terms.timeout, collateral: terms.collateral,
    }
    await this.send('submitRequest', [offer]) // escrow drawn from the prepaid balance
    this.state.requestId = (await this.opts.client.readContract({ address: this.opts.market, abi: this.abi, functionName: 'requestCount' })) as bigint
  }

  private async send(functionName: string, args: unknown[], value = 0n): Promise<void> {
    try {
      const hash = await this.opts.wallet.writeContract({ address: this.opts.market, abi: this.abi, functionName, args, value })
      const rc = await this.opts.client.waitForTransactionReceipt({ hash })
      if (rc.status !== 'success') throw new Error(`status ${rc.status}`)
    } catch (e) {
      throw new BaseError('MARKET_TX_FAILED', `Standing order ${functionName} failed.`, { details: (e as Error).message.split('\n')[0], cause: e })
    }
  }
}
