import { BaseError, type ErrorCode } from '../../../errors/index.ts'

const passThrough = new Set<string>(['NATIVE_KEY_INVALID', 'NATIVE_KEY_MISMATCH', 'CIRCUIT_UNSATISFIED', 'WITNESS_INVALID', 'ENGINE_BACKEND_UNSUPPORTED', 'VKEY_INVALID', 'PUBLIC_SIGNALS_INVALID', 'GPU_UNAVAILABLE', 'GPU_FAILED'])

const titles: Record<string, string> = {
  NATIVE_KEY_INVALID: 'The native prover cannot read this proving key.',
  NATIVE_KEY_MISMATCH: 'The witness or constraint system is not of this proving key\'s circuit.',
  CIRCUIT_UNSATISFIED: 'groth16 proving refused: the witness does not satisfy the circuit.',
  WITNESS_INVALID: 'The native prover cannot read this witness.',
  ENGINE_BACKEND_UNSUPPORTED: 'The native engine proves Groth16 only.',
  VKEY_INVALID: 'The native verifier cannot read this verification key.',
  PUBLIC_SIGNALS_INVALID: 'The native verifier got another number of public signals than the key has.',
  GPU_UNAVAILABLE: 'The GPU prover found no CUDA device.',
  GPU_FAILED: 'A CUDA call of the GPU prover failed.',
}

/**
 * Turns the addon's `Error("CODE: details")` into the project's `BaseError` with that code;
 * anything else (a panic, an unknown code) becomes `PROVE_FAILED`.
 *
 * @example
 * ```ts
 * import { nativeError } from './src/prover/engines/native/index.ts'
 * nativeError(new Error('NATIVE_KEY_MISMATCH: expected 7 wires, got 9')).code // 'NATIVE_KEY_MISMATCH'
 * ```
 */
export function nativeError(e: unknown): BaseError {
  if (e instanceof BaseError) return e
  const msg = e instanceof Error ? e.message : String(e)
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(msg)
  if (m && passThrough.has(m[1]!)) return new BaseError(m[1] as ErrorCode, titles[m[1]!]!, { details: m[2]!, cause: e })
  return new BaseError('PROVE_FAILED', 'The native prover failed.', { details: `expected a proof, got: ${msg}`, cause: e })
}
