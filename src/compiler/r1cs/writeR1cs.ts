/*
 * iden3 `.r1cs` binary format, version 1, as circom writes it and r1csfile/snarkjs read it.
 * All integers are little-endian. Field elements are n8 = 32 bytes, little-endian, in STANDARD form
 * (not Montgomery): r1csfile converts them on read.
 *
 *   offset  size  field
 *   0       4     magic "r1cs" (72 31 63 73)
 *   4       4     u32 version = 1
 *   8       4     u32 nSections = 3
 *   then each section: u32 type, u64 byte size, body
 *
 *   section 1, header (64 bytes)
 *     u32   n8 = 32
 *     n8    prime P, LE
 *     u32   nWires        (including wire 0, the constant one)
 *     u32   nPubOut
 *     u32   nPubIn
 *     u32   nPrvIn
 *     u64   nLabels
 *     u32   mConstraints
 *   section 2, constraints: mConstraints times, A then B then C, each linear combination as
 *     u32   nTerms
 *     nTerms × (u32 wireId, n8 coeff LE)
 *   section 3, wire → label map: nWires × u64 labelId
 *
 * Sections are written in type order 1, 2, 3 (readers look them up by type, so order is only a convention).
 */
import { BaseError } from '../../errors/index.ts'
import { P } from '../field.ts'
import type { LcTerms, R1csData } from './types.ts'

const N8 = 32

/**
 * Serialises a constraint system to the `.r1cs` binary that snarkjs reads. Checks the system first
 * (counts, wire ids, strictly ascending wires per linear combination, coefficients in [1, P)) so a
 * compiler bug is a clear `R1CS_INVALID` rather than a key that silently proves something else.
 *
 * @example
 * ```ts
 * import { writeR1cs } from './src/compiler/r1cs/index.ts'
 * import { P } from './src/compiler/field.ts'
 * // x * x = y: wire 1 = y (public output), wire 2 = x (private input)
 * const bytes = writeR1cs({
 *   prime: P, nWires: 3, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: 3,
 *   constraints: [[[[2, 1n]], [[2, 1n]], [[1, 1n]]]], wireToLabel: [0, 1, 2],
 * })
 * console.log(new TextDecoder().decode(bytes.subarray(0, 4))) // 'r1cs'
 * ```
 */
export function writeR1cs(data: R1csData): Uint8Array {
  validate(data)
  const lcBytes = (lc: LcTerms) => 4 + lc.length * (4 + N8)
  let constraintsSize = 0
  for (const [a, b, c] of data.constraints) constraintsSize += lcBytes(a) + lcBytes(b) + lcBytes(c)
  const headerSize = 4 + N8 + 4 * 4 + 8 + 4
  const mapSize = 8 * data.nWires
  const total = 12 + (12 + headerSize) + (12 + constraintsSize) + (12 + mapSize)

  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  let pos = 0
  const u32 = (v: number) => { view.setUint32(pos, v, true); pos += 4 }
  const u64 = (v: number | bigint) => { view.setBigUint64(pos, BigInt(v), true); pos += 8 }
  const fe = (v: bigint) => { writeLe(out, pos, v, N8); pos += N8 }

  out.set([0x72, 0x31, 0x63, 0x73], 0) // "r1cs"
  pos = 4
  u32(1)
  u32(3)

  u32(1); u64(headerSize)
  u32(N8); fe(data.prime)
  u32(data.nWires); u32(data.nPubOut); u32(data.nPubIn); u32(data.nPrvIn)
  u64(data.nLabels); u32(data.constraints.length)

  u32(2); u64(constraintsSize)
  for (const constraint of data.constraints)
    for (const lc of constraint) {
      u32(lc.length)
      for (const [wire, coeff] of lc) { u32(wire); fe(coeff) }
    }

  u32(3); u64(mapSize)
  for (const label of data.wireToLabel) u64(label)

  if (pos !== total) throw new Error(`writeR1cs: wrote ${pos} bytes, sized ${total}`) // internal invariant
  return out
}

/**
 * Writes `v` (0 <= v < 2^(8n)) as n little-endian bytes at `pos`; shared by the `.wtns` writer.
 *
 * @example
 * ```ts
 * import { writeLe } from './src/compiler/r1cs/writeR1cs.ts'
 * const b = new Uint8Array(4)
 * writeLe(b, 0, 0x0102n, 4) // b = 02 01 00 00
 * ```
 */
export function writeLe(out: Uint8Array, pos: number, v: bigint, n: number): void {
  let x = v
  for (let i = 0; i < n; i++) {
    out[pos + i] = Number(x & 0xffn)
    x >>= 8n
  }
}

function validate(d: R1csData): void {
  const fail = (what: string, got: unknown, meta?: Record<string, unknown>) =>
    new BaseError('R1CS_INVALID', `Constraint system is invalid: ${what}.`, {
      details: `expected ${what}, got ${typeof got === 'bigint' ? got.toString() : JSON.stringify(got)}`,
      meta,
    })
  if (d.prime !== P) throw fail('the BN254 scalar field prime', d.prime)
  for (const k of ['nWires', 'nPubOut', 'nPubIn', 'nPrvIn', 'nLabels'] as const)
    if (!Number.isSafeInteger(d[k]) || d[k] < 0 || (k !== 'nLabels' && d[k] > 0xffffffff))
      throw fail(`${k} as a non-negative integer`, d[k])
  if (1 + d.nPubOut + d.nPubIn + d.nPrvIn > d.nWires)
    throw fail(`1 + nPubOut + nPubIn + nPrvIn <= nWires (${d.nWires})`, 1 + d.nPubOut + d.nPubIn + d.nPrvIn)
  if (d.nLabels < d.nWires) throw fail(`nLabels >= nWires (${d.nWires})`, d.nLabels)
  if (d.wireToLabel.length !== d.nWires) throw fail(`wireToLabel of length nWires (${d.nWires})`, d.wireToLabel.length)
  for (let w = 0; w < d.nWires; w++) {
    const l = d.wireToLabel[w]!
    if (!Number.isSafeInteger(l) || l < 0 || l >= d.nLabels) throw fail(`wireToLabel[${w}] in [0, nLabels)`, l)
  }
  if (d.constraints.length > 0xffffffff) throw fail('at most 2^32-1 constraints', d.constraints.length)
  d.constraints.forEach((constraint, ci) => {
    if (constraint.length !== 3) throw fail(`constraint ${ci} as [a, b, c]`, constraint.length, { constraint: ci })
    constraint.forEach((lc, li) => {
      let prev = -1
      lc.forEach(([wire, coeff], ti) => {
        const where = `constraint ${ci} ${'abc'[li]} term ${ti}`
        if (!Number.isInteger(wire) || wire < 0 || wire >= d.nWires)
          throw fail(`${where} wire in [0, ${d.nWires})`, wire, { constraint: ci })
        if (wire <= prev) throw fail(`${where} wire above ${prev} (strictly ascending, no duplicates)`, wire, { constraint: ci })
        if (typeof coeff !== 'bigint' || coeff <= 0n || coeff >= P)
          throw fail(`${where} coefficient in [1, P)`, coeff, { constraint: ci })
        prev = wire
      })
    })
  })
}
