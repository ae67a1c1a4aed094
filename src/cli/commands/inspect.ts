import { readFileSync } from 'node:fs'
import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage = 'zkml inspect model.onnx [--calibrate samples.json] [--json]'

function read(path: string, what: string, code: 'ONNX_MALFORMED' | 'CALIBRATION_INVALID'): Buffer {
  try {
    return readFileSync(path)
  } catch (cause) {
    throw new BaseError(code, `Could not read ${what} ${path}.`, { details: `expected a readable ${what}`, cause })
  }
}

/**
 * Exit code 0 when the model compiles, 1 when some op is refused (all of them are listed).
 *
 * @example
 * ```sh
 * npx zkml inspect models/tiny-conv/model.onnx
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(argv, { calibrate: { type: 'string' }, json: { type: 'boolean' } }, usage)
  if (values.help) return console.log(usage), 0
  const bytes = read(required(positionals[0], 'the ONNX model path', usage), 'ONNX model', 'ONNX_MALFORMED')
  let samples: number[][] | undefined
  if (values.calibrate) {
    try {
      samples = JSON.parse(read(values.calibrate, 'calibration samples', 'CALIBRATION_INVALID').toString('utf8'))
    } catch (cause) {
      if (cause instanceof BaseError) throw cause
      throw new BaseError('CALIBRATION_INVALID', `Could not parse ${values.calibrate}.`, { details: 'expected a JSON array of input arrays', cause })
    }
  }
  const { inspectModel } = await import('../../compiler/inspectModel.ts') // after --help: it loads the ONNX front end
  const report = inspectModel(bytes, samples)
  const ok = Object.keys(report.unsupported).length === 0 && !report.error
  if (values.json) {
    console.log(JSON.stringify(report, null, 2))
    return ok ? 0 : 1
  }
  const f = report.fidelity
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toPrecision(2)}%`)
  const lines = [`${'node'.padEnd(28)} ${'op'.padEnd(20)} ${'status'.padEnd(15)} ${'constraints'.padEnd(11)}${f ? ' error vs range' : ''}`]
  for (const n of report.nodes)
    lines.push(`${n.name.slice(0, 28).padEnd(28)} ${n.op.padEnd(20)} ${n.status.padEnd(15)} ${f ? `${String(n.constraints ?? '—').padEnd(11)} ${pct(n.relError)}` : (n.constraints ?? '—')}`)
  if (report.params)
    lines.push('', `scale 2^${report.params.scaleBits}, ${report.params.activationBits}-bit activations (${report.params.calibrated ? 'calibrated' : 'estimate without samples; pass --calibrate'})`)
  if (report.total !== undefined) lines.push(`total ${report.total} constraints (${report.overhead} for input range checks, outputs and context)`)
  if (f)
    lines.push(
      `outputs' max |error| ${f.maxAbsError.toPrecision(3)} vs tolerance ${f.tolerance.toPrecision(3)} (${pct(f.relBudget)} of their range): ` +
        (f.exceeded ? `zkml compile refuses it (FIDELITY_EXCEEDED): precision is lost at ${f.exceeded.op} "${f.exceeded.node}"` : 'within'),
    )
  if (!ok) {
    const list = Object.entries(report.unsupported).map(([op, n]) => `${op} ×${n}`).join(', ')
    lines.push('', `not compilable: ${list || report.error}`)
  }
  console.log(lines.join('\n'))
  return ok ? 0 : 1
}
