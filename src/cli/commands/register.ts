import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

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
  const { readCircuitUpload, registerCircuit } = await import('../../network/registerCircuit.ts')
  const apiKey = process.env.ZKML_API_KEY
  if (!apiKey) throw new BaseError('INPUT_INVALID', 'No API key.', { details: `expected ZKML_API_KEY in the environment; usage: ${usage}` })
  const dir = required(positionals[0], 'the circuit directory', usage)
  try {
    const apiUrl = new URL(values.api)
    if (apiUrl.protocol !== 'http:' && apiUrl.protocol !== 'https:') throw new Error(`protocol ${apiUrl.protocol}`)
  } catch {
    throw new BaseError('INPUT_INVALID', 'Bad --api URL.', { details: `expected an http(s) URL, got ${JSON.stringify(values.api)}` })
  }
  await readCircuitUpload(dir, 0).catch((e: unknown) => {
    if (e instanceof SyntaxError) throw new BaseError('MANIFEST_INVALID', `${dir}/manifest.json is not JSON.`, { details: `expected the manifest zkml compile wrote, got: ${e.message}` })
    throw registerError(e, values.api, dir)
  })
  const { id, created, streamed } = await registerCircuit({ apiUrl: values.api, apiKey, dir }).catch((e: unknown) => {
    throw registerError(e, values.api, dir)
  })
  console.log(`${created ? 'registered' : 'already registered'}: circuit ${id}${streamed.length ? ` (streamed: ${streamed.join(', ')})` : ''}`)
  return 0
}

/** registerCircuit's low-level failures (fetch, fs, JSON) as coded errors naming what was expected. */
function registerError(e: unknown, api: string, dir: string): BaseError {
  if (e instanceof BaseError) return e
  const err = e as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } }
  if (err?.code === 'ENOENT' || err?.code === 'EISDIR' || err?.code === 'ENOTDIR')
    return new BaseError('ARTIFACT_NOT_FOUND', `No compiled circuit in ${dir}.`, {
      details: `expected ${dir}/manifest.json and the artifacts it lists (zkml compile --out ${dir}), got ${err.code} for ${err.path ?? dir}`,
    })
  // The manifest was read first, so a SyntaxError here is the API's reply.
  if (e instanceof SyntaxError)
    return new BaseError('PROVER_API_ERROR', `The network at ${api} did not answer with JSON.`, { details: `expected a JSON reply from POST /circuits, got: ${e.message}` })
  if (e instanceof TypeError && /fetch failed/i.test(e.message))
    return new BaseError('PROVER_API_ERROR', `Could not reach the prover network at ${api}.`, {
      details: `expected an API answering at ${api}/circuits (is zkml serve running?), got ${err.cause?.code ?? err.cause?.message ?? e.message}`,
    })
  return new BaseError('PROVER_API_ERROR', `Registering ${dir} with ${api} failed.`, { details: `expected 200/201 from POST /circuits, got ${(e as Error)?.message ?? String(e)}` })
}
