import type { Account, Chain, ContractFunctionArgs, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { BaseError } from '../errors/index.ts'
import { writeAndWait, type WriteCall } from '../chain/index.ts'
import { proofMarketContract } from './proofMarketContract.ts'
import { RequestStatus, offerStruct, type Offer } from './offer.ts'
import { statementOf } from './inputsCommitment.ts'

type OrderFunction = 'deposit' | 'refund' | 'submitRequest'
/** The market calls an order sends, type-checked against ProofMarket's ABI. */
type OrderCall = WriteCall<typeof proofMarketContract.abi, OrderFunction, ContractFunctionArgs<typeof proofMarketContract.abi, 'nonpayable' | 'payable', OrderFunction>>

export type PrepaidRoundsOptions = {
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
  /**
   * The inputs commitment of each round (`inputsCommitment(inputSignalsOf(manifest, inputsReadForRound))`):
   * every request binds the inputs it pays for, so a feed's order re-reads its inputs per round.
   */
  inputsHashFor(round: bigint): Hex | Promise<Hex>
}

export type PrepaidRoundsState = {
  round: bigint
  requestId: bigint | undefined
  /** The inputs commitment of the live request. */
  inputsHash: Hex | undefined
  fulfilled: number
  /** Rounds whose statement was paid through someone else's request (proved, not paid by this order). */
  supersededRounds: number
  reoffers: number
  done: boolean
}

/**
 * A feed's prepaid rounds: `rounds` proofs prepaid by one deposit (`rounds × maxPrice` into the market
 * balance), one live request at a time, each bound to that round's inputs (`inputsHashFor`). `tick()` (call
 * it on a timer) moves on when the current round is fulfilled, or when its statement was paid through another
 * request (the market pays a statement once: this one is refunded and counts as proved); when a round lapses
 * unfulfilled, it refunds it into the balance and re-offers the same round with fresh times; the escrow of
 * every request is drawn from that balance.
 *
 * @example
 * ```ts
 * import { PrepaidRounds, inputsCommitment, inputSignalsOf } from './src/market/index.ts'
 * const order = new PrepaidRounds({ wallet, client, market, circuitId, subject: 1n, firstRound: 1n, rounds: 24,
 *   inputsHashFor: async (round) => inputsCommitment(inputSignalsOf(manifest, await readInputs(round))),
 *   terms: { minPrice: 10n ** 12n, maxPrice: 3n * 10n ** 12n, rampLength: 30n, lockTimeout: 60n, timeout: 300n, collateral: 10n ** 13n } })
 * await order.start()
 * setInterval(() => void order.tick(), 5000)
 * ```
 */
export class PrepaidRounds {
  readonly state: PrepaidRoundsState
  private readonly abi = proofMarketContract.abi

  constructor(private opts: PrepaidRoundsOptions) {
    if (opts.rounds < 1 || opts.terms.minPrice > opts.terms.maxPrice || opts.terms.timeout < opts.terms.rampLength + opts.terms.lockTimeout)
      throw new BaseError('MARKET_QUOTE_INVALID', 'Prepaid-rounds terms are inconsistent.', {
        details: `expected rounds ≥ 1, minPrice ≤ maxPrice and timeout ≥ rampLength + lockTimeout, got rounds ${opts.rounds}, ${opts.terms.minPrice}..${opts.terms.maxPrice}, timeout ${opts.terms.timeout}`,
      })
    this.state = { round: opts.firstRound, requestId: undefined, inputsHash: undefined, fulfilled: 0, supersededRounds: 0, reoffers: 0, done: false }
  }

  /** Deposits the prepayment for every round and offers the first. */
  async start(): Promise<void> {
    await this.send({ address: this.opts.market, abi: this.abi, functionName: 'deposit', value: this.opts.terms.maxPrice * BigInt(this.opts.rounds) })
    await this.offer()
  }

  /** Advances the order; returns what it did. */
  async tick(): Promise<'idle' | 'next' | 'reoffered' | 'done'> {
    if (this.state.done || this.state.requestId === undefined) return 'done'
    const r = await this.opts.client.readContract({ address: this.opts.market, abi: this.abi, functionName: 'getRequest', args: [this.state.requestId] })
    const status = RequestStatus[r.status]
    const [paidBy] = await this.opts.client.readContract({
      address: this.opts.market, abi: this.abi, functionName: 'paidStatement',
      args: [statementOf(this.opts.circuitId, this.opts.subject, this.state.round, this.state.inputsHash!)],
    })
    if (status === 'Fulfilled' || (paidBy !== 0n && paidBy !== this.state.requestId)) {
      if (status !== 'Fulfilled') {
        // Proved through another request: ours can never be paid, take the escrow back now.
        if (status !== 'Refunded') await this.send({ address: this.opts.market, abi: this.abi, functionName: 'refund', args: [this.state.requestId] })
        this.state.supersededRounds++
      }
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
      if (status !== 'Refunded') await this.send({ address: this.opts.market, abi: this.abi, functionName: 'refund', args: [this.state.requestId] })
      this.state.reoffers++
      await this.offer()
      return 'reoffered'
    }
    return 'idle'
  }

  private async offer(): Promise<void> {
    const t = (await this.opts.client.getBlock()).timestamp + 1n
    const { terms } = this.opts
    const inputsHash = await this.opts.inputsHashFor(this.state.round)
    if (!/^0x[0-9a-fA-F]{64}$/.test(inputsHash) || /^0x0{64}$/.test(inputsHash))
      throw new BaseError('MARKET_QUOTE_INVALID', `No inputs commitment for round ${this.state.round}.`, {
        details: `expected a non-zero bytes32 from inputsHashFor, got ${JSON.stringify(inputsHash)}`,
      })
    this.state.inputsHash = inputsHash
    const offer: Offer = {
      circuitId: this.opts.circuitId, subject: this.opts.subject, round: this.state.round, inputsHash,
      minPrice: terms.minPrice, maxPrice: terms.maxPrice, rampStart: t, rampLength: terms.rampLength,
      lockDeadline: t + terms.rampLength + terms.lockTimeout, deadline: t + terms.timeout, collateral: terms.collateral,
    }
    // escrow drawn from the prepaid balance
    await this.send({ address: this.opts.market, abi: this.abi, functionName: 'submitRequest', args: [offerStruct(offer)] })
    this.state.requestId = await this.opts.client.readContract({ address: this.opts.market, abi: this.abi, functionName: 'requestCount' })
  }

  private async send(call: OrderCall): Promise<void> {
    try {
      await writeAndWait({ wallet: this.opts.wallet, publicClient: this.opts.client }, call)
    } catch (e) {
      throw new BaseError('MARKET_TX_FAILED', `Prepaid rounds ${call.functionName} failed.`, { details: (e as Error).message.split('\n')[0], cause: e })
    }
  }
}
