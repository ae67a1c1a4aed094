import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BaseError } from '../errors/index.ts'
import { packWitnessProgram, runPackedWitnessProgram, type PackedWitnessProgram, type WitnessProgram } from './circuit/index.ts'
import { P, mod, toSigned } from './field.ts'
import { sha256Hex } from './hash.ts'
import { parseManifest, type CircuitManifest } from './manifest.ts'
// quantizeIo, not the quantize index: calibrate (and with it onnxruntime) is compile-time only.
import { dequantize, quantizeInput } from './quantize/quantizeIo.ts'
import { writeWtns } from './r1cs/index.ts'
import type { VerificationKey } from './snark/index.ts'

export type ProofContext = { subject: bigint; round: bigint }

export type WitnessResult = { witness: bigint[]; wtns: Uint8Array; publicSignals: string[]; outputs: number[] }

export type LoadedCircuit = {
  dir: string
  manifest: CircuitManifest
  zkey: Uint8Array
  vkey: VerificationKey
  /** The witness program in typed arrays (the JSON artifact is parsed, packed and let go). */
  program: PackedWitnessProgram
  /** Quantizes the input, replays the witness program, returns the .wtns and the public signals. */
  computeWitness(input: ReadonlyArray<number>, ctx: ProofContext): WitnessResult
}

/**
 * Loads a compiled circuit directory, checking every artifact against the manifest's sha256 so a
 * prover never proves with keys other than the registered ones.
 *
 * @example
 * ```ts
 * const c = await loadCircuit('out/pool-risk')
 * const { publicSignals, outputs } = c.computeWitness(features, { subject: 1n, round: 1n })
 * ```
 */
export async function loadCircuit(dir: string): Promise<LoadedCircuit> {
  let raw: string
  try {
    raw = await readFile(join(dir, 'manifest.json'), 'utf8')
  } catch (cause) {
    throw new BaseError('ARTIFACT_NOT_FOUND', `No circuit manifest in ${dir}.`, { details: `expected ${join(dir, 'manifest.json')}`, cause })
  }
  const manifest = parseManifest(JSON.parse(raw))
  const read = async (name: 'zkey' | 'vkey' | 'witnessProgram') => {
    const a = manifest.artifacts[name]
    const bytes = new Uint8Array(await readFile(join(dir, a.file)))
    const got = sha256Hex(bytes)
    if (got !== a.sha256)
      throw new BaseError('ARTIFACT_CORRUPT', `Artifact ${a.file} does not match the manifest.`, { details: `expected sha256 ${a.sha256}, got ${got}` })
    return bytes
  }
  const [zkey, vkeyBytes, programBytes] = await Promise.all([read('zkey'), read('vkey'), read('witnessProgram')])
  const dec = new TextDecoder()
  const vkey = JSON.parse(dec.decode(vkeyBytes)) as VerificationKey
  const program = packWitnessProgram(JSON.parse(dec.decode(programBytes)) as WitnessProgram)
  return {
    dir,
    manifest,
    zkey,
    vkey,
    program,
    computeWitness(input, ctx) {
      for (const [k, v] of Object.entries(ctx))
        if (typeof v !== 'bigint' || v < 0n || v >= P)
          throw new BaseError('INPUT_INVALID', `Context value "${k}" is out of range.`, { details: `expected an integer in [0, P), got ${String(v)}` })
      const q = quantizeInput(manifest, input, manifest.quantization.scaleBits).flatMap((t) => t.data.map(mod))
      const witness = runPackedWitnessProgram(program, [...q, ctx.subject, ctx.round])
      const nPublic = manifest.publicSignals.length
      const publicSignals = witness.slice(1, 1 + nPublic).map(String)
      // `.wtns` bytes on first read: the coordinator recomputes every job's witness for its public
      // signals alone, and serializing the witness was a third of that work.
      let wtns: Uint8Array | undefined
      return { witness, get wtns() { return (wtns ??= writeWtns(witness)) }, publicSignals, outputs: decodeOutputs(manifest, publicSignals) }
    },
  }
}

/**
 * The model outputs, in real units, carried by a proof's public signals.
 *
 * @example
 * ```ts
 * decodeOutputs(manifest, proof.publicSignals) // [42.7]
 * ```
 */
export function decodeOutputs(manifest: Pick<CircuitManifest, 'publicSignals'>, publicSignals: ReadonlyArray<string>): number[] {
  const out: number[] = []
  manifest.publicSignals.forEach((sig, i) => {
    if (sig.kind !== 'output') return
    out.push(dequantize(toSigned(BigInt(publicSignals[i]!)), sig.scaleBits, sig.postprocess))
  })
  return out
}
