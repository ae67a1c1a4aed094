import * as snarkjs from 'snarkjs'
import { BaseError } from '../../errors/index.ts'
import { captureLogger } from './logger.ts'
import type { Backend, SnarkProof } from './types.ts'

/**
 * Proves with a zkey and a full witness (`.wtns` bytes), all in memory. Public signals come back as
 * decimal strings in snarkjs order: outputs, then public inputs.
 * A witness that does not satisfy the circuit: Groth16 still returns a proof, which fails verification
 * (snarkjs does not check); PLONK throws `CIRCUIT_UNSATISFIED`. Call `checkWitness` first where a clear
 * error matters. `PROVE_FAILED` when the zkey is not a key of `backend` or the witness is of another circuit.
 *
 * @example
 * ```ts
 * import { prove } from './src/compiler/snark/index.ts'
 * const { proof, publicSignals } = await prove('groth16', zkey, wtnsBytes)
 * ```
 */
export async function prove(
  backend: Backend,
  zkey: Uint8Array,
  wtns: Uint8Array,
): Promise<{ proof: SnarkProof; publicSignals: string[] }> {
  const log = captureLogger()
  try {
    const r = backend === 'groth16' ? await snarkjs.groth16.prove(zkey, wtns, log) : await snarkjs.plonk.prove(zkey, wtns, log)
    if (!r || typeof r !== 'object' || !('proof' in r)) throw new Error(log.problems() || `snarkjs returned ${String(r)}`)
    return { proof: r.proof, publicSignals: r.publicSignals }
  } catch (e) {
    const msg = log.problems() || (e as Error).message
    // PLONK's prover divides by the vanishing polynomial; an unsatisfied witness makes that fail.
    if (/not divisible/i.test(msg))
      throw new BaseError('CIRCUIT_UNSATISFIED', `${backend} proving failed: the witness does not satisfy the circuit.`, {
        details: `expected a witness satisfying every constraint, got one that does not (${msg})`,
        cause: e,
      })
    throw new BaseError('PROVE_FAILED', `${backend} proving failed.`, {
      details: `expected a ${backend} zkey and a witness of its circuit: ${msg}`,
      cause: e,
    })
  }
}
