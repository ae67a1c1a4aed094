import type { Abi, Account, Address, Chain, PublicClient, Transport, WalletClient } from 'viem'
import { BaseError } from '../errors/index.ts'
import type { CompiledContract } from '../compiler/solidity/compileSolidity.ts'

/**
 * Deploys a compiled contract and waits for its receipt; throws `CHAIN_UNAVAILABLE` when the node
 * is unreachable and `CONTRACT_DEPLOY_FAILED` when the creation reverts.
 *
 * @example
 * ```ts
 * import { deployContract, projectContract } from './src/chain/index.ts'
 * const registry = await deployContract({ wallet, publicClient }, projectContract('ModelRegistry'), [])
 * ```
 */
export async function deployContract(
  clients: { wallet: WalletClient<Transport, Chain | undefined, Account>; publicClient: PublicClient },
  compiled: CompiledContract,
  args: readonly unknown[] = [],
): Promise<Address> {
  let hash: `0x${string}`
  try {
    hash = await clients.wallet.deployContract({
      abi: compiled.abi as Abi,
      bytecode: compiled.bytecode,
      args: args as unknown[],
      account: clients.wallet.account,
      chain: clients.wallet.chain ?? null,
    } as never)
  } catch (e) {
    throw new BaseError('CONTRACT_DEPLOY_FAILED', 'Contract deployment was rejected.', {
      details: `expected the node to accept the creation transaction, got: ${(e as Error).message.split('\n')[0]}`,
      cause: e,
    })
  }
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new BaseError('CONTRACT_DEPLOY_FAILED', 'Contract creation reverted.', {
      details: `expected status success, got ${receipt.status} (tx ${hash}, gas used ${receipt.gasUsed})`,
    })
  return receipt.contractAddress
}
