import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import { DEV_PTAU_MARKER, readPtauFile } from '../compiler/snark/ptau.ts'
import { requiredPtauPower } from '../compiler/snark/requiredPtauPower.ts'
import type { SnarkKeys, VerificationKey } from '../compiler/snark/index.ts'
import { BaseError } from '../errors/index.ts'

/**
 * TESTS AND BENCHMARKS ONLY: a snarkjs-compatible, phase-2-prepared powers of tau made from a PUBLIC
 * tau (and alpha, beta), so that circuits beyond the bundled 2^15 fixture can be keyed in seconds to
 * minutes instead of hours. Anyone can forge proofs for a circuit keyed with it.
 *
 * It is marked in three places: the file name (`insecure-dev-pot<N>.ptau`), the one contribution's
 * name in the file ({@link DEV_PTAU_MARKER}, which `snarkjs powersoftau verify` prints and
 * `readPtauProvenance` turns into `testOnly: true` in every manifest keyed with it), and this module's
 * home (src/dev, never imported by the network at run time).
 *
 * The secrets are recorded here: each is sha256(`${DEV_PTAU_SEED}: <name>`) mod r. The native addon
 * computes and writes the points (native/src/devptau.rs holds the file layout); this module builds the
 * contribution record (its public key needs snarkjs's own hash-to-G2) and caches the file.
 */
export const DEV_PTAU_SEED = 'zkml-oracle dev-ptau v1'

/** bn254's scalar field order. */
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** The part of the native addon this module uses (native/src/node.rs). */
export type DevPtauAddon = {
  devPtauFirstChallenge(power: number): Uint8Array
  devPtauWrite(path: string, power: number, tau: string, alpha: string, beta: string, contribution: Uint8Array, responseHash: Uint8Array, nextChallengeAt: number): Promise<string>
  devZkey(r1cs: Uint8Array, tau: string, alpha: string, beta: string, delta: string): Promise<Uint8Array>
}

/** What {@link makeDevPtau} did: where the file is, whether it came from the cache, and the native timings. */
export type DevPtauResult = {
  path: string
  power: number
  cached: boolean
  ms: number
  bytes: number
  timings?: { powersMs: number; lagrangeMs: number; totalMs: number; bytes: number }
}

/**
 * The public toxic waste of every dev ptau.
 *
 * @example
 * ```ts
 * import { devPtauSecrets } from './src/dev/devPtau.ts'
 * const { tau } = devPtauSecrets() // anyone can compute it: that is the point
 * ```
 */
export function devPtauSecrets(): { tau: bigint; alpha: bigint; beta: bigint } {
  const f = (name: string) => BigInt(`0x${createHash('sha256').update(`${DEV_PTAU_SEED}: ${name}`).digest('hex')}`) % R
  return { tau: f('tau'), alpha: f('alpha'), beta: f('beta') }
}

/**
 * The file name of a dev ptau of this power (the word "insecure" is part of the marking).
 *
 * @example
 * ```ts
 * import { devPtauFileName } from './src/dev/devPtau.ts'
 * devPtauFileName(18) // 'insecure-dev-pot18.ptau'
 * ```
 */
export function devPtauFileName(power: number): string {
  return `insecure-dev-pot${power}.ptau`
}

/**
 * Where generated files are cached: `$ZKML_PTAU_CACHE`, else `.cache/ptau/` at the repository root
 * (git-ignored: a 2^20 file is 1.2 GB, a 2^22 one 4.8 GB).
 *
 * @example
 * ```ts
 * import { devPtauCacheDir } from './src/dev/devPtau.ts'
 * console.log(devPtauCacheDir())
 * ```
 */
export function devPtauCacheDir(): string {
  return process.env.ZKML_PTAU_CACHE || join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.cache', 'ptau')
}

type Curve = {
  G1: CurveGroup
  G2: CurveGroup
  Fr: { e(v: bigint | string): unknown }
}
type CurveGroup = {
  g: unknown
  timesFr(p: unknown, e: unknown): unknown
  toAffine(p: unknown): unknown
  toRprLEM(buff: Uint8Array, pos: number, p: unknown): void
  toRprUncompressed(buff: Uint8Array, pos: number, p: unknown): void
}

// snarkjs's hash-to-G2 for contribution keys (src/keypair.js), which its package exports do not list.
async function snarkjsGetG2sp(): Promise<(curve: Curve, pers: number, challenge: Uint8Array, g1s: unknown, g1sx: unknown) => unknown> {
  const main = import.meta.resolve('snarkjs')
  const mod = (await import(new URL('./src/keypair.js', main).href)) as { getG2sp: (curve: Curve, pers: number, challenge: Uint8Array, g1s: unknown, g1sx: unknown) => unknown }
  return mod.getG2sp
}

// noble's blake2b state (snarkjs misc.js toPartialHash: 128-byte block buffer, v0..v7 as (low, high)
// u32 pairs, u64 length − pos, u64 pos) after hashing exactly `data` (≤ 128 bytes, nothing compressed yet).
function partialHashOf(data: Uint8Array): Uint8Array {
  if (data.length > 128) throw new Error('partialHashOf: at most one block')
  const IV = [
    0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
    0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
  ]
  const out = new Uint8Array(216)
  out.set(data, 0)
  const dv = new DataView(out.buffer)
  IV.forEach((v, i) => {
    const x = i === 0 ? v ^ 0x01010040n : v // digest length 64, no key, fanout 1, depth 1
    dv.setUint32(128 + i * 8, Number(x & 0xffffffffn), true)
    dv.setUint32(128 + i * 8 + 4, Number(x >> 32n), true)
  })
  dv.setUint32(128 + 64, 0, true) // length − pos
  dv.setUint32(128 + 72, data.length, true) // pos
  return out
}

/**
 * The contributions section (7) of a dev ptau: one contribution by the public secrets, named
 * {@link DEV_PTAU_MARKER}, with nextChallenge left zero (the native writer fills it in), and the
 * response hash the writer chains from. Layout: snarkjs powersoftau_utils.js writeContribution.
 */
async function contributionSection(curve: Curve, firstChallenge: Uint8Array): Promise<{ body: Uint8Array; responseHash: Uint8Array; nextChallengeAt: number }> {
  const getG2sp = await snarkjsGetG2sp()
  const s = devPtauSecrets()
  const { G1, G2, Fr } = curve
  const mul = (G: CurveGroup, p: unknown, x: bigint) => G.toAffine(G.timesFr(p, Fr.e(x)))
  const keyFor = (x: bigint, pers: number, sName: string) => {
    const sv = BigInt(`0x${createHash('sha256').update(`${DEV_PTAU_SEED}: key s ${sName}`).digest('hex')}`) % R
    const g1_s = mul(G1, G1.g, sv)
    const g1_sx = mul(G1, g1_s, x)
    const g2_sp = G2.toAffine(getG2sp(curve, pers, firstChallenge, g1_s, g1_sx))
    return { g1_s, g1_sx, g2_spx: mul(G2, g2_sp, x) }
  }
  const key = { tau: keyFor(s.tau, 0, 'tau'), alpha: keyFor(s.alpha, 1, 'alpha'), beta: keyFor(s.beta, 2, 'beta') }
  const name = new TextEncoder().encode(DEV_PTAU_MARKER)
  const POINTS = 3 * 64 + 2 * 128
  const KEY = 6 * 64 + 3 * 128
  const body = new Uint8Array(4 + POINTS + KEY + 216 + 64 + 4 + 4 + 2 + name.length)
  const dv = new DataView(body.buffer)
  dv.setUint32(0, 1, true)
  let pos = 4
  const g1 = (p: unknown) => (G1.toRprLEM(body, pos, p), (pos += 64))
  const g2 = (p: unknown) => (G2.toRprLEM(body, pos, p), (pos += 128))
  g1(mul(G1, G1.g, s.tau))
  g2(mul(G2, G2.g, s.tau))
  g1(mul(G1, G1.g, s.alpha))
  g1(mul(G1, G1.g, s.beta))
  g2(mul(G2, G2.g, s.beta))
  const pub = new Uint8Array(KEY)
  let upos = 0
  for (const k of [key.tau, key.alpha, key.beta]) {
    g1(k.g1_s)
    g1(k.g1_sx)
  }
  for (const k of [key.tau, key.alpha, key.beta]) {
    G1.toRprUncompressed(pub, upos, k.g1_s)
    G1.toRprUncompressed(pub, upos + 64, k.g1_sx)
    upos += 128
  }
  for (const k of [key.tau, key.alpha, key.beta]) {
    g2(k.g2_spx)
    G2.toRprUncompressed(pub, upos, k.g2_spx)
    upos += 128
  }
  // The response hash snarkjs derives: its partial hash (here: the challenge alone) resumed over the
  // public key, uncompressed. A real contributor's also covers the compressed response points.
  body.set(partialHashOf(firstChallenge), pos)
  pos += 216
  const nextChallengeAt = pos
  pos += 64
  dv.setUint32(pos, 0, true) // type 0: a contribution, not a beacon
  dv.setUint32(pos + 4, 2 + name.length, true)
  body[pos + 8] = 1 // param: name
  body[pos + 9] = name.length
  body.set(name, pos + 10)
  const responseHash = new Uint8Array(createHash('blake2b512').update(firstChallenge).update(pub).digest())
  return { body, responseHash, nextChallengeAt }
}

/**
 * Makes (or finds in the cache) the dev ptau of `power`: snarkjs-compatible and phase-2 prepared,
 * usable by `setupGroth16`/`setupPlonk` for circuits up to 2^power. TESTS AND BENCHMARKS ONLY.
 *
 * @example
 * ```ts
 * import { makeDevPtau } from './src/dev/devPtau.ts'
 * import { loadNativeAddon } from './src/prover/engines/native/index.ts'
 * const { addon } = await loadNativeAddon()
 * const { path } = await makeDevPtau({ power: 18, addon: addon! })
 * ```
 */
export async function makeDevPtau(opts: { power: number; addon: DevPtauAddon; dir?: string; out?: string; force?: boolean }): Promise<DevPtauResult> {
  const { power } = opts
  if (!Number.isInteger(power) || power < 1 || power > 27)
    throw new BaseError('INPUT_INVALID', 'Bad dev ptau power.', { details: `expected an integer power in [1, 27] (22 is the largest the project measures), got ${power}` })
  const path = opts.out ?? join(opts.dir ?? devPtauCacheDir(), devPtauFileName(power))
  const started = Date.now()
  if (!opts.force && existsSync(path)) {
    const f = await readPtauFile(path).catch(() => undefined)
    if (f && f.power === power && f.prepared && f.contributors.length === 1 && f.contributors[0]!.name === DEV_PTAU_MARKER)
      return { path, power, cached: true, ms: Date.now() - started, bytes: f.size }
  }
  mkdirSync(dirname(path), { recursive: true })
  const curve = (await snarkjs.curves.getCurveFromName('bn128')) as Curve
  const first = new Uint8Array(opts.addon.devPtauFirstChallenge(power))
  const c = await contributionSection(curve, first)
  const s = devPtauSecrets()
  const tmp = `${path}.${process.pid}.tmp`
  try {
    const timings = JSON.parse(await opts.addon.devPtauWrite(tmp, power, s.tau.toString(), s.alpha.toString(), s.beta.toString(), c.body, c.responseHash, c.nextChallengeAt)) as DevPtauResult['timings'] & {}
    renameSync(tmp, path)
    return { path, power, cached: false, ms: Date.now() - started, bytes: timings.bytes, timings }
  } catch (e) {
    rmSync(tmp, { force: true })
    const m = /^([A-Z_]+): (.*)$/s.exec((e as Error).message)
    throw new BaseError('PTAU_INVALID', 'Could not write the dev ptau.', { details: m ? m[2]! : (e as Error).message, cause: e })
  }
}

/**
 * TESTS AND BENCHMARKS ONLY: the Groth16 keys for `r1cs` that snarkjs's `zkey new` would make from the
 * dev ptau at `ptauPath` (checked: it must be a dev ptau, large enough), computed natively from the
 * ptau's public secrets in seconds where snarkjs takes many minutes at 2^20, with a delta derived from
 * the circuit's hash (public too: `devDelta = 1` gives exactly snarkjs's uncontributed key). A drop-in
 * for `compileModel`'s `groth16Setup`.
 *
 * @example
 * ```ts
 * import { devGroth16Setup } from './src/dev/devPtau.ts'
 * const { zkey, vkey } = await devGroth16Setup(addon)(r1csBytes, '.cache/ptau/insecure-dev-pot20.ptau')
 * ```
 */
export function devGroth16Setup(addon: DevPtauAddon, opts: { devDelta?: bigint } = {}): (r1cs: Uint8Array, ptauPath: string) => Promise<SnarkKeys> {
  return async (r1cs, ptauPath) => {
    const f = await readPtauFile(ptauPath)
    if (!f.contributors.some((c) => c.name === DEV_PTAU_MARKER))
      throw new BaseError('SETUP_FAILED', 'The native test-only Groth16 setup needs a zkml dev-ptau file.', {
        details: `expected a ptau made by zkml dev-ptau (contribution "${DEV_PTAU_MARKER}"), got ${ptauPath} with contributions ${JSON.stringify(f.contributors.map((c) => c.name))}`,
      })
    const need = await requiredPtauPower('groth16', r1cs)
    if (need > f.power)
      throw new BaseError('PTAU_TOO_SMALL', 'The groth16 setup needs a larger powers-of-tau file.', {
        details: `expected a ptau of power >= ${need}, got power ${f.power} (${ptauPath}); for tests: zkml dev-ptau --power ${need}`,
        meta: { backend: 'groth16', required: need, power: f.power },
      })
    const s = devPtauSecrets()
    const delta = opts.devDelta ?? BigInt(`0x${createHash('sha256').update(`${DEV_PTAU_SEED}: delta `).update(r1cs).digest('hex')}`) % R
    try {
      const zkey = new Uint8Array(await addon.devZkey(r1cs, s.tau.toString(), s.alpha.toString(), s.beta.toString(), delta.toString()))
      const vkey = (await snarkjs.zKey.exportVerificationKey(zkey)) as VerificationKey
      return { zkey, vkey }
    } catch (e) {
      throw new BaseError('SETUP_FAILED', 'The native test-only Groth16 setup failed.', { details: (e as Error).message, cause: e })
    }
  }
}
