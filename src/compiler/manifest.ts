import { BaseError } from '../errors/index.ts'

/**
 * The circuit manifest, version 1: everything the registry, prover, market and oracle need to know
 * about a compiled circuit, written as `manifest.json` beside the artifacts.
 *
 * Stability: fields are only ever added. A change of meaning bumps `manifestVersion`.
 *
 * Public signals (snarkjs order) are `outputs…, inputs…, context…`:
 * - outputs: the model outputs as signed fixed-point integers (field elements; negatives wrap to P - |x|),
 *   value = integer / 2^scaleBits;
 * - inputs: the quantized model inputs, public so a proof can't be replayed on other data;
 * - context: `subject` (what the value is about, e.g. a pool address as uint160) and `round`
 *   (a strictly increasing number chosen by the requester). Both are bound by the proof.
 */
export type CircuitManifest = {
  manifestVersion: 1
  name: string
  /** sha256 of the ONNX file, hex, 0x-prefixed. */
  modelHash: `0x${string}`
  /** sha256 of the .r1cs file, hex, 0x-prefixed. Identifies the circuit. */
  circuitHash: `0x${string}`
  backend: Backend
  curve: 'bn128'
  quantization: {
    /** Fixed-point fractional bits: a real x is round(x * 2^scaleBits). */
    scaleBits: number
    /** Signed bit width every activation is range-checked to after each rescale. */
    activationBits: number
    /** Whether Sigmoid is proved in the circuit (piecewise-linear) or applied by the reader. */
    sigmoid: 'proved' | 'outside'
    /** Strategy calibration used: 'accuracy' (largest scale that fits) or 'resources' (smallest that meets tolerance). */
    target: 'accuracy' | 'resources'
  }
  inputs: TensorInfo[]
  outputs: TensorInfo[]
  publicSignals: PublicSignalInfo[]
  constraints: number
  /**
   * Gates snarkjs's PLONK setup makes of this R1CS (wide linear combinations split into extra
   * gates), whatever the backend: PLONK's proving cost follows it, not `constraints`. Absent in
   * manifests written before it was recorded; readers then fall back to `constraints`.
   */
  plonkGates?: number
  wires: number
  fidelity: FidelityReport
  artifacts: Record<ArtifactName, { file: string; sha256: `0x${string}`; bytes: number }>
  tools: Record<string, string>
  createdAt: string
}

export type Backend = 'groth16' | 'plonk'
export type ArtifactName = 'onnx' | 'r1cs' | 'witnessProgram' | 'zkey' | 'vkey' | 'verifier' | 'verifierBytecode'
/** `dtype` is present only for integer and bool inputs, which are exact integers (scale 0), not quantized reals. */
export type TensorInfo = { name: string; shape: number[]; dtype?: 'int' | 'bool' }
export type PublicSignalInfo =
  | { kind: 'output'; name: string; index: number; scaleBits: number; postprocess?: 'sigmoid' }
  | { kind: 'input'; name: string; index: number; scaleBits: number }
  | { kind: 'context'; name: 'subject' | 'round' }

/** Circuit outputs against onnxruntime-node on the calibration set, in real (dequantized) units. */
export type FidelityReport = {
  reference: string
  samples: number
  maxAbsError: number
  meanAbsError: number
  /** Outputs are trusted to within this (max error with a safety margin). */
  tolerance: number
}

/**
 * Parses and checks a manifest at the boundary.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { parseManifest } from './src/compiler/manifest.ts'
 * const m = parseManifest(JSON.parse(readFileSync('out/pool-risk/manifest.json', 'utf8')))
 * console.log(m.constraints)
 * ```
 */
export function parseManifest(json: unknown): CircuitManifest {
  const m = json as Partial<CircuitManifest> | null
  const fail = (what: string, got: unknown) =>
    new BaseError('MANIFEST_INVALID', `Circuit manifest is invalid: ${what}.`, {
      details: `expected ${what}, got ${JSON.stringify(got)?.slice(0, 80)}`,
    })
  if (!m || typeof m !== 'object') throw fail('a JSON object', m)
  if (m.manifestVersion !== 1) throw fail('manifestVersion 1', m.manifestVersion)
  if (m.backend !== 'groth16' && m.backend !== 'plonk') throw fail('backend "groth16" or "plonk"', m.backend)
  for (const k of ['modelHash', 'circuitHash'] as const)
    if (typeof m[k] !== 'string' || !/^0x[0-9a-f]{64}$/.test(m[k]!)) throw fail(`${k} as 0x + 64 hex digits`, m[k])
  if (!Array.isArray(m.publicSignals) || m.publicSignals.length === 0) throw fail('a non-empty publicSignals array', m.publicSignals)
  if (!Array.isArray(m.inputs) || !Array.isArray(m.outputs)) throw fail('inputs and outputs arrays', { inputs: m.inputs, outputs: m.outputs })
  for (const t of m.inputs as Array<Partial<TensorInfo>>)
    if (t.dtype !== undefined && t.dtype !== 'int' && t.dtype !== 'bool') throw fail('input dtype "int", "bool" or absent', t.dtype)
  if (typeof m.constraints !== 'number' || m.constraints < 0) throw fail('a constraint count', m.constraints)
  if (m.plonkGates !== undefined && (!Number.isInteger(m.plonkGates) || m.plonkGates < m.constraints))
    throw fail(`plonkGates as an integer >= constraints (${m.constraints}), or absent`, m.plonkGates)
  if (!m.artifacts || typeof m.artifacts !== 'object') throw fail('an artifacts object', m.artifacts)
  if (!m.quantization || typeof m.quantization.scaleBits !== 'number') throw fail('quantization.scaleBits', m.quantization)
  return m as CircuitManifest
}

/** Number of flat input values the circuit takes. */
export function inputLength(m: Pick<CircuitManifest, 'inputs'>): number {
  return m.inputs.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)
}
