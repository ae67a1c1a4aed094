import * as snarkjs from 'snarkjs'
import { BaseError } from '../../errors/index.ts'
import { captureLogger } from './logger.ts'

/**
 * Checks a witness against the constraint system with snarkjs (`wtns check`): true when every
 * constraint A·B = C holds. A witness with a different number of wires than the circuit is false.
 * Throws `WITNESS_INVALID` when the bytes are not `.r1cs` / `.wtns` files snarkjs can read.
 *
 * @example
 * ```ts
 * import { checkWitness } from './src/compiler/snark/index.ts'
 * import { writeR1cs, writeWtns } from './src/compiler/r1cs/index.ts'
 * const ok = await checkWitness(writeR1cs(system), writeWtns(witness))
 * ```
 */
export async function checkWitness(r1cs: Uint8Array, wtns: Uint8Array): Promise<boolean> {
  const nWires = headerU32(r1cs, 'r1cs', 1, 4 + 32) // after n8 and the prime
  const nWitness = headerU32(wtns, 'wtns', 1, 4 + 32)
  if (nWires !== nWitness) return false
  const log = captureLogger()
  try {
    return (await snarkjs.wtns.check(r1cs, wtns, log)) === true
  } catch (e) {
    throw new BaseError('WITNESS_INVALID', 'snarkjs could not check the witness.', {
      details: log.problems() || (e as Error).message,
      cause: e,
    })
  }
}

/** Reads a u32 at `offset` inside section `type` of an iden3 binary file. */
function headerU32(bytes: Uint8Array, magic: string, type: number, offset: number): number {
  const fail = (got: string) =>
    new BaseError('WITNESS_INVALID', `Not a readable .${magic} file.`, { details: `expected a .${magic} file with section ${type}, got ${got}` })
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== magic)
    throw fail(`magic ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, 4)))}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 12
  for (let i = 0; i < view.getUint32(8, true) && pos + 12 <= bytes.length; i++) {
    const t = view.getUint32(pos, true)
    const len = Number(view.getBigUint64(pos + 4, true))
    if (t === type) {
      if (offset + 4 > len || pos + 12 + offset + 4 > bytes.length) throw fail('a truncated header')
      return view.getUint32(pos + 12 + offset, true)
    }
    pos += 12 + len
  }
  throw fail(`no section ${type}`)
}
