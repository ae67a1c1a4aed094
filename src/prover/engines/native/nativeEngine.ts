import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BaseError } from '../../../errors/index.ts'
import type { LoadedCircuit, ProveProgress, ProvingEngine } from '../../../network/provingEngine.ts'
import { snarkjsEngine } from '../snarkjs/index.ts'
import type { NativeAddon, NativeKeyHandle } from './addon.ts'
import { nativeError } from './errors.ts'
import { withNativeVerify } from './nativeVerify.ts'

/** Where one native proof's time went (ms): .wtns parse, R1CS check, QAP/FFTs, each MSM, total. */
export type NativeTimings = {
  readMs: number; checkMs: number; qapMs: number
  msmAMs: number; msmB1Ms: number; msmB2Ms: number; msmCMs: number; msmHMs: number; proveMs: number
}

type NativeOut = { proof: Record<string, unknown>; publicSignals: string[]; timings: NativeTimings }

/** A circuit loaded by the native engine: the compiler's circuit plus the native key handle. */
export type NativeCircuit = LoadedCircuit & { native?: NativeKeyHandle }

/**
 * Loads the native key for a compiled circuit directory: the `.zkey`, and the `.r1cs` when the
 * directory holds it (then every witness is checked against every constraint before proving).
 * Both are the manifest's artifacts, already hash-checked by the compiler's loader for the zkey;
 * the r1cs is hash-checked here.
 */
async function loadKey(addon: NativeAddon, circuit: LoadedCircuit & { zkey?: Uint8Array }): Promise<NativeKeyHandle> {
  const zkey = circuit.zkey ?? new Uint8Array(await readFile(join(circuit.dir, circuit.manifest.artifacts.zkey.file)))
  let r1cs: Uint8Array | undefined
  const a = circuit.manifest.artifacts.r1cs
  if (a) {
    const bytes = await readFile(join(circuit.dir, a.file)).catch(() => undefined)
    if (bytes) {
      const { sha256Hex } = await import('../../../compiler/hash.ts')
      const got = sha256Hex(new Uint8Array(bytes))
      if (got !== a.sha256)
        throw new BaseError('ARTIFACT_CORRUPT', `Artifact ${a.file} does not match the manifest.`, { details: `expected sha256 ${a.sha256}, got ${got}` })
      r1cs = new Uint8Array(bytes)
    }
  }
  try {
    return new addon.NativeKey(zkey, r1cs ?? null)
  } catch (e) {
    throw nativeError(e)
  }
}

/**
 * Proves `.wtns` bytes with a native key: checks the witness (wire count; every constraint when
 * the key was loaded with its `.r1cs`) and proves off the JS thread.
 *
 * @example
 * ```ts
 * const out = await proveWtns(handle, wtnsBytes) // { proof, publicSignals, timings }
 * ```
 */
export async function proveWtns(key: NativeKeyHandle, wtns: Uint8Array): Promise<NativeOut> {
  try {
    return JSON.parse(await key.prove(wtns)) as NativeOut
  } catch (e) {
    throw nativeError(e)
  }
}

/**
 * Proves many `.wtns` of one circuit in one native call (they run side by side on the addon's
 * thread pool); results in input order.
 *
 * @example
 * ```ts
 * const outs = await proveWtnsBatch(handle, [w1, w2, w3])
 * ```
 */
export async function proveWtnsBatch(key: NativeKeyHandle, wtns: Uint8Array[]): Promise<NativeOut[]> {
  if (wtns.length === 0) return []
  try {
    const text = await key.proveBatch(wtns)
    return wtns.length === 1 ? [JSON.parse(text) as NativeOut] : (JSON.parse(text) as NativeOut[])
  } catch (e) {
    throw nativeError(e)
  }
}

/**
 * The native engine: Groth16 proofs from the very same `.zkey` with arkworks in a Node addon,
 * the key parsed once per circuit and held natively. Witnesses come from the compiler (TypeScript);
 * Groth16 verification runs every check of the compiler's `verify` with the addon's pairing check
 * ({@link withNativeVerify}); PLONK circuits are delegated to the snarkjs engine as they are.
 *
 * @example
 * ```ts
 * import { loadNativeAddon, nativeEngine } from './src/prover/engines/native/index.ts'
 * const { addon } = await loadNativeAddon({ build: true })
 * const engine = await nativeEngine(addon!)
 * const c = await engine.load('out/pool-risk')
 * const { proof, publicSignals } = await engine.prove(c, input, { subject: 1n, round: 1n })
 * ```
 */
export async function nativeEngine(addon: NativeAddon, opts: { onTimings?: ((t: NativeTimings) => void) | undefined } = {}): Promise<ProvingEngine & { name: 'native' }> {
  // Verification (the worker's self-check) with the native pairing check where the addon has it.
  const snark = withNativeVerify(await snarkjsEngine(), addon)
  return {
    name: 'native',
    async load(dir) {
      const circuit = (await snark.load(dir)) as NativeCircuit
      if (circuit.manifest.backend === 'groth16') circuit.native = await loadKey(addon, circuit)
      return circuit
    },
    async prove(circuit, input, ctx, o: { onProgress?: (p: ProveProgress) => void } = {}) {
      const key = (circuit as NativeCircuit).native
      if (circuit.manifest.backend !== 'groth16' || !key) return snark.prove(circuit, input, ctx, o)
      o.onProgress?.({ stage: 'witness', fraction: 0 })
      const w = await circuit.computeWitness(input, ctx)
      o.onProgress?.({ stage: 'prove', fraction: 0.1 })
      const out = await proveWtns(key, w.wtns)
      if (out.publicSignals.length !== w.publicSignals.length || out.publicSignals.some((s, i) => s !== w.publicSignals[i]))
        throw new BaseError('PROOF_INVALID', 'The native prover returned public signals other than the witness holds.', {
          details: `expected [${w.publicSignals.slice(0, 4).join(', ')}…], got [${out.publicSignals.slice(0, 4).join(', ')}…]`,
        })
      opts.onTimings?.(out.timings)
      o.onProgress?.({ stage: 'proved', fraction: 1 })
      return { proof: out.proof, publicSignals: out.publicSignals, outputs: w.outputs }
    },
    verify: (circuit, proof, publicSignals) => snark.verify(circuit, proof, publicSignals),
    // The native prover writes the same affine encoding snarkjs does; the canonical check is the chain's, not the prover's.
    canonicalProof: (circuit, proof) => snark.canonicalProof(circuit, proof),
    terminate: () => snark.terminate?.() ?? Promise.resolve(),
  }
}
