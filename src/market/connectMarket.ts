import { createPublicClient, createWalletClient, http, isAddress, type Account, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { BaseError } from '../errors/index.ts'

export type MarketConnection = {
  client: PublicClient
  chain: Chain
  market: Hex
  /** Present when a private key was given. */
  wallet?: WalletClient<Transport, Chain, Account>
}

/**
 * Connects to a deployed ProofMarket over JSON-RPC and checks it is there before anything relies on it:
 * the node must answer (`CHAIN_UNAVAILABLE`) and hold code at `market` (`MARKET_CONFIG_INVALID`, as for
 * a malformed address or key). The key is taken as a value, never as a CLI flag: callers read it from
 * the environment (`ZKML_PROVER_KEY`).
 *
 * @example
 * ```ts
 * import { connectMarket } from './src/market/index.ts'
 * const { client, wallet } = await connectMarket({ rpcUrl: 'http://127.0.0.1:8545', market: '0x…', privateKey: process.env.ZKML_PROVER_KEY })
 * ```
 */
export async function connectMarket(opts: { rpcUrl: string | undefined; market: string | undefined; privateKey?: string | undefined }): Promise<MarketConnection> {
  const { rpcUrl, market, privateKey } = opts
  if (!rpcUrl) throw new BaseError('MARKET_CONFIG_INVALID', 'No chain RPC URL for the market.', { details: 'expected --rpc <url> (or ZKML_RPC_URL), got nothing' })
  if (!market || !isAddress(market, { strict: false }))
    throw new BaseError('MARKET_CONFIG_INVALID', 'Bad market address.', { details: `expected a 0x-prefixed 20-byte address, got ${market === undefined ? 'nothing' : JSON.stringify(market)}` })
  if (privateKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(privateKey))
    throw new BaseError('MARKET_CONFIG_INVALID', 'Bad prover key.', { details: 'expected 0x + 64 hex digits in ZKML_PROVER_KEY, got a malformed value' })
  const client = createPublicClient({ transport: http(rpcUrl) }) as PublicClient
  let id: number
  try {
    id = await client.getChainId()
  } catch (cause) {
    throw new BaseError('CHAIN_UNAVAILABLE', `No chain at ${rpcUrl}.`, { details: `expected a JSON-RPC node answering eth_chainId, got: ${(cause as Error).message.split('\n')[0]}`, cause })
  }
  const code = await client.getCode({ address: market as Hex })
  if (!code || code === '0x')
    throw new BaseError('MARKET_CONFIG_INVALID', `No contract at ${market}.`, { details: `expected a deployed ProofMarket at ${market} on chain ${id}, got an account without code` })
  const chain: Chain = { id, name: `chain-${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } }
  const wallet = privateKey ? createWalletClient({ account: privateKeyToAccount(privateKey as Hex), chain, transport: http(rpcUrl) }) : undefined
  return { client, chain, market: market as Hex, ...(wallet ? { wallet } : {}) }
}
