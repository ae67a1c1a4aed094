import type { Offer } from './offer.ts'

/**
 * The reverse Dutch auction's price at unix time `t`, exactly as `ProofMarket.priceAt` computes it:
 * `minPrice` until `rampStart`, `maxPrice` from `rampStart + rampLength` on, linear between, rounded down.
 *
 * @example
 * ```ts
 * import { priceAt } from './src/market/index.ts'
 * const o = { minPrice: 100n, maxPrice: 200n, rampStart: 1000n, rampLength: 10n }
 * priceAt(o, 1005n) === 150n // true
 * ```
 */
export function priceAt(offer: Pick<Offer, 'minPrice' | 'maxPrice' | 'rampStart' | 'rampLength'>, t: bigint): bigint {
  const { minPrice, maxPrice, rampStart, rampLength } = offer
  if (t <= rampStart) return minPrice
  if (rampLength === 0n || t >= rampStart + rampLength) return maxPrice
  return minPrice + ((maxPrice - minPrice) * (t - rampStart)) / rampLength
}
