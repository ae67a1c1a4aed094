import { BaseError as ViemBaseError, ContractFunctionRevertedError } from 'viem'

/**
 * Finds the custom error a viem call/simulate failure carries: `{ name, args }`, or undefined when the
 * failure was not a revert with a decodable custom error (node down, out of gas, a panic). Follows
 * `cause` links, so it also finds the revert inside a project `BaseError` that wraps a viem failure
 * (as `writeAndWait` throws). The one revert decoder of the project.
 *
 * @example
 * ```ts
 * import { decodeRevert } from './src/chain/index.ts'
 * try { await publicClient.simulateContract({ ... }) } catch (e) { console.log(decodeRevert(e)?.name) } // 'StaleRound'
 * ```
 */
export function decodeRevert(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  let cur: unknown = err
  for (let i = 0; i < 16 && cur; i++, cur = (cur as { cause?: unknown }).cause) {
    if (!(cur instanceof ViemBaseError)) continue
    const reverted = cur.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName)
      return { name: reverted.data.errorName, args: reverted.data.args ?? [] }
    return undefined
  }
  return undefined
}
