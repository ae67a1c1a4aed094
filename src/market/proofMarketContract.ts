import type { Hex } from 'viem'
import { deployContract, projectContract, type ChainWriter } from '../chain/index.ts'

/**
 * ProofMarket's typed ABI (`as const`) and creation bytecode, from the generated modules (no solc at
 * run time).
 *
 * @example
 * ```ts
 * import { proofMarketContract } from './src/market/index.ts'
 * const { abi, bytecode } = proofMarketContract
 * ```
 */
export const proofMarketContract = projectContract('ProofMarket')

/**
 * Deploys a ProofMarket burning `burnBps` of slashed collateral (default 5000: half burned, half to the
 * late fulfiller); `CONTRACT_DEPLOY_FAILED` when the creation is refused or reverts.
 *
 * @example
 * ```ts
 * import { deployProofMarket } from './src/market/index.ts'
 * const { address, abi } = await deployProofMarket({ wallet, publicClient }, { burnBps: 5000 })
 * ```
 */
export async function deployProofMarket(
  clients: ChainWriter,
  options: { burnBps?: number } = {},
): Promise<{ address: Hex; abi: typeof proofMarketContract.abi }> {
  const address = await deployContract(clients, proofMarketContract, [options.burnBps ?? 5000])
  return { address, abi: proofMarketContract.abi }
}
