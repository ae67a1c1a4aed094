import type { ContractFunctionArgs, Hex } from 'viem'
import type { modelRegistryAbi } from './contracts/generated/index.ts'
import { circuitId } from '../compiler/circuitId.ts'
import { manifestPostprocessing, type CircuitManifest } from '../compiler/manifest.ts'
import { BaseError } from '../errors/index.ts'
import { registryLayout, type RegistryLayout } from './registryLayout.ts'

/** ModelRegistry.Postprocess: 0 = None (outputs are values), 1 = Sigmoid (outputs are logits). */
export const POSTPROCESS = { none: 0, sigmoid: 1 } as const

/**
 * What ModelRegistry.register takes besides the name and the verifier address, read from a manifest.
 * `circuitId` is the circuit's one identity: sha256 of its canonical manifest JSON (docs/identity.md).
 */
export type ModelRegistration = { circuitId: Hex; vkHash: Hex; postprocess: 0 | 1; layout: RegistryLayout }

/**
 * The registry entry of a compiled circuit: its circuitId, verifying-key hash, post-processing and layout.
 * A manifest without `vkHash` (compiled before it was recorded) cannot be registered: recompile it.
 *
 * @example
 * ```ts
 * import { modelRegistration, registerArgs } from './src/chain/index.ts'
 * const reg = modelRegistration(manifest)
 * await writeAndWait({ wallet, publicClient }, { address: registry, abi, functionName: 'register', args: registerArgs('pool-risk', verifier, reg) })
 * ```
 */
export function modelRegistration(m: CircuitManifest): ModelRegistration {
  if (!m.vkHash)
    throw new BaseError('MANIFEST_INVALID', 'The manifest has no vkHash, so its verifier cannot be bound in the registry.', {
      details: 'expected a manifest written by this zkml version (with vkHash); got none: recompile the model',
    })
  const pp = manifestPostprocessing(m)
  return {
    circuitId: circuitId(m),
    vkHash: m.vkHash,
    postprocess: pp.function === 'sigmoid' ? POSTPROCESS.sigmoid : POSTPROCESS.none,
    layout: registryLayout(m),
  }
}

/**
 * The argument list of `ModelRegistry.register(name, circuitId, verifier, vkHash, postprocess, layout)`.
 *
 * @example
 * ```ts
 * registerArgs('pool-risk', verifierAddress, modelRegistration(manifest))
 * ```
 */
export function registerArgs(name: string, verifier: Hex, r: ModelRegistration): ContractFunctionArgs<typeof modelRegistryAbi, 'nonpayable', 'register'> {
  return [name, r.circuitId, verifier, r.vkHash, r.postprocess, r.layout]
}
