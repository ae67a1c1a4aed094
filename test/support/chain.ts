// Chain helpers shared by the integration tests (not a test file itself): anvil wallets, a typed
// write-and-wait bound to a test's clients, and the custom error a call reverts with. Every write goes
// through src/chain/writeAndWait.ts (simulate, send, wait, check the receipt's status), as in the product.
import assert from 'node:assert/strict'
import {
  createWalletClient, http,
  type Abi, type AbiStateMutability, type Account, type Address, type Chain, type ContractFunctionArgs, type ContractFunctionName,
  type PublicClient, type TransactionReceipt, type Transport, type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys } from '../../src/dev/anvil.ts'
import { decodeRevert } from '../../src/chain/decodeRevert.ts'
import { writeAndWait } from '../../src/chain/writeAndWait.ts'

export type TestWallet = WalletClient<Transport, Chain, Account>
type Mutating = 'nonpayable' | 'payable'
/** A decoded custom error: its name and arguments. */
export type Revert = NonNullable<ReturnType<typeof decodeRevert>>

/**
 * A wallet for anvil's `i`-th dev account on `rpcUrl` (chain id: foundry's 31337 unless given).
 *
 * @example
 * ```ts
 * const owner = anvilWallet(anvil.rpcUrl), other = anvilWallet(anvil.rpcUrl, 1)
 * ```
 */
export function anvilWallet(rpcUrl: string, i = 0, chainId: number = foundry.id): TestWallet {
  const key = anvilPrivateKeys[i]
  if (!key) throw new Error(`anvil has ${anvilPrivateKeys.length} dev accounts, asked for #${i}`)
  return createWalletClient({ account: privateKeyToAccount(key), chain: { ...foundry, id: chainId }, transport: http(rpcUrl) })
}

/**
 * `write(address, abi, functionName, args, wallet?)`: `writeAndWait` (throws a coded error unless the
 * receipt's status is success) with the test's clients, read when called (tests assign them in `before`).
 * `wallet` defaults to the clients' wallet.
 *
 * @example
 * ```ts
 * const write = chainWriter(() => ({ wallet, publicClient: pub }))
 * const receipt = await write(feed, feedAbi, 'setReporter', [reporter, true])
 * ```
 */
export function chainWriter(clients: () => { wallet: TestWallet; publicClient: PublicClient }) {
  return async function write<const abi extends Abi, fn extends ContractFunctionName<abi, Mutating>>(
    address: Address, abi: abi, functionName: fn, args: ContractFunctionArgs<abi, Mutating, fn>, wallet?: TestWallet,
  ): Promise<TransactionReceipt> {
    const c = clients()
    // Typed by this signature; writeAndWait's own generics cannot be re-derived from these.
    return writeAndWait({ wallet: wallet ?? c.wallet, publicClient: c.publicClient }, { address, abi, functionName, args } as never)
  }
}

/**
 * `revertOf(address, abi, functionName, args, wallet?)`: simulates the call and returns the custom
 * error it reverts with (`{ name, args }`); fails the test when it does not revert, rethrows any
 * failure that is not a decodable revert.
 *
 * @example
 * ```ts
 * const revertOf = chainReverts(() => ({ wallet, publicClient: pub }))
 * assert.equal((await revertOf(feed, feedAbi, 'update', [proof, signals])).name, 'InvalidProof')
 * ```
 */
export function chainReverts(clients: () => { wallet: TestWallet; publicClient: PublicClient }) {
  return async function revertOf<const abi extends Abi, fn extends ContractFunctionName<abi>>(
    address: Address, abi: abi, functionName: fn, args: ContractFunctionArgs<abi, AbiStateMutability, fn>, wallet?: TestWallet,
  ): Promise<Revert> {
    const c = clients()
    try {
      await c.publicClient.simulateContract({ address, abi, functionName, args, account: (wallet ?? c.wallet).account } as never)
    } catch (e) {
      const r = decodeRevert(e)
      if (r) return r
      throw e
    }
    return assert.fail(`${String(functionName)} did not revert`)
  }
}
