import { OP_CATALOG } from '../../compiler/onnx/opCatalog.ts' // not the onnx index: it loads onnxruntime
import { cliArgs } from '../args.ts'

const usage = 'zkml ops [--json]'

/**
 * @example
 * ```sh
 * npx zkml ops --json | jq '.ops.MaxPool'
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = cliArgs(argv, { json: { type: 'boolean' } }, usage)
  if (values.help) return console.log(usage), 0
  if (values.json) {
    console.log(JSON.stringify({ ops: OP_CATALOG }, null, 2))
    return 0
  }
  const rows = Object.entries(OP_CATALOG).map(([op, i]) => `${op.padEnd(20)} ${i.group.padEnd(11)} ${i.onConstants ? 'constants only' : i.constraints}`)
  console.log([`${'op'.padEnd(20)} ${'group'.padEnd(11)} constraints (s = scale bits, B = activation bits)`, ...rows].join('\n'))
  return 0
}
