import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compileSolidity } from './solidity/compileSolidity.ts'
import { BaseError } from '../errors/index.ts'
import { buildModelCircuit } from './buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from './circuit/index.ts'
import { mod, toSigned } from './field.ts'
import { sha256Hex } from './hash.ts'
import { manifestPostprocessing, type ArtifactName, type SnarkBackend as Backend, type CircuitManifest, type FidelityReport } from './manifest.ts'
import { parseOnnx, runOnnxruntime, type OnnxGraph } from './onnx/index.ts'
import type { OrtInputType } from './onnx/runOnnxruntime.ts'
import {
  calibrate,
  dequantize,
  fidelityExceeded,
  MAX_LAYER_SAMPLES,
  measureLayerFidelity,
  quantizeInput,
  type CalibrationResult,
  type CalibrationTarget,
  type LayerFidelityReport,
} from './quantize/index.ts'
import { writeR1cs } from './r1cs/index.ts'
import { packageVersion, zkmlVersion } from './toolVersions.ts'
import { DEFAULT_PTAU_PATH, DEV_PTAU_MARKER, exportSolidityVerifier, plonkGateCount, readPtauProvenance, setupGroth16, setupPlonk, verificationKeyHash, type SnarkKeys } from './snark/index.ts'

export type CompileProgress = { stage: 'parse' | 'calibrate' | 'circuit' | 'fidelity' | 'setup' | 'verifier' | 'write'; message: string }

export type CompileOptions = {
  onnx: Uint8Array
  name: string
  /** Sample inputs (flat, in graph-input order) used to choose the scale and measure fidelity. */
  calibration: number[][]
  backend: Backend
  outDir: string
  ptauPath?: string
  /** Refuse the bundled test-only ptau (PTAU_TEST_ONLY), whether defaulted to or passed as ptauPath. */
  production?: boolean
  /** Called with a warning a person should see, e.g. that the keys come from the test-only ptau. */
  onWarning?: (message: string) => void
  sigmoid?: 'proved' | 'outside'
  target?: CalibrationTarget
  /**
   * Largest |quantized − float| allowed on any output over the samples (default 1% of the largest
   * |output|, at least 1e-3). When no scale meets it the compile fails with FIDELITY_EXCEEDED, naming
   * the layer where the error grew.
   */
  tolerance?: number
  /** Candidate scales (fractional bits) for the calibration search; default calibrate's 12. Tests of large circuits pass the one it picks. */
  scales?: number[]
  onProgress?: (p: CompileProgress) => void
  /**
   * Replaces snarkjs's Groth16 setup (`setupGroth16`) for circuits it is too slow for: tests and benches
   * pass src/dev/devPtau.ts's `devGroth16Setup` (known secrets of a dev ptau; never for production).
   */
  groth16Setup?: (r1cs: Uint8Array, ptauPath: string) => Promise<SnarkKeys>
}

export type CompileResult = { manifest: CircuitManifest; calibration: CalibrationResult; dir: string }

/**
 * ONNX model → calibrated fixed-point circuit → R1CS, witness program, proving/verification keys and
 * a Solidity verifier, all written to `outDir` with a `manifest.json` that hashes each artifact.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { compileModel } from './src/compiler/index.ts'
 * const { manifest } = await compileModel({
 *   onnx: readFileSync('models/pool-risk/model.onnx'),
 *   name: 'pool-risk',
 *   calibration: JSON.parse(readFileSync('models/pool-risk/samples.json', 'utf8')),
 *   backend: 'groth16',
 *   outDir: 'out/pool-risk',
 * })
 * console.log(manifest.constraints, manifest.fidelity.maxAbsError)
 * ```
 */
export async function compileModel(opts: CompileOptions): Promise<CompileResult> {
  const progress = opts.onProgress ?? (() => {})
  const t0 = Date.now()
  // Provenance first: a production compile must not spend minutes before refusing its setup.
  const ptauPath = opts.ptauPath ?? DEFAULT_PTAU_PATH
  const ptau = await readPtauProvenance(ptauPath)
  if (ptau.testOnly) {
    const dev = ptau.contributors.some((c) => c.name.startsWith(DEV_PTAU_MARKER))
    const why = dev
      ? `the given ptau ${ptauPath} is a zkml dev-ptau file, made from a PUBLIC tau (${ptau.sha256.slice(0, 18)}…), was used`
      : `${opts.ptauPath === undefined ? 'no ptau was given, so the bundled' : 'the given ptau is the bundled'} test-only ${ptauPath} (one contributor, ${ptau.sha256.slice(0, 18)}…) was used`
    if (opts.production)
      throw new BaseError('PTAU_TEST_ONLY', 'A production compile needs a powers of tau from a public multi-party ceremony.', {
        details: `expected --ptau <ceremony file> (e.g. powersOfTau28_hez_final_15.ptau), got ${why.replace(' was used', '')}`,
      })
    opts.onWarning?.(`NOT FOR PRODUCTION: ${why}. Whoever made it could forge proofs for this circuit. Pass --ptau with a public ceremony file (fixtures/ptau/README.md); --production refuses this one.`)
  }
  progress({ stage: 'parse', message: `parsing ONNX (${opts.onnx.length} bytes)` })
  const graph = parseOnnx(opts.onnx)

  progress({ stage: 'calibrate', message: `calibrating on ${opts.calibration.length} samples` })
  const cal = calibrate(graph, opts.calibration, {
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {}),
    ...(opts.scales ? { scales: opts.scales } : {}),
    sigmoid: opts.sigmoid ?? 'proved',
  })
  const params = cal.params
  // Every tensor against float64 on a few samples: what the manifest records, and where a miss is named.
  if (cal.chosen.maxAbsError > cal.tolerance) throw fidelityExceeded(graph, opts.calibration, cal)
  progress({ stage: 'fidelity', message: `per-layer error on ${Math.min(opts.calibration.length, MAX_LAYER_SAMPLES)} samples at scale 2^${params.scaleBits}` })
  const layerReport = measureLayerFidelity(graph, opts.calibration, cal)

  progress({ stage: 'circuit', message: `building circuit at scale 2^${params.scaleBits}, ${params.activationBits}-bit activations` })
  const model = buildModelCircuit(graph, params)
  const { circuit } = model
  const r1csBytes = writeR1cs(circuit.r1cs)

  progress({ stage: 'fidelity', message: 'comparing circuit outputs with onnxruntime-node' })
  const fidelity: FidelityReport = {
    ...(await measureFidelity(graph, opts.onnx, model, opts.calibration, params.scaleBits)),
    requiredTolerance: cal.tolerance,
    layers: manifestLayers(layerReport),
  }

  progress({ stage: 'setup', message: `${opts.backend} setup for ${circuit.r1cs.constraints.length} constraints` })
  const keys =
    opts.backend === 'groth16'
      ? await (opts.groth16Setup ? opts.groth16Setup(r1csBytes, ptauPath) : setupGroth16({ r1cs: r1csBytes, ptauPath }))
      : await setupPlonk({ r1cs: r1csBytes, ptauPath })

  progress({ stage: 'verifier', message: 'exporting and compiling the Solidity verifier' })
  const contractName = `ZkmlVerifier_${opts.name.replace(/[^A-Za-z0-9_]/g, '_')}`
  const verifierSource = await exportSolidityVerifier(opts.backend, keys.zkey, contractName)
  const compiled = compileSolidity({ 'Verifier.sol': verifierSource })
  const verifier = compiled[`Verifier.sol:${contractName}`]
  if (!verifier) throw new BaseError('SETUP_FAILED', `The exported verifier has no contract ${contractName}.`, { details: Object.keys(compiled).join(', ') })

  progress({ stage: 'write', message: `writing artifacts to ${opts.outDir}` })
  await mkdir(opts.outDir, { recursive: true })
  const files: Record<ArtifactName, [string, Uint8Array]> = {
    onnx: ['model.onnx', opts.onnx],
    r1cs: ['circuit.r1cs', r1csBytes],
    witnessProgram: ['witness-program.json', new TextEncoder().encode(JSON.stringify(circuit.program))],
    zkey: ['circuit.zkey', keys.zkey],
    vkey: ['verification_key.json', new TextEncoder().encode(JSON.stringify(keys.vkey, null, 1))],
    verifier: ['Verifier.sol', new TextEncoder().encode(verifierSource)],
    verifierBytecode: ['Verifier.json', new TextEncoder().encode(JSON.stringify({ contractName, ...verifier }))],
  }
  const artifacts = {} as CircuitManifest['artifacts']
  for (const [name, [file, bytes]] of Object.entries(files) as [ArtifactName, [string, Uint8Array]][]) {
    await writeFile(join(opts.outDir, file), bytes)
    artifacts[name] = { file, sha256: sha256Hex(bytes), bytes: bytes.length }
  }
  const manifest: CircuitManifest = {
    manifestVersion: 1,
    name: opts.name,
    modelHash: sha256Hex(opts.onnx),
    circuitHash: sha256Hex(r1csBytes),
    backend: opts.backend,
    curve: 'bn128',
    quantization: { scaleBits: params.scaleBits, activationBits: params.activationBits, sigmoid: params.sigmoid, target: cal.target },
    // provers quantize inputs from the manifest: int and bool inputs must stay exact integers
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: [...i.shape], ...(i.dtype === 'int' || i.dtype === 'bool' ? { dtype: i.dtype } : {}) })),
    outputs: model.outputs.map((o) => ({ name: o.name, shape: [...o.dims] })),
    publicSignals: model.publicSignals,
    constraints: circuit.r1cs.constraints.length,
    plonkGates: plonkGateCount(r1csBytes),
    wires: circuit.r1cs.nWires,
    vkHash: verificationKeyHash(keys.vkey),
    postprocessing: manifestPostprocessing({ publicSignals: model.publicSignals }),
    fidelity,
    artifacts,
    tools: {
      zkml: zkmlVersion(),
      snarkjs: packageVersion('snarkjs'),
      solc: packageVersion('solc'),
      'onnxruntime-node': packageVersion('onnxruntime-node'),
      'onnx-proto': packageVersion('onnx-proto'),
      node: process.version,
    },
    ptau,
    createdAt: new Date().toISOString(),
  }
  await writeFile(join(opts.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2))
  progress({ stage: 'write', message: `done in ${((Date.now() - t0) / 1000).toFixed(1)} s` })
  return { manifest, calibration: cal, dir: opts.outDir }
}

/**
 * Runs the circuit's own witness program (not the reference) on every calibration sample and
 * compares its outputs with onnxruntime-node's float32 outputs.
 */
async function measureFidelity(
  graph: OnnxGraph,
  onnx: Uint8Array,
  model: ReturnType<typeof buildModelCircuit>,
  samples: number[][],
  s: number,
): Promise<FidelityReport> {
  const outSignals = model.publicSignals.filter((p) => p.kind === 'output')
  let max = 0
  let sum = 0
  let n = 0
  for (const [i, sample] of samples.entries()) {
    const q = quantizeInput(graph, sample, s).flatMap((t) => t.data.map(mod))
    const w = runWitnessProgram(model.circuit.program, [...q, 0n, 0n])
    if (i === 0 && firstUnsatisfied(model.circuit.r1cs, w) !== -1)
      throw new BaseError('CIRCUIT_UNSATISFIED', 'The compiled circuit rejects its own witness.', { details: 'this is a compiler bug; please report it with the model' })
    const got = model.circuit.outputWires.map((wire, j) => {
      const sig = outSignals[j]!
      return dequantize(toSigned(w[wire]!), sig.scaleBits, sig.kind === 'output' ? sig.postprocess : undefined)
    })
    let off = 0
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {}
    for (const info of graph.inputs) {
      const len = info.shape.reduce((a, b) => a * b, 1)
      // onnxruntime is fed the model's declared input types (a bool input as bool, not float32).
      feeds[info.name] = { data: Float32Array.from(sample.slice(off, off + len)), dims: info.shape, ...(info.onnxType ? { type: ortType(info.onnxType) } : {}) }
      off += len
    }
    const ref = await runOnnxruntime(onnx, feeds)
    const want = graph.outputs.flatMap((o) => Array.from(ref[o.name]!))
    want.forEach((r, j) => {
      const e = Math.abs(got[j]! - r)
      max = Math.max(max, e)
      sum += e
      n++
    })
  }
  return {
    reference: 'onnxruntime-node (float32)',
    samples: samples.length,
    maxAbsError: max,
    meanAbsError: sum / n,
    tolerance: max * 1.5 + 2 ** -s,
  }
}

/** Manifest entries beyond this are the smallest relative errors, dropped to keep the manifest small. */
const MAX_MANIFEST_LAYERS = 256

/** The per-layer report as the manifest records it: three significant digits, at most MAX_MANIFEST_LAYERS tensors, graph order. */
function manifestLayers(r: LayerFidelityReport): NonNullable<FidelityReport['layers']> {
  const round = (x: number) => Number(x.toPrecision(3))
  const keep = new Set([...r.layers].sort((a, b) => b.relError - a.relError).slice(0, MAX_MANIFEST_LAYERS))
  const tensors = r.layers
    .filter((l) => keep.has(l))
    .map((l) => ({
      node: l.node,
      op: l.op,
      output: l.output,
      scaleBits: l.scaleBits,
      floatMaxAbs: round(l.floatMaxAbs),
      maxAbsError: round(l.maxAbsError),
      meanAbsError: round(l.meanAbsError),
      relError: round(l.relError),
    }))
  return { samples: r.samples.length, relBudget: round(r.relBudget), tensors, ...(r.layers.length > tensors.length ? { omitted: r.layers.length - tensors.length } : {}) }
}

/** The onnxruntime input type for a declared ONNX element type (float32 for anything else). */
function ortType(onnxType: string): OrtInputType {
  return onnxType === 'double' ? 'float64' : (['int64', 'int32', 'int8', 'uint8', 'bool'] as const).find((t) => t === onnxType) ?? 'float32'
}
