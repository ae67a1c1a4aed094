import {
  iZkmlVerifierAbi,
  mockERC20Abi, mockERC20Bytecode,
  provedAllocationVaultAbi, provedAllocationVaultBytecode,
  riskFactsRegistryAbi, riskFactsRegistryBytecode,
  mockYieldPoolAbi, mockYieldPoolBytecode,
  modelRegistryAbi, modelRegistryBytecode,
  proofMarketAbi, proofMarketBytecode,
  provedFeedAbi, provedFeedBytecode,
  provedFunctionsConsumerAbi, provedFunctionsConsumerBytecode,
  safeFeedReaderAbi, safeFeedReaderBytecode,
} from './contracts/generated/index.ts'

// The generated modules (npm run build:contracts) replace compiling contracts/*.sol with solc at run
// time: every start used to pay ~7 s of solc-js; now it is an import. The ABIs are `as const`, so every
// viem call made with them is type-checked (function names, arguments and results).
const contracts = {
  ModelRegistry: { abi: modelRegistryAbi, bytecode: modelRegistryBytecode },
  ProvedFeed: { abi: provedFeedAbi, bytecode: provedFeedBytecode },
  SafeFeedReader: { abi: safeFeedReaderAbi, bytecode: safeFeedReaderBytecode },
  MockYieldPool: { abi: mockYieldPoolAbi, bytecode: mockYieldPoolBytecode },
  ProvedFunctionsConsumer: { abi: provedFunctionsConsumerAbi, bytecode: provedFunctionsConsumerBytecode },
  ProofMarket: { abi: proofMarketAbi, bytecode: proofMarketBytecode },
  MockERC20: { abi: mockERC20Abi, bytecode: mockERC20Bytecode },
  RiskFactsRegistry: { abi: riskFactsRegistryAbi, bytecode: riskFactsRegistryBytecode },
  ProvedAllocationVault: { abi: provedAllocationVaultAbi, bytecode: provedAllocationVaultBytecode },
} as const

/** The project's own deployable contracts, by contract name. */
export type ProjectContractName = keyof typeof contracts

/**
 * One of the project's contracts: its typed ABI (`as const`) and creation bytecode, from the modules
 * `npm run build:contracts` generates (no solc at run time).
 *
 * @example
 * ```ts
 * import { projectContract } from './src/chain/projectContracts.ts'
 * const { abi, bytecode } = projectContract('ModelRegistry')
 * await publicClient.readContract({ address, abi, functionName: 'owner' }) // type-checked
 * ```
 */
export function projectContract<N extends ProjectContractName>(name: N): (typeof contracts)[N] {
  return contracts[name]
}

/**
 * The ABI every per-circuit verifier implements (IZkmlVerifier): verifiers are compiled per circuit at
 * `zkml compile` time, but they are all called through this one typed ABI.
 *
 * @example
 * ```ts
 * import { verifierAbi } from './src/chain/index.ts'
 * const ok = await publicClient.readContract({ address: verifier, abi: verifierAbi, functionName: 'verify', args: [proof, signals] })
 * ```
 */
export const verifierAbi = iZkmlVerifierAbi
