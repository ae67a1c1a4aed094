import { copyFile, mkdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { tmpdir } from 'node:os'
import { BaseError } from '../../errors/index.ts'
import { sha256Hex } from '../hash.ts'
import type { ArtifactEntry, CircuitManifest, EzklManifestSection, FidelityReport, PublicSignalInfo } from '../manifest.ts'
import { runOnnxruntime } from '../onnx/index.ts'
import { compileSolidity } from '../solidity/compileSolidity.ts'
import { packageVersion, zkmlVersion } from '../toolVersions.ts'
import { ezklAdapterSolidity } from './adapterSolidity.ts'
import { ezklBridge } from './bridge.ts'
import { CONTEXT, CONTEXT_LENGTH, contextLimbs, feltToBigint, type InstanceRun } from './context.ts'
import { toSigned } from '../field.ts'

export type EzklCompileProgress = { stage: 'augment' | 'calibrate' | 'circuit' | 'srs' | 'setup' | 'fidelity' | 'verifier' | 'write'; message: string }

export type EzklCompileOptions = {
  onnx: Uint8Array
  name: string
  /** Sample inputs (flat, in graph-input order): calibration and fidelity. */
  calibration: number[][]
  outDir: string
  /** ezkl's calibration target. Default 'resources'. */
  target?: 'resources' | 'accuracy'
  /** Upper bound on the circuit's rows, 2^maxLogrows. Default 17. */
  maxLogrows?: number
  /** A KZG SRS file from a public ceremony; without it a test-only SRS is generated locally. */
  srsPath?: string
  onProgress?: (p: EzklCompileProgress) => void
}

type EzklSettings = {
  run_args: { logrows: number; input_scale: number; param_scale: number; input_visibility: unknown; output_visibility: unknown; param_visibility: unknown }
  num_rows: number
  total_assignments: number
  model_instance_shapes: number[][]
  model_output_scales: number[]
  model_input_scales: number[]
}

const size = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * Math.max(1, b), 1)

/**
 * ONNX model → ezkl (Halo2/KZG) circuit, keys, Solidity verifier behind IZkmlVerifier, and the same
 * kind of `manifest.json` as the R1CS backend (backend `ezkl`). The graph gets one extra public
 * input carrying subject and round (src/compiler/ezkl/context.ts), so proofs are bound to both.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { compileEzkl } from './src/compiler/ezkl/index.ts'
 * const { manifest } = await compileEzkl({
 *   onnx: readFileSync('models/pool-risk/model.onnx'),
 *   name: 'pool-risk',
 *   calibration: JSON.parse(readFileSync('models/pool-risk/samples.json', 'utf8')),
 *   outDir: 'out/pool-risk-ezkl',
 * })
 * console.log(manifest.ezkl?.settings.logrows, manifest.fidelity.maxAbsError)
 * ```
 */
export async function compileEzkl(opts: EzklCompileOptions): Promise<{ manifest: CircuitManifest; dir: string }> {
  const progress = opts.onProgress ?? (() => {})
  const bridge = ezklBridge()
  const maxLogrows = opts.maxLogrows ?? 17
  if (!Number.isInteger(maxLogrows) || maxLogrows < 8 || maxLogrows > 26)
    throw new BaseError('INPUT_INVALID', 'max logrows is out of range.', { details: `expected an integer in [8, 26], got ${maxLogrows}` })
  if (!Array.isArray(opts.calibration) || opts.calibration.length === 0)
    throw new BaseError('CALIBRATION_INVALID', 'No calibration samples.', { details: 'expected a non-empty JSON array of flat input arrays' })
  await mkdir(opts.outDir, { recursive: true })
  const out = (f: string) => join(opts.outDir, f)
  const work = await mkdtemp(join(tmpdir(), 'zkml-ezkl-'))
  try {
    const t0 = Date.now()
    progress({ stage: 'augment', message: `adding the ${CONTEXT_LENGTH}-limb subject/round input to the graph` })
    await writeFile(join(work, 'original.onnx'), opts.onnx)
    const graph = await bridge.request('augment_onnx', { model: join(work, 'original.onnx'), output: out('model.onnx'), name: CONTEXT.tensor, length: CONTEXT_LENGTH })
    const modelInputs = graph.inputs.slice(0, -1)
    const modelOutputs = graph.outputs.slice(0, -1)
    const nIn = modelInputs.reduce((n, t) => n + size(t.shape), 0)
    for (const [i, s] of opts.calibration.entries())
      if (!Array.isArray(s) || s.length !== nIn || !s.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw new BaseError('CALIBRATION_INVALID', `Calibration sample ${i} has the wrong shape.`, {
          details: `expected ${nIn} finite numbers, got ${Array.isArray(s) ? `${s.length} values` : typeof s}`,
        })
    const dataFile = (samples: number[][], ctx: number[][]) => ({
      input_data: [
        ...modelInputs.map((_, k) => {
          const off = modelInputs.slice(0, k).reduce((n, t) => n + size(t.shape), 0)
          return samples.flatMap((s) => s.slice(off, off + size(modelInputs[k]!.shape)))
        }),
        ctx.flat(),
      ],
    })

    progress({ stage: 'calibrate', message: `ezkl calibrate_settings (${opts.target ?? 'resources'}, logrows ≤ ${maxLogrows}) on ${opts.calibration.length} samples` })
    const settingsPath = out('settings.json')
    await bridge.request('gen_settings', {
      model: out('model.onnx'),
      output: settingsPath,
      run_args: { input_visibility: 'public', output_visibility: 'public', param_visibility: 'fixed', logrows: maxLogrows },
    })
    // The context limbs calibrate at their extremes, so any subject and round fits the settings.
    const extremes = opts.calibration.map((_, i) => Array.from({ length: CONTEXT_LENGTH }, () => (i % 2 ? 0 : 2 ** CONTEXT.limbBits - 1)))
    await writeFile(join(work, 'calibration.json'), JSON.stringify(dataFile(opts.calibration, extremes)))
    await bridge
      .request('calibrate_settings', { data: join(work, 'calibration.json'), model: out('model.onnx'), settings: settingsPath, target: opts.target ?? 'resources', max_logrows: maxLogrows })
      .catch((e: unknown) => {
        if (!(e instanceof BaseError) || e.code !== 'EZKL_FAILED') throw e
        throw new BaseError('EZKL_FAILED', `ezkl found no settings for this model within 2^${maxLogrows} rows.`, {
          details: `expected calibration to fit the ${opts.calibration.length} samples with logrows ≤ ${maxLogrows} (raise --max-logrows, up to 26), got: ${e.details ?? e.shortMessage}`,
          meta: { op: 'calibrate_settings' },
          cause: e,
        })
      })
    const settings = JSON.parse(await readFile(settingsPath, 'utf8')) as EzklSettings

    progress({ stage: 'circuit', message: `compile_circuit at logrows ${settings.run_args.logrows}, input scale 2^${settings.run_args.input_scale}, ${settings.num_rows} rows` })
    await bridge.request('compile_circuit', { model: out('model.onnx'), compiled_circuit: out('network.ezkl'), settings_path: settingsPath })

    const logrows = settings.run_args.logrows
    let srs: EzklManifestSection['srs']
    if (opts.srsPath) {
      progress({ stage: 'srs', message: `using the SRS ${opts.srsPath}` })
      await copyFile(opts.srsPath, out('kzg.srs')).catch((cause) => {
        throw new BaseError('ARTIFACT_NOT_FOUND', `Could not read the SRS ${opts.srsPath}.`, { details: 'expected a readable KZG parameters file (e.g. from a public ceremony)', cause })
      })
      srs = { provenance: 'file', logrows, source: basename(opts.srsPath) }
    } else {
      progress({ stage: 'srs', message: `gen_srs 2^${logrows} (TEST ONLY: generated here, not a ceremony)` })
      await bridge.request('gen_srs', { srs_path: out('kzg.srs'), logrows })
      srs = { provenance: 'testOnly', logrows }
    }

    progress({ stage: 'setup', message: 'ezkl setup (proving and verification keys)' })
    await bridge.request('setup', { model: out('network.ezkl'), vk_path: out('vk.key'), pk_path: out('pk.key'), srs_path: out('kzg.srs') })

    // Instances: graph inputs then graph outputs, flattened; the context is the last of each.
    const shapes = settings.model_instance_shapes.map(size)
    const nOutTotal = modelOutputs.reduce((n, t) => n + size(t.shape), 0)
    const expectShapes = [...modelInputs.map((t) => size(t.shape)), CONTEXT_LENGTH, ...modelOutputs.map((t) => size(t.shape)), CONTEXT_LENGTH]
    if (shapes.join() !== expectShapes.join())
      throw new BaseError('EZKL_FAILED', 'ezkl laid out the public instances unexpectedly.', { details: `expected instance sizes [${expectShapes}], got [${shapes}]` })
    const instances: InstanceRun[] = [{ from: 'signals', start: nOutTotal, length: nIn }, { from: 'context' }, { from: 'signals', start: 0, length: nOutTotal }, { from: 'context' }]

    const inputScale = settings.run_args.input_scale
    const publicSignals: PublicSignalInfo[] = []
    modelOutputs.forEach((t, k) => {
      for (let i = 0; i < size(t.shape); i++)
        publicSignals.push({ kind: 'output', name: `${t.name}[${i}]`, index: i, scaleBits: settings.model_output_scales[k]! })
    })
    modelInputs.forEach((t, k) => {
      for (let i = 0; i < size(t.shape); i++) publicSignals.push({ kind: 'input', name: `${t.name}[${i}]`, index: i, scaleBits: settings.model_input_scales[k] ?? inputScale })
    })
    publicSignals.push({ kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' })

    progress({ stage: 'fidelity', message: `ezkl gen_witness vs onnxruntime-node on ${opts.calibration.length} samples` })
    const fidelity = await measureFidelity(opts, work, modelInputs, modelOutputs, settings, (s, ctx) => dataFile([s], [ctx]))

    progress({ stage: 'verifier', message: 'create_evm_verifier (Halo2), adapter, npm solc' })
    const made = await bridge.request('create_evm_verifier', {
      vk_path: out('vk.key'),
      settings_path: settingsPath,
      sol_code_path: join(work, 'Halo2Verifier.sol'),
      abi_path: join(work, 'Halo2Verifier.abi'),
      srs_path: out('kzg.srs'),
      reusable: false,
    })
    const halo2 = await readFile(made.sol_code_path, 'utf8')
    const contractName = `ZkmlEzklVerifier_${opts.name.replace(/[^A-Za-z0-9_]/g, '_')}`
    // The verifying key's hash for ezkl circuits: sha256 of ezkl's vk.key bytes. The adapter exposes it as
    // vkHash() and ModelRegistry checks it at registration, as for the R1CS backends.
    const vkHash = sha256Hex(await readFile(out('vk.key')))
    const adapter = ezklAdapterSolidity(contractName, { signals: publicSignals.length, inputScale, instances, vkHash })
    // One self-contained file, like the R1CS backend's Verifier.sol: ezkl's verifier, then the adapter.
    const verifierSource = `${halo2.trimEnd()}\n\n${adapter}`
    const compiled = compileSolidity({ 'Verifier.sol': verifierSource })
    const verifier = compiled[`Verifier.sol:${contractName}`]
    if (!verifier) throw new BaseError('SETUP_FAILED', `The adapter has no contract ${contractName}.`, { details: Object.keys(compiled).join(', ') })

    progress({ stage: 'write', message: `writing artifacts to ${opts.outDir}` })
    await writeFile(out('Verifier.sol'), verifierSource)
    await writeFile(out('Verifier.json'), JSON.stringify({ contractName, ...verifier }))
    const entry = async (file: string): Promise<ArtifactEntry> => {
      const bytes = await readFile(out(file))
      return { file, sha256: sha256Hex(bytes), bytes: bytes.length }
    }
    const artifacts = {
      onnx: await entry('model.onnx'),
      witnessProgram: await entry('network.ezkl'),
      zkey: await entry('pk.key'),
      vkey: await entry('vk.key'),
      settings: await entry('settings.json'),
      srs: await entry('kzg.srs'),
      verifier: await entry('Verifier.sol'),
      verifierBytecode: await entry('Verifier.json'),
    } as CircuitManifest['artifacts']
    const versions = await bridge.request('version', {})
    const vis = (v: unknown) => String(v).toLowerCase()
    const manifest: CircuitManifest = {
      manifestVersion: 1,
      name: opts.name,
      modelHash: sha256Hex(opts.onnx),
      circuitHash: artifacts.witnessProgram.sha256,
      backend: 'ezkl',
      curve: 'bn128',
      quantization: { scaleBits: inputScale, activationBits: settings.run_args.param_scale, sigmoid: 'proved', target: opts.target ?? 'resources' },
      inputs: modelInputs.map((t) => ({ name: t.name, shape: t.shape.map((d) => Math.max(1, d)) })),
      outputs: modelOutputs.map((t) => ({ name: t.name, shape: t.shape.map((d) => Math.max(1, d)) })),
      publicSignals,
      vkHash,
      postprocessing: { output: 'value', function: 'none' },
      constraints: settings.num_rows,
      wires: settings.total_assignments,
      fidelity,
      artifacts,
      tools: {
        zkml: zkmlVersion(),
        ezkl: versions.ezkl,
        'onnx (python)': versions.onnx,
        python: versions.python,
        solc: packageVersion('solc'),
        'onnxruntime-node': packageVersion('onnxruntime-node'),
        node: process.version,
      },
      createdAt: new Date().toISOString(),
      ezkl: {
        settings: {
          logrows,
          inputScale,
          paramScale: settings.run_args.param_scale,
          outputScales: settings.model_output_scales.slice(0, modelOutputs.length),
          inputVisibility: vis(settings.run_args.input_visibility),
          outputVisibility: vis(settings.run_args.output_visibility),
          paramVisibility: vis(settings.run_args.param_visibility),
        },
        context: { ...CONTEXT },
        instances,
        srs,
      },
    }
    await writeFile(out('manifest.json'), JSON.stringify(manifest, null, 2))
    progress({ stage: 'write', message: `done in ${((Date.now() - t0) / 1000).toFixed(1)} s` })
    return { manifest, dir: opts.outDir }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** ezkl's own witness (what the proof will carry) against onnxruntime-node's float32 outputs. */
async function measureFidelity(
  opts: EzklCompileOptions,
  work: string,
  inputs: { name: string; shape: number[] }[],
  outputs: { name: string; shape: number[] }[],
  settings: EzklSettings,
  dataFile: (sample: number[], ctx: number[]) => unknown,
): Promise<FidelityReport> {
  const bridge = ezklBridge()
  let max = 0
  let sum = 0
  let n = 0
  for (const sample of opts.calibration) {
    await writeFile(join(work, 'input.json'), JSON.stringify(dataFile(sample, contextLimbs(0n, 0n))))
    const w = await bridge.request('gen_witness', { data: join(work, 'input.json'), model: join(opts.outDir, 'network.ezkl'), output: join(work, 'witness.json') })
    const got = outputs.flatMap((_, k) => w.outputs[k]!.map((f) => Number(toSigned(feltToBigint(f))) / 2 ** settings.model_output_scales[k]!))
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {}
    let off = 0
    for (const t of inputs) {
      const len = size(t.shape)
      feeds[t.name] = { data: Float32Array.from(sample.slice(off, off + len)), dims: t.shape.map((d) => Math.max(1, d)) }
      off += len
    }
    const ref = await runOnnxruntime(opts.onnx, feeds)
    const want = outputs.flatMap((o) => Array.from(ref[o.name]!))
    want.forEach((r, j) => {
      const e = Math.abs(got[j]! - r)
      max = Math.max(max, e)
      sum += e
      n++
    })
  }
  const s = settings.model_output_scales[0] ?? settings.run_args.input_scale
  return { reference: 'onnxruntime-node (float32)', samples: opts.calibration.length, maxAbsError: max, meanAbsError: sum / n, tolerance: max * 1.5 + 2 ** -s }
}
