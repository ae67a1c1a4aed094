import type { Address, PublicClient } from 'viem'
import { projectContract } from '../../chain/projectContracts.ts'
import { BaseError } from '../../errors/index.ts'
import { checkInputs, type InputAdapter } from './InputAdapter.ts'
import { poolRiskFeatures, type PoolSnapshot } from './poolRiskFeatures.ts'

/**
 * Reads a pool's state from its contract (`snapshot()`, one call so every field is from one block)
 * and turns it into the pool-risk model's 12 features.
 *
 * @example
 * ```ts
 * import { chainPoolAdapter } from './src/oracle/adapters/index.ts'
 * const adapter = chainPoolAdapter(publicClient, '0xPool…')
 * console.log(await adapter.read())
 * ```
 */
export function chainPoolAdapter(publicClient: PublicClient, pool: Address): InputAdapter {
  const { abi } = projectContract('MockYieldPool')
  return {
    describe: `chain:${pool}`,
    async read() {
      let s: PoolSnapshot
      try {
        s = await publicClient.readContract({ address: pool, abi, functionName: 'snapshot' })
      } catch (e) {
        throw new BaseError('ADAPTER_FAILED', `Could not read pool ${pool}.`, {
          details: `expected MockYieldPool.snapshot() to answer, got: ${(e as Error).message.split('\n')[0]}`,
          cause: e,
        })
      }
      return checkInputs(poolRiskFeatures(s), 12, `chain:${pool}`)
    },
  }
}
