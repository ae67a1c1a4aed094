import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage =
  'zkml compile model.onnx --calibrate samples.json --backend groth16|plonk --out dir/ [--name NAME] [--sigmoid proved|outside] [--target resources|accuracy] [--tolerance X] [--ptau FILE] [--production]'

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
    },
    usage,
  )
  if (values.help) return console.log(usage), 0
  // After --help: the compiler pulls in the ONNX front end, onnxruntime and snarkjs.
  const { compileModel } = await import('../../compiler/index.ts')
  const model = required(positionals[0], 'the ONNX model path', usage)
  const backend = values.backend
  if (backend !== 'groth16' && backend !== 'plonk')
    throw new BaseError('INPUT_INVALID', 'Unknown backend.', { details: `expected groth16 or plonk, got ${backend}` })
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
      `circuit hash ${manifest.circuitHash}`,
      `ptau         ${manifest.ptau!.sha256} (${manifest.ptau!.contributors.length} contributions${manifest.ptau!.testOnly ? ', TEST ONLY' : ''})`,
      `written to   ${values.out}/manifest.json`,
    ].join('\n'),
  )
  return 0
}
