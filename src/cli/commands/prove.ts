import { readFileSync, writeFileSync } from 'node:fs'
import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage = 'zkml prove <circuit-dir> --input input.json [--subject N] [--round N] [--out proof.json]'

/**
 * @example
 * ```sh
 * npx zkml prove out/pool-risk --input input.json --subject 1 --round 1 --out proof.json
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(
    argv,
    { input: { type: 'string' }, subject: { type: 'string', default: '0' }, round: { type: 'string', default: '0' }, out: { type: 'string' } },
    usage,
  )
  if (values.help) return console.log(usage), 0
  // After --help: the engine follows the manifest (snarkjs or the native prover for groth16/plonk, the ezkl
  // wheel for ezkl), and is imported lazily so --help never loads a prover.
  const { backendEngine } = await import('../../prover/index.ts')
  const engine = backendEngine()
  const circuit = await engine.load(required(positionals[0], 'the circuit directory', usage))
  let input: unknown
  try {
    input = JSON.parse(readFileSync(required(values.input, '--input input.json', usage), 'utf8'))
  } catch (cause) {
    throw new BaseError('INPUT_INVALID', `Could not read ${values.input}.`, { details: 'expected a JSON array of numbers', cause })
  }
  const toBig = (v: string, name: string) => {
    try {
      return BigInt(v)
    } catch (cause) {
      throw new BaseError('INPUT_INVALID', `Bad ${name}.`, { details: `expected an unsigned integer (decimal or 0x hex), got ${v}`, cause })
    }
  }
  const t = Date.now()
  try {
    const res = await engine.prove(circuit, input as number[], { subject: toBig(values.subject, '--subject'), round: toBig(values.round, '--round') })
    const ok = await engine.verify(circuit, res.proof, res.publicSignals)
    const out = values.out ?? 'proof.json'
    const { circuitId } = await import('../../compiler/circuitId.ts')
    writeFileSync(out, JSON.stringify({ backend: circuit.manifest.backend, circuitId: circuitId(circuit.manifest), ...res }, null, 1))
    console.log(`proved in ${((Date.now() - t) / 1000).toFixed(2)} s, self-check ${ok ? 'ok' : 'FAILED'}; outputs [${res.outputs.map((x) => x.toFixed(4)).join(', ')}] → ${out}`)
    return ok ? 0 : 1
  } finally {
    await engine.terminate?.()
  }
}
