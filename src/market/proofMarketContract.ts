import { readFileSync } from 'node:fs'
import type { Abi, Account, Chain, PublicClient, Transport, WalletClient } from 'viem'
import { compileSolidity, type CompiledContract } from '../compiler/solidity/compileSolidity.ts'
import { BaseError } from '../errors/index.ts'

let cached: CompiledContract | undefined

/**
 * Compiles contracts/ProofMarket.sol (with IZkmlVerifier.sol) once per process.
 *
 * @example
 * ```ts
 * import { compileProofMarket } from './src/market/index.ts'
 * const { abi, bytecode } = compileProofMarket()
 * ```
 */
export function compileProofMarket(): CompiledContract {
  if (cached) return cached
  const src = (f: string) => readFileSync(new URL(`../../contracts/${f}`, import.meta.url), 'utf8')
  const out = compileSolidity({ 'ProofMarket.sol': src('ProofMarket.sol'), 'IZkmlVerifier.sol': src('IZkmlVerifier.sol') })
  cached = out['ProofMarket.sol:ProofMarket']!
  return cached
}

/**
 * Deploys a ProofMarket burning `burnBps` of slashed collateral (default 5000: half burned, half to the late fulfiller).
 *
 * @example
 * ```ts
 * import { deployProofMarket } from './src/market/index.ts'
 * const { address, abi } = await deployProofMarket(wallet, client, { burnBps: 5000 })
 * ```
 */
export async function deployProofMarket(
  wallet: WalletClient<Transport, Chain, Account>,
  client: PublicClient,
  options: { burnBps?: number } = {},
): Promise<{ address: `0x${string}`; abi: Abi }> {
  const { abi, bytecode } = compileProofMarket()
  const hash = await wallet.deployContract({ abi: abi as Abi, bytecode, args: [options.burnBps ?? 5000] })
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new BaseError('MARKET_TX_FAILED', 'ProofMarket deployment failed.', { details: `expected a contract address, got status ${receipt.status}` })
  return { address: receipt.contractAddress, abi: abi as Abi }
}
