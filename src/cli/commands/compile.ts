import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { BaseError } from '../../errors/index.ts'
import type { CircuitManifest } from '../../compiler/manifest.ts'
import { cliArgs, required } from '../args.ts'

const usage =
  'zkml compile model.onnx --calibrate samples.json --backend groth16|plonk|ezkl --out dir/ [--name NAME] [--sigmoid proved|outside] [--target resources|accuracy] [--tolerance X] [--ptau FILE] [--production] [ezkl: --srs FILE] [--max-logrows N]'

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new BaseError('CALIBRATION_INVALID', `Could not read ${what} ${path}.`, { details: 'expected a readable JSON file', cause })
  }
}

/**
 * @example
 * ```sh
 * npx zkml compile models/pool-risk/model.onnx --calibrate models/pool-risk/samples.json --backend groth16 --out out/pool-risk
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(
    argv,
    {
      calibrate: { type: 'string' },
      backend: { type: 'string', default: 'groth16' },
      out: { type: 'string' },
      name: { type: 'string' },
      sigmoid: { type: 'string', default: 'proved' },
      target: { type: 'string', default: 'resources' },
      tolerance: { type: 'string' },
      ptau: { type: 'string' },
      production: { type: 'boolean', default: false },
      srs: { type: 'string' },
      'max-logrows': { type: 'string' },
    },
    usage,
  )
  if (values.help) return console.log(usage), 0
  // After --help: the compiler pulls in the ONNX front end, onnxruntime and snarkjs.
  const { compileModel } = await import('../../compiler/index.ts')
  const model = required(positionals[0], 'the ONNX model path', usage)
  const backend = values.backend
  if (backend !== 'groth16' && backend !== 'plonk' && backend !== 'ezkl')
    throw new BaseError('INPUT_INVALID', 'Unknown backend.', { details: `expected groth16, plonk or ezkl, got ${backend}` })
  if (values.sigmoid !== 'proved' && values.sigmoid !== 'outside')
    throw new BaseError('INPUT_INVALID', 'Unknown sigmoid mode.', { details: `expected proved or outside, got ${values.sigmoid}` })
  if (values.target !== 'resources' && values.target !== 'accuracy')
    throw new BaseError('INPUT_INVALID', 'Unknown calibration target.', { details: `expected resources or accuracy, got ${values.target}` })
  let onnx: Uint8Array
  try {
    onnx = readFileSync(model)
  } catch (cause) {
    throw new BaseError('ONNX_MALFORMED', `Could not read ${model}.`, { details: 'expected a readable .onnx file', cause })
  }
  const started = Date.now()
  let stageStart = started
  if (backend === 'ezkl') return compileWithEzkl(onnx, model, values, started)
  const { manifest, calibration } = await compileModel({
    onnx,
    name: values.name ?? basename(model).replace(/\.onnx$/, ''),
    calibration: readJson(required(values.calibrate, '--calibrate samples.json', usage), 'calibration samples') as number[][],
    backend,
    outDir: required(values.out, '--out dir', usage),
    sigmoid: values.sigmoid,
    target: values.target,
    ...(values.tolerance ? { tolerance: Number(values.tolerance) } : {}),
    ...(values.ptau ? { ptauPath: values.ptau } : {}),
    production: values.production,
    // Loud on purpose: keys from the test ptau look exactly like real ones.
    onWarning: (message) => process.stderr.write(`\n${'!'.repeat(78)}\n!! WARNING: ${message}\n${'!'.repeat(78)}\n\n`),
    onProgress: (p) => {
      const now = Date.now()
      process.stderr.write(`[${((now - started) / 1000).toFixed(1).padStart(6)} s] ${p.stage.padEnd(9)} ${p.message}\n`)
      stageStart = now
    },
  })
  void stageStart
  const f = manifest.fidelity
  console.log(
    [
      `circuit      ${manifest.name} (${manifest.backend})`,
      `constraints  ${manifest.constraints}   wires ${manifest.wires}   public signals ${manifest.publicSignals.length}`,
      `fixed point  scale 2^${manifest.quantization.scaleBits}, ${manifest.quantization.activationBits}-bit activations (target ${calibration.target}, tolerance ${calibration.tolerance.toPrecision(3)})`,
      `fidelity     max |error| ${f.maxAbsError.toPrecision(3)}, mean ${f.meanAbsError.toPrecision(3)} vs ${f.reference} on ${f.samples} samples`,
      ...(f.layers ? [`layers       ${worstLayers(f.layers)}`] : []),
      `circuit id   ${(await import('../../compiler/circuitId.ts')).circuitId(manifest)} (sha256 of the canonical manifest: the id the network, registry, market and oracle use)`,
      `r1cs sha256  ${manifest.circuitHash}`,
      `ptau         ${manifest.ptau!.sha256} (${manifest.ptau!.contributors.length} contributions${manifest.ptau!.testOnly ? ', TEST ONLY' : ''})`,
      `written to   ${values.out}/manifest.json`,
    ].join('\n'),
  )
  return 0
}

/** The three tensors with the largest error relative to their range, and the budget: where the precision goes. */
function worstLayers(l: NonNullable<CircuitManifest['fidelity']['layers']>): string {
  const pct = (x: number) => `${(100 * x).toPrecision(2)}%`
  const top = [...l.tensors].sort((a, b) => b.relError - a.relError).slice(0, 3)
  return `largest error vs range: ${top.map((t) => `${t.op} "${t.node}" ${pct(t.relError)}`).join(', ')} (the outputs' tolerance is ${pct(l.relBudget)} of their range; ${l.samples} samples; manifest fidelity.layers)`
}

/** `--backend ezkl`: the ezkl wheel (Halo2/KZG) compiles the model; same manifest, same prove/verify. */
async function compileWithEzkl(
  onnx: Uint8Array,
  model: string,
  values: { calibrate?: string | undefined; out?: string | undefined; name?: string | undefined; target: string; srs?: string | undefined; 'max-logrows'?: string | undefined },
  started: number,
): Promise<number> {
  const { compileEzkl } = await import('../../compiler/ezkl/index.ts')
  const maxLogrows = values['max-logrows'] === undefined ? undefined : Number(values['max-logrows'])
  if (maxLogrows !== undefined && !Number.isInteger(maxLogrows))
    throw new BaseError('INPUT_INVALID', 'Bad --max-logrows.', { details: `expected an integer in [8, 26], got ${values['max-logrows']}` })
  const { manifest } = await compileEzkl({
    onnx,
    name: values.name ?? basename(model).replace(/\.onnx$/, ''),
    calibration: readJson(required(values.calibrate, '--calibrate samples.json', usage), 'calibration samples') as number[][],
    outDir: required(values.out, '--out dir', usage),
    target: values.target as 'resources' | 'accuracy',
    ...(maxLogrows !== undefined ? { maxLogrows } : {}),
    ...(values.srs ? { srsPath: values.srs } : {}),
    onProgress: (p) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${p.stage.padEnd(9)} ${p.message}\n`),
  })
  const f = manifest.fidelity
  const e = manifest.ezkl!
  console.log(
    [
      `circuit      ${manifest.name} (ezkl ${manifest.tools.ezkl}, Halo2/KZG)`,
      `rows         ${manifest.constraints} of 2^${e.settings.logrows}   public signals ${manifest.publicSignals.length}`,
      `fixed point  input scale 2^${e.settings.inputScale}, param scale 2^${e.settings.paramScale} (target ${manifest.quantization.target})`,
      `fidelity     max |error| ${f.maxAbsError.toPrecision(3)}, mean ${f.meanAbsError.toPrecision(3)} vs ${f.reference} on ${f.samples} samples`,
      `srs          ${e.srs.provenance === 'testOnly' ? 'TEST ONLY (gen_srs on this machine; use --srs with a ceremony file for production)' : e.srs.source}`,
      `circuit id   ${(await import('../../compiler/circuitId.ts')).circuitId(manifest)} (sha256 of the canonical manifest: the id the network, registry, market and oracle use)`,
      `ezkl sha256  ${manifest.circuitHash} (network.ezkl)`,
      `written to   ${values.out}/manifest.json`,
    ].join('\n'),
  )
  return 0
}
