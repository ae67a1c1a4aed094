/*
 * iden3 `.wtns` binary format, version 2, as circom's witness calculators write it and snarkjs reads it.
 * All integers are little-endian; field elements are n8 = 32 bytes LE in standard (not Montgomery) form.
 *
 *   offset  size  field
 *   0       4     magic "wtns" (77 74 6e 73)
 *   4       4     u32 version = 2
 *   8       4     u32 nSections = 2
 *   then each section: u32 type, u64 byte size, body
 *
 *   section 1, header (40 bytes)
 *     u32   n8 = 32
 *     n8    prime P, LE
 *     u32   nWitness
 *   section 2, values: nWitness × n8 bytes LE, in wire order (wire 0 = 1 first)
 */
import { BaseError } from '../../errors/index.ts'
import { P } from '../field.ts'
import { writeLe } from './writeR1cs.ts'

const N8 = 32

/**
 * Serialises a full witness (every wire, wire 0 = 1) to the `.wtns` binary snarkjs proves from.
 * Values must already be reduced into [0, P): silently reducing here would hide a witness bug.
 *
 * @example
 * ```ts
 * import { writeWtns } from './src/compiler/r1cs/index.ts'
 * const bytes = writeWtns([1n, 9n, 3n]) // one, y = 9, x = 3
 * console.log(bytes.length) // 12 + 52 + 12 + 96 = 172
 * ```
 */
export function writeWtns(witness: readonly bigint[], prime: bigint = P): Uint8Array {
  const fail = (what: string, got: unknown) =>
    new BaseError('WITNESS_INVALID', `Witness is invalid: ${what}.`, {
      details: `expected ${what}, got ${typeof got === 'bigint' ? got.toString() : JSON.stringify(got)}`,
    })
  if (prime !== P) throw fail('the BN254 scalar field prime', prime)
  if (witness.length === 0 || witness[0] !== 1n) throw fail('wire 0 (the constant one) = 1', witness[0])
  if (witness.length > 0xffffffff) throw fail('at most 2^32-1 values', witness.length)
  witness.forEach((v, i) => {
    if (typeof v !== 'bigint' || v < 0n || v >= prime) throw fail(`witness[${i}] in [0, P)`, v)
  })

  const headerSize = 4 + N8 + 4
  const valuesSize = N8 * witness.length
  const out = new Uint8Array(12 + 12 + headerSize + 12 + valuesSize)
  const view = new DataView(out.buffer)
  let pos = 0
  const u32 = (v: number) => { view.setUint32(pos, v, true); pos += 4 }
  const u64 = (v: number) => { view.setBigUint64(pos, BigInt(v), true); pos += 8 }

  out.set([0x77, 0x74, 0x6e, 0x73], 0) // "wtns"
  pos = 4
  u32(2)
  u32(2)
  u32(1); u64(headerSize)
  u32(N8); writeLe(out, pos, prime, N8); pos += N8
  u32(witness.length)
  u32(2); u64(valuesSize)
  for (const v of witness) { writeLe(out, pos, v, N8); pos += N8 }
  return out
}
