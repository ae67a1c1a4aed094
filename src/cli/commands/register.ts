import { BaseError } from '../../errors/index.ts'
import { registerCircuit } from '../../network/registerCircuit.ts'
import { cliArgs, required } from '../args.ts'

export const summary = 'register a compiled circuit with a prover network (the model owner\'s path)'
const usage = 'zkml register <circuit-dir> [--api http://127.0.0.1:8080] (API key from ZKML_API_KEY)'

/**
 * @example
 * ```sh
 * ZKML_API_KEY=secret npx zkml register out/pool-risk --api http://127.0.0.1:8080
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(argv, { api: { type: 'string', default: process.env.ZKML_API_URL ?? 'http://127.0.0.1:8080' } }, usage)
  if (values.help) return console.log(usage), 0
  const apiKey = process.env.ZKML_API_KEY
  if (!apiKey) throw new BaseError('INPUT_INVALID', 'No API key.', { details: `expected ZKML_API_KEY in the environment; usage: ${usage}` })
  const { id, created } = await registerCircuit({ apiUrl: values.api, apiKey, dir: required(positionals[0], 'the circuit directory', usage) })
  console.log(`${created ? 'registered' : 'already registered'}: circuit ${id}`)
  return 0
}
