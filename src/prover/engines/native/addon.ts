import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The native addon's surface (native/src/lib.rs). */
export type NativeKeyHandle = {
  readonly nVars: number
  readonly nPublic: number
  readonly nConstraints: number
  readonly domainSize: number
  readonly hasR1Cs: boolean
  /** Bytes the key holds natively, its fixed-base tables included. */
  readonly bytes: number
  /** Bytes of the fixed-base tables (native/src/tables.rs) alone. */
  readonly tableBytes: number
  /**
   * Uploads the key's G1 bases to the GPU for later proofs (addon built with `--cuda`); false
   * without a GPU, on a CUDA error, or in an addon without CUDA (absent in older addons).
   */
  enableGpu?(): boolean
  check(wtns: Uint8Array): void
  prove(wtns: Uint8Array): Promise<string>
  proveBatch(wtns: Uint8Array[]): Promise<string>
}

export type NativeAddon = {
  /** `tableMb` caps the key's fixed-base tables (default 0: none, see native/src/tables.rs; the proofs are the same). */
  NativeKey: new (zkey: Uint8Array, r1cs?: Uint8Array | null, tableMb?: number) => NativeKeyHandle
  /** `{"version","threads","cuda","gpus":[{name,memoryBytes,compute}],"gpuError"}` (cuda fields: see engines/cuda). */
  nativeInfo(): string
  /**
   * Groth16 pairing check on snarkjs's decimal strings, flattened (native/src/verify.rs). Absent
   * from addons built before it existed: callers fall back to snarkjs.
   */
  verifyGroth16?: (vk: string[], proof: string[], signals: string[]) => boolean
  /**
   * The same check with the key parsed, checked and prepared once (e(alpha, beta), −gamma and −delta
   * prepared): one per circuit for its many proofs. Absent from older addons.
   */
  NativeVerifier?: new (vk: string[]) => { readonly nPublic: number; verify(proof: string[], signals: string[]): boolean }
  /** Whether `[x.c0, x.c1, y.c0, y.c1]` (decimal strings) is a canonical point of G2. Absent from older addons. */
  isG2?: (coords: string[]) => boolean
  /** BENCHMARKS AND TESTS ONLY: an insecure Groth16 .zkey for an .r1cs from seeded toxic waste. */
  insecureBenchKey(r1cs: Uint8Array, seed: number): Uint8Array
  /** TESTS ONLY (`zkml dev-ptau`, src/dev/devPtau.ts): the first challenge hash of a ceremony of this power. */
  devPtauFirstChallenge(power: number): Uint8Array
  /** TESTS ONLY (`zkml dev-ptau`): writes an INSECURE prepared ptau from public secrets (native/src/devptau.rs). */
  devPtauWrite(path: string, power: number, tau: string, alpha: string, beta: string, contribution: Uint8Array, responseHash: Uint8Array, nextChallengeAt: number): Promise<string>
  /** TESTS ONLY: a Groth16 .zkey from known secrets (a dev ptau's, native/src/benchkey.rs key_from_secrets). */
  devZkey(r1cs: Uint8Array, tau: string, alpha: string, beta: string, delta: string): Promise<Uint8Array>
}

/** Where scripts/build-native.mjs puts the built addon. */
export const nativeAddonPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'native', 'zkml-native.node')

let cached: { addon?: NativeAddon; reason?: string } | undefined

/**
 * Loads the native prover addon once. With `build: true` and no addon on disk, builds it first
 * (scripts/build-native.mjs: cargo, with a progress line; a warning and no addon without cargo).
 * Never throws: `reason` says why there is no addon.
 *
 * @example
 * ```ts
 * import { loadNativeAddon } from './src/prover/engines/native/index.ts'
 * const { addon, reason } = await loadNativeAddon({ build: true })
 * console.log(addon ? 'native' : `snarkjs (${reason})`)
 * ```
 */
export async function loadNativeAddon(opts: { build?: boolean } = {}): Promise<{ addon?: NativeAddon; reason?: string }> {
  if (cached?.addon) return cached
  if (!existsSync(nativeAddonPath) && opts.build) {
    const script = join(dirname(nativeAddonPath), '..', 'scripts', 'build-native.mjs')
    const mod = (await import(script)) as { buildNative(o: { ifStale: boolean }): Promise<unknown> }
    await mod.buildNative({ ifStale: true })
  }
  if (!existsSync(nativeAddonPath)) {
    cached = { reason: `the native addon is not built (expected ${nativeAddonPath}; run node scripts/build-native.mjs, which needs cargo)` }
    return cached
  }
  try {
    cached = { addon: createRequire(import.meta.url)(nativeAddonPath) as NativeAddon }
  } catch (e) {
    cached = { reason: `the native addon did not load: ${(e as Error).message}` }
  }
  return cached
}
