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
  /**
   * `verificationKeyHash` of the verifying key (src/compiler/snark/vkHash.ts documents the preimage):
   * what the verifier's `vkHash()` returns and ModelRegistry registers. Absent in older manifests.
   */
  vkHash?: `0x${string}`
  /**
   * What a reader applies to the outputs: `{ output: 'logits', function: 'sigmoid' }` when compiled with
   * `--sigmoid outside` (the feed's answer is a logit), else `{ output: 'value', function: 'none' }`.
   * Registered with the model (ModelRegistry.Postprocess) and readable from the feed's `postprocess()`.
   * Absent in older manifests: derive it from `quantization.sigmoid` (see manifestPostprocessing).
   */
  postprocessing?: Postprocessing
  fidelity: FidelityReport
  artifacts: Record<ArtifactName, ArtifactEntry> & Partial<Record<EzklArtifactName, ArtifactEntry>>
  tools: Record<string, string>
  /**
   * The powers of tau the keys were made from: its sha256, its contributors (from its contributions
   * section) and `testOnly` when it is the bundled one-machine file (fixtures/ptau/README.md), which anyone
   * who ran it could use to forge proofs. Absent in manifests written before it was recorded.
   */
  ptau?: { sha256: `0x${string}`; power: number; contributors: { name: string; beacon: boolean; nextChallenge: `0x${string}` }[]; testOnly: boolean }
  createdAt: string
  /** Backend `ezkl` only: settings, SRS provenance and how public signals map to ezkl's instances (src/compiler/ezkl/). */
  ezkl?: EzklManifestSection
}

/**
 * What an ezkl (Halo2/KZG) circuit adds to the manifest. `constraints` holds ezkl's `num_rows`
 * and `wires` its `total_assignments`; the public signals keep the R1CS layout (outputs…,
 * inputs…, subject, round) and `instances` says how they become ezkl's instances.
 */
export type EzklManifestSection = {
  settings: {
    logrows: number
    inputScale: number
    paramScale: number
    outputScales: number[]
    inputVisibility: string
    outputVisibility: string
    paramVisibility: string
  }
  /** The extra graph input carrying subject and round limbs (see src/compiler/ezkl/context.ts). */
  context: { tensor: string; limbBits: number; subjectLimbs: number; roundLimbs: number }
  instances: ({ from: 'signals'; start: number; length: number } | { from: 'context' })[]
  /** `testOnly`: made by ezkl.gen_srs on the compiling machine (its toxic waste was known there); `file`: given with --srs. */
  srs: { provenance: 'testOnly' | 'file'; logrows: number; source?: string }
}

/** The snarkjs backends (R1CS circuits). */
export type SnarkBackend = 'groth16' | 'plonk'
export type Backend = SnarkBackend | 'ezkl'
export type Postprocessing = { output: 'value'; function: 'none' } | { output: 'logits'; function: 'sigmoid' }
/**
 * For `ezkl`: `witnessProgram` is ezkl's compiled circuit (network.ezkl), `zkey`/`vkey` its
 * proving/verification keys, `settings` and `srs` its settings.json and KZG parameters, `onnx`
 * the model as compiled (with the context input added).
 */
export type ArtifactName = 'onnx' | 'r1cs' | 'witnessProgram' | 'zkey' | 'vkey' | 'verifier' | 'verifierBytecode'
/** Artifacts only ezkl circuits have. */
export type EzklArtifactName = 'settings' | 'srs'
export type ArtifactEntry = { file: string; sha256: `0x${string}`; bytes: number }
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
  /**
   * The tolerance the compile was held to (calibration's: `--tolerance`, default 1% of the largest
   * |output|, at least 1e-3); a model that misses it does not compile (FIDELITY_EXCEEDED). Absent in
   * manifests written before it was recorded.
   */
  requiredTolerance?: number
  /**
   * Where precision goes: every graph input and quantized node output, the bigint reference against
   * float64 evaluation on a few calibration samples (docs/circuits.md, "Fidelity"). Absent in manifests
   * written before it was recorded.
   */
  layers?: {
    /** How many calibration samples the per-layer pass ran (at most 8, the output's worst among them). */
    samples: number
    /** Relative error a tensor may carry: requiredTolerance over the largest |output|. */
    relBudget: number
    tensors: LayerFidelityEntry[]
    /** Tensors left out to keep the manifest small (the ones with the smallest relative error). */
    omitted?: number
  }
}

/** One tensor's error in real units; relError is maxAbsError over the tensor's range (floatMaxAbs, at least 2^-30). Three significant digits. */
export type LayerFidelityEntry = {
  node: string
  op: string
  output: string
  scaleBits: number
  floatMaxAbs: number
  maxAbsError: number
  meanAbsError: number
  relError: number
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
  if (m.backend !== 'groth16' && m.backend !== 'plonk' && m.backend !== 'ezkl') throw fail('backend "groth16", "plonk" or "ezkl"', m.backend)
  if (m.backend === 'ezkl' && (!m.ezkl || typeof m.ezkl.settings?.inputScale !== 'number' || !Array.isArray(m.ezkl.instances)))
    throw fail('an ezkl section with settings and instances for backend "ezkl"', m.ezkl)
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
  if (m.vkHash !== undefined && (typeof m.vkHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(m.vkHash))) throw fail('vkHash as 0x + 64 hex digits, or absent', m.vkHash)
  const pp = m.postprocessing as { output?: unknown; function?: unknown } | undefined
  if (pp !== undefined && !(pp && ((pp.output === 'value' && pp.function === 'none') || (pp.output === 'logits' && pp.function === 'sigmoid'))))
    throw fail('postprocessing as { output: "value", function: "none" } or { output: "logits", function: "sigmoid" }, or absent', pp)
  if (m.ptau !== undefined && (!m.ptau || typeof m.ptau.sha256 !== 'string' || !/^0x[0-9a-f]{64}$/.test(m.ptau.sha256) || typeof m.ptau.testOnly !== 'boolean' || !Array.isArray(m.ptau.contributors)))
    throw fail('ptau as { sha256: 0x + 64 hex, contributors: [...], testOnly: boolean }, or absent', m.ptau)
  return m as CircuitManifest
}

/** Number of flat input values the circuit takes. */
export function inputLength(m: Pick<CircuitManifest, 'inputs'>): number {
  return m.inputs.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)
}

/**
 * The manifest's post-processing; for manifests written before the field, derived from whether any
 * output is published before its sigmoid (`--sigmoid outside`).
 *
 * @example
 * ```ts
 * manifestPostprocessing(manifest) // { output: 'logits', function: 'sigmoid' } for a --sigmoid outside build
 * ```
 */
export function manifestPostprocessing(m: Pick<CircuitManifest, 'postprocessing' | 'publicSignals'>): Postprocessing {
  if (m.postprocessing) return m.postprocessing
  const logits = m.publicSignals.some((s) => s.kind === 'output' && s.postprocess === 'sigmoid')
  return logits ? { output: 'logits', function: 'sigmoid' } : { output: 'value', function: 'none' }
}
