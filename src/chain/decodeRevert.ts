import { BaseError as ViemBaseError, ContractFunctionRevertedError } from 'viem'

/**
 * Finds the custom error a viem call/simulate failure carries: `{ name, args }`, or undefined when the
 * failure was not a revert with a decodable custom error (node down, out of gas, a panic).
 *
 * @example
 * ```ts
 * import { decodeRevert } from './src/chain/index.ts'
 * try { await publicClient.simulateContract({ ... }) } catch (e) { console.log(decodeRevert(e)?.name) } // 'StaleRound'
 * ```
 */
export function decodeRevert(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(err instanceof ViemBaseError)) return undefined
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName)
    return { name: reverted.data.errorName, args: reverted.data.args ?? [] }
  return undefined
}
