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
  // After --help, and not the compiler's index (that would load onnxruntime for compileModel).
  const { loadCircuit } = await import('../../compiler/loadCircuit.ts')
  const { verifyInference } = await import('../../compiler/proveInference.ts')
  const { terminateSnark } = await import('../../compiler/snark/index.ts')
  const circuit = await loadCircuit(required(positionals[0], 'the circuit directory', usage))
  let doc: { proof?: unknown; publicSignals?: unknown }
  try {
    doc = JSON.parse(readFileSync(required(positionals[1], 'the proof file', usage), 'utf8'))
  } catch (cause) {
    throw new BaseError('INPUT_INVALID', `Could not read ${positionals[1]}.`, { details: 'expected the JSON written by zkml prove', cause })
  }
  if (!doc.proof || !Array.isArray(doc.publicSignals))
    throw new BaseError('INPUT_INVALID', 'The proof file lacks proof or publicSignals.', { details: 'expected { proof, publicSignals } as written by zkml prove' })
  try {
    const ok = await verifyInference(circuit, doc.proof as Record<string, unknown>, doc.publicSignals as string[])
    console.log(ok ? 'proof OK' : 'proof INVALID')
    return ok ? 0 : 1
  } finally {
    await terminateSnark()
  }
}
