import { verifyInference } from '../../../compiler/proveInference.ts'
import { canonicalProof, type G2SubgroupCheck, type Groth16Check, type SnarkProof, type VerificationKey } from '../../../compiler/snark/index.ts'
import type { ProvingEngine } from '../../../network/provingEngine.ts'
import type { NativeAddon } from './addon.ts'

/** Prepared verification keys one check keeps (each a few KB natively). */
const PREPARED_KEYS = 64

type G1 = [string, string, ...string[]]
type G2 = [[string, string], [string, string], ...unknown[]]
const g1 = (p: G1) => [p[0], p[1]]
const g2 = (p: G2) => [p[0][0], p[0][1], p[1][0], p[1][1]]

/**
 * The native addon's Groth16 pairing check in the shape the compiler's `verify` takes
 * (`Groth16Check`), or undefined when the addon predates it. It gets only what `verify` has
 * already checked (a canonical affine proof, signals below r and as many as the key has) and
 * flattens snarkjs's JSON into the addon's layout (native/src/verify.rs).
 *
 * @example
 * ```ts
 * import { loadNativeAddon, nativeGroth16Check } from './src/prover/engines/native/index.ts'
 * const { addon } = await loadNativeAddon()
 * const check = addon && nativeGroth16Check(addon) // (vkey, publicSignals, proof) => boolean
 * ```
 */
export function nativeGroth16Check(addon: NativeAddon): Groth16Check | undefined {
  const native = addon.verifyGroth16
  if (typeof native !== 'function') return undefined
  const flatVk = (vkey: VerificationKey) => {
    const vk = vkey as unknown as { vk_alpha_1: G1; vk_beta_2: G2; vk_gamma_2: G2; vk_delta_2: G2; IC: G1[] }
    return [...g1(vk.vk_alpha_1), ...g2(vk.vk_beta_2), ...g2(vk.vk_gamma_2), ...g2(vk.vk_delta_2), ...vk.IC.flatMap(g1)]
  }
  const flatProof = (proof: SnarkProof) => {
    const p = proof as unknown as { pi_a: G1; pi_b: G2; pi_c: G1 }
    return [...g1(p.pi_a), ...g2(p.pi_b), ...g1(p.pi_c)]
  }
  const Prepared = addon.NativeVerifier
  if (typeof Prepared !== 'function') return (vkey, publicSignals, proof) => native(flatVk(vkey), flatProof(proof), publicSignals)
  // One prepared key per verification key, looked up by its numbers (not by object: a key object
  // changed in place must never meet the key prepared from its old numbers). Bounded: the least
  // recently used goes first (a coordinator serves few circuits at a time).
  const prepared = new Map<string, InstanceType<typeof Prepared>>()
  return (vkey: VerificationKey, publicSignals: string[], proof: SnarkProof) => {
    const flat = flatVk(vkey)
    const id = flat.join(',')
    let v = prepared.get(id)
    if (v) prepared.delete(id)
    else v = new Prepared(flat)
    prepared.set(id, v)
    if (prepared.size > PREPARED_KEYS) prepared.delete(prepared.keys().next().value!)
    return v.verify(flatProof(proof), publicSignals)
  }
}

/**
 * The native addon's G2 subgroup check in the shape `canonicalProof` takes, or undefined when the
 * addon predates it.
 *
 * @example
 * ```ts
 * import { canonicalProof } from './src/compiler/snark/index.ts'
 * const g2Subgroup = nativeG2Subgroup(addon)
 * const onChainForm = canonicalProof('groth16', proof, { g2Subgroup })
 * ```
 */
export function nativeG2Subgroup(addon: NativeAddon): G2SubgroupCheck | undefined {
  const isG2 = addon.isG2
  return typeof isG2 === 'function' ? (coords) => isG2(coords) : undefined
}

/**
 * An engine whose Groth16 verification runs the native pairing check (about 1 ms with the key
 * prepared once) instead of snarkjs's WASM one, and whose canonical-encoding check tests pi_b's
 * subgroup natively, every other check unchanged; PLONK and ezkl circuits verify as before. The
 * coordinator verifies every hand-in, so this is its main per-job CPU cost (docs/network.md,
 * "Proving engines"). Without the addon's check, the engine is returned as it is.
 *
 * @example
 * ```ts
 * import { snarkjsEngine } from './src/prover/index.ts'
 * import { loadNativeAddon, withNativeVerify } from './src/prover/engines/native/index.ts'
 * const { addon } = await loadNativeAddon()
 * const engine = addon ? withNativeVerify(await snarkjsEngine(), addon) : await snarkjsEngine()
 * ```
 */
export function withNativeVerify<E extends ProvingEngine>(engine: E, addon: NativeAddon): E {
  const check = nativeGroth16Check(addon)
  if (!check) return engine
  const g2Subgroup = nativeG2Subgroup(addon)
  return {
    ...engine,
    verify: (circuit, proof, publicSignals) =>
      circuit.manifest.backend === 'groth16'
        ? verifyInference(circuit as never, proof as never, publicSignals, { groth16Check: check, g2Subgroup })
        : engine.verify(circuit, proof, publicSignals),
    // The same checks and answers as the compiler's, pi_b's subgroup check done natively.
    canonicalProof: (circuit, proof) =>
      g2Subgroup ? canonicalProof(circuit.manifest.backend, proof as never, { g2Subgroup }) : engine.canonicalProof(circuit, proof),
  }
}
