import type {
  Abi, Account, Chain, ContractFunctionArgs, ContractFunctionName, ContractFunctionParameters, Hex, PublicClient,
  TransactionReceipt, Transport, WalletClient,
} from 'viem'
import { BaseError, type ErrorCode } from '../errors/index.ts'
import { decodeRevert } from './decodeRevert.ts'

/** A signer and a reader on one chain: what every transaction needs. */
export type ChainWriter = {
  wallet: WalletClient<Transport, Chain | undefined, Account>
  publicClient: PublicClient
}

type Mutating = 'nonpayable' | 'payable'

/** A typed state-changing call: viem checks `functionName` and `args` against `abi`. */
export type WriteCall<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, Mutating>,
  args extends ContractFunctionArgs<abi, Mutating, functionName>,
> = ContractFunctionParameters<abi, Mutating, functionName, args> & {
  value?: bigint
  /** A fixed gas limit instead of the estimate with headroom. */
  gas?: bigint
}

export type WriteOptions = {
  /** The error code a failure carries (default `CONTRACT_TX_FAILED`), e.g. `MARKET_TX_FAILED`. */
  code?: ErrorCode
  /** Takes the nonce to send with, asked only once the simulation passed (a revert consumes none). */
  nonce?: () => Promise<number>
}

/** Added to 125% of the estimate: covers a cold-storage write or two that the estimate's block did not need. */
const GAS_HEADROOM = 50_000n

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0]

/**
 * The one write-and-wait of the project: simulates the call (a revert is caught before anything is
 * sent, and decoded), sends it with gas headroom (125% of the estimate + 50k, at most the block gas limit), waits for the receipt and checks its status. Every failure is a
 * `BaseError` with `code` (default `CONTRACT_TX_FAILED`): a revert names its custom error in the
 * message, `details` and `meta.error`/`meta.args` (and `decodeRevert(err)` finds it through `cause`);
 * a transaction mined but reverted (a race after the simulation) has `meta.minedReverted: true`.
 *
 * @example
 * ```ts
 * import { writeAndWait, projectContract } from './src/chain/index.ts'
 * const { abi } = projectContract('ProvedFeed')
 * const receipt = await writeAndWait({ wallet, publicClient }, { address: feed, abi, functionName: 'setReporter', args: [reporter, true] })
 * console.log(receipt.gasUsed)
 * ```
 */
export async function writeAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, Mutating>,
  const args extends ContractFunctionArgs<abi, Mutating, functionName>,
>(clients: ChainWriter, call: WriteCall<abi, functionName, args>, options: WriteOptions = {}): Promise<TransactionReceipt> {
  const code = options.code ?? 'CONTRACT_TX_FAILED'
  const fn = String(call.functionName)
  let hash: Hex
  try {
    // The call's types were checked at the caller against its ABI; viem's simulate/write generics cannot
    // be re-derived from ours, so the checked request is passed through as is.
    const { request } = await clients.publicClient.simulateContract({ ...call, account: clients.wallet.account } as never)
    // The node's estimate is exact for the block it was made in. Gas can grow by the time the tx is
    // mined a second later (a Dutch-auction price or a pool's accrual moves with block.timestamp, and
    // a zero balance becoming non-zero costs a 20k SSTORE): send with headroom, as wallets do. Unused
    // gas is refunded; an out-of-gas tx would have burnt it all and changed nothing.
    // A caller's own gas limit is kept.
    // The headroom never takes a limit past the block's gas limit: the node refuses such a
    // transaction whatever it would use (the estimate itself must fit, as it is).
    const fixed = call.gas
    let gas = fixed
    if (gas === undefined) {
      const estimate = await clients.publicClient.estimateContractGas({ ...call, account: clients.wallet.account } as never)
      const blockLimit = (await clients.publicClient.getBlock({ blockTag: 'latest' })).gasLimit
      const withHeadroom = estimate + estimate / 4n + GAS_HEADROOM
      gas = withHeadroom <= blockLimit ? withHeadroom : estimate > blockLimit ? estimate : blockLimit
    }
    const nonce = options.nonce ? await options.nonce() : undefined
    hash = await clients.wallet.writeContract({ ...(request as object), gas, ...(nonce === undefined ? {} : { nonce }) } as never)
  } catch (e) {
    const revert = decodeRevert(e)
    if (revert)
      throw new BaseError(code, `${fn} reverted with ${revert.name}.`, {
        details: `expected ${fn} to succeed, got ${revert.name}(${revert.args.map(String).join(', ')})`,
        meta: { error: revert.name, args: revert.args.map(String) },
        cause: e,
      })
    throw new BaseError(code, `${fn} could not be sent.`, { details: `expected the node to accept the transaction, got: ${firstLine(e)}`, cause: e })
  }
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success')
    throw new BaseError(code, `${fn} reverted on-chain.`, {
      details: `expected status success, got ${receipt.status} (tx ${hash}, gas used ${receipt.gasUsed})`,
      meta: { txHash: hash, minedReverted: true },
    })
  return receipt
}
