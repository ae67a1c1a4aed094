export { compileSolidity, type CompiledContract } from '../compiler/solidity/compileSolidity.ts'
export { projectContract, type ProjectContractName } from './projectContracts.ts'
export { deployContract } from './deploy.ts'
export { decodeRevert } from './decodeRevert.ts'
export { registryLayout, type RegistryLayout } from './registryLayout.ts'
export { toFeedAnswer } from './feedAnswer.ts'
export { encodeJobProof } from './encodeJobProof.ts'
/** The proving backends a verifier can be (re-exported so the oracle need not reach into the compiler). */
export type { Backend } from '../compiler/manifest.ts'
