import type { Abi, Address, ContractConstructorArgs, Hex } from 'viem'
import { BaseError } from '../errors/index.ts'
import type { ChainWriter } from './writeAndWait.ts'

/**
 * Deploys a contract (`projectContract(name)`, or a verifier compiled for a circuit) and waits for its
 * receipt; throws `CONTRACT_DEPLOY_FAILED` when the node refuses the creation or it reverts. The
 * constructor arguments are type-checked against the ABI.
 *
 * @example
 * ```ts
 * import { deployContract, projectContract } from './src/chain/index.ts'
 * const registry = await deployContract({ wallet, publicClient }, projectContract('ModelRegistry'))
 * const pool = await deployContract({ wallet, publicClient }, projectContract('MockYieldPool'), [0n, 90])
 * ```
 */
export async function deployContract<const abi extends Abi>(
  clients: ChainWriter,
  contract: { abi: abi; bytecode: Hex },
  args?: ContractConstructorArgs<abi>,
): Promise<Address> {
  let hash: Hex
  try {
    // Checked above against the ABI; viem's deploy generics cannot be re-derived from ours.
    hash = await clients.wallet.deployContract({
      abi: contract.abi,
      bytecode: contract.bytecode,
      args: args ?? [],
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
