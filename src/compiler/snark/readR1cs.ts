import { readR1cs as readR1csFile } from 'r1csfile'
import { BaseError } from '../../errors/index.ts'
import type { LcTerms, R1csData } from '../r1cs/types.ts'

/**
 * Reads `.r1cs` bytes with iden3's own reader (r1csfile, what snarkjs uses) back into `R1csData`,
 * coefficients as standard-form bigints, terms by ascending wire. An independent check of `writeR1cs`
 * and a way to inspect circuits made by other tools (circom).
 *
 * @example
 * ```ts
 * import { readR1cs } from './src/compiler/snark/index.ts'
 * const system = await readR1cs(r1csBytes)
 * console.log(system.constraints.length)
 * ```
 */
export async function readR1cs(r1cs: Uint8Array): Promise<R1csData> {
  let r
  try {
    // singleThread: a one-off read should not spin up the worker pool.
    r = await readR1csFile({ type: 'mem', data: r1cs }, { loadConstraints: true, loadMap: true, loadCustomGates: false, singleThread: true })
  } catch (e) {
    throw new BaseError('R1CS_INVALID', 'Cannot read the .r1cs file.', { details: (e as Error).message, cause: e })
  }
  const F = r.F
  const lc = (o: Record<string, unknown>): LcTerms =>
    Object.keys(o)
      .map((k) => [Number(k), F.toObject(o[k])] as const)
      .sort((a, b) => a[0] - b[0])
  return {
    prime: r.prime,
    nWires: r.nVars,
    nPubOut: r.nOutputs,
    nPubIn: r.nPubInputs,
    nPrvIn: r.nPrvInputs,
    nLabels: Number(r.nLabels),
    constraints: r.constraints.map(([a, b, c]) => [lc(a), lc(b), lc(c)] as const),
    wireToLabel: (r.map ?? []).map(Number),
  }
}
