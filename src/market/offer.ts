import type { ContractFunctionArgs } from 'viem'
import type { proofMarketAbi } from '../chain/contracts/generated/index.ts'

/**
 * A proof request's terms as `ProofMarket.Offer` holds them (contracts/ProofMarket.sol). Times are unix seconds,
 * prices and collateral in wei.
 *
 * @example
 * ```ts
 * import { inputsCommitment, type Offer } from './src/market/index.ts'
 * const offer: Offer = {
 *   circuitId: `0x${'ab'.repeat(32)}`, subject: 1n, round: 7n, inputsHash: inputsCommitment([5n]),
 *   minPrice: 1000n, maxPrice: 5000n, rampStart: 1_700_000_000n, rampLength: 60n,
 *   lockDeadline: 1_700_000_300n, deadline: 1_700_000_900n, collateral: 10_000n,
 * }
 * ```
 */
export type Offer = {
  circuitId: `0x${string}`
  subject: bigint
  round: bigint
  /** keccak256(abi.encodePacked(inputs)) of the public model-input signals (`inputsCommitment`); never zero. */
  inputsHash: `0x${string}`
  minPrice: bigint
  maxPrice: bigint
  rampStart: bigint
  rampLength: bigint
  lockDeadline: bigint
  deadline: bigint
  collateral: bigint
}

/**
 * `ProofMarket.Status`, index for index.
 *
 * @example
 * ```ts
 * import { RequestStatus } from './src/market/index.ts'
 * RequestStatus[2] === 'Locked' // true
 * ```
 */
export const RequestStatus = ['None', 'Open', 'Locked', 'Slashed', 'Fulfilled', 'Refunded'] as const
export type RequestStatusName = (typeof RequestStatus)[number]

/** `Offer` as the ProofMarket ABI types it (derived from the generated ABI; `uint32 rampLength` is a number there). */
export type OfferStruct = ContractFunctionArgs<typeof proofMarketAbi, 'payable', 'submitRequest'>[0]

/**
 * The offer as `submitRequest`'s typed argument: `Offer` keeps every time as bigint for arithmetic, the
 * ABI types `uint32 rampLength` as a number.
 *
 * @example
 * ```ts
 * import { offerStruct } from './src/market/index.ts'
 * await writeAndWait(clients, { address: market, abi, functionName: 'submitRequest', args: [offerStruct(offer)], value: offer.maxPrice })
 * ```
 */
export function offerStruct(offer: Offer): OfferStruct {
  return { ...offer, rampLength: Number(offer.rampLength) }
}
