import { readdirSync, readFileSync } from 'node:fs'
import { BaseError } from '../errors/index.ts'
import { compileSolidity, type CompiledContract } from '../compiler/solidity/compileSolidity.ts'

const contractsDir = new URL('../../contracts/', import.meta.url)

/** The project's own contracts, by contract name. */
export type ProjectContractName =
  | 'ModelRegistry'
  | 'ProvedFeed'
  | 'SafeFeedReader'
  | 'MockYieldPool'
  | 'ProvedFunctionsConsumer'

let cache: Record<string, CompiledContract> | undefined

/**
 * Compiles every `contracts/*.sol` once per process (solc-js takes seconds) and returns one by name.
 *
 * @example
 * ```ts
 * import { projectContract } from './src/chain/projectContracts.ts'
 * const { abi, bytecode } = projectContract('ModelRegistry')
 * ```
 */
export function projectContract(name: ProjectContractName): CompiledContract {
  if (!cache) {
    const sources: Record<string, string> = {}
    for (const f of readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort())
      sources[f] = readFileSync(new URL(f, contractsDir), 'utf8')
    cache = compileSolidity(sources)
  }
  const hit = cache[`${name}.sol:${name}`]
  if (!hit)
    throw new BaseError('SOLIDITY_COMPILE_FAILED', `No contract ${name} in contracts/.`, {
      details: `expected contracts/${name}.sol defining contract ${name}, got ${Object.keys(cache).join(', ')}`,
    })
  return hit
}
