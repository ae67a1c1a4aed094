import { readFileSync } from 'node:fs'
import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage = 'zkml verify <circuit-dir> proof.json'

/**
 * Exit code 0 when the proof verifies, 1 when it does not.
 *
 * @example
 * ```sh
 * npx zkml verify out/pool-risk proof.json
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(argv, {}, usage)
  if (values.help) return console.log(usage), 0
  // After --help: the engine follows the manifest (snarkjs or the native prover for groth16/plonk, the ezkl
  // wheel for ezkl), and is imported lazily so --help never loads a prover.
  const { backendEngine } = await import('../../prover/index.ts')
  const engine = backendEngine()
  const circuit = await engine.load(required(positionals[0], 'the circuit directory', usage))
  let doc: { proof?: unknown; publicSignals?: unknown }
  try {
    doc = JSON.parse(readFileSync(required(positionals[1], 'the proof file', usage), 'utf8'))
  } catch (cause) {
    throw new BaseError('INPUT_INVALID', `Could not read ${positionals[1]}.`, { details: 'expected the JSON written by zkml prove', cause })
  }
  if (!doc.proof || !Array.isArray(doc.publicSignals))
    throw new BaseError('INPUT_INVALID', 'The proof file lacks proof or publicSignals.', { details: 'expected { proof, publicSignals } as written by zkml prove' })
  try {
    const ok = await engine.verify(circuit, doc.proof, doc.publicSignals as string[])
    console.log(ok ? 'proof OK' : 'proof INVALID')
    return ok ? 0 : 1
  } finally {
    await engine.terminate?.()
  }
}
