import { test } from 'node:test'
import assert from 'node:assert/strict'
import { P } from '../../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../../src/compiler/r1cs/index.ts'
import { BaseError } from '../../src/errors/index.ts'

// Golden system. Wires: 0 = one, 1 = y (public output), 2 = a (public input), 3 = x (private input).
//   c0: x * x = y
//   c1: 5 * a = y - x        (C holds the coefficient P-1, i.e. -1)
// Witness for x = 5: y = 25, a = 4.
const system: R1csData = {
  prime: P,
  nWires: 4, nPubOut: 1, nPubIn: 1, nPrvIn: 1, nLabels: 4,
  constraints: [
    [[[3, 1n]], [[3, 1n]], [[1, 1n]]],
    [[[0, 5n]], [[2, 1n]], [[1, 1n], [3, P - 1n]]],
  ],
  wireToLabel: [0, 1, 2, 3],
}
const witness = [1n, 25n, 4n, 5n]

// P = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001, bytes reversed:
const PRIME_LE = '010000f093f5e1439170b97948e833285d588181b64550b829a031e1724e6430'
const PMINUS1_LE = '000000f093f5e1439170b97948e833285d588181b64550b829a031e1724e6430'
const ZERO31 = '00'.repeat(31)
const fe = (lowByte: string) => lowByte + ZERO31 // small field element, 32 bytes LE

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

test('the hand-written prime bytes are P little-endian', () => {
  assert.equal(BigInt(`0x${Buffer.from(PRIME_LE, 'hex').reverse().toString('hex')}`), P)
  assert.equal(BigInt(`0x${Buffer.from(PMINUS1_LE, 'hex').reverse().toString('hex')}`), P - 1n)
})

test('writeR1cs golden bytes', () => {
  const expected = [
    '72316373', // "r1cs"
    '01000000', // version 1
    '03000000', // 3 sections
    // section 1: header, 64 bytes
    '01000000', '4000000000000000',
    '20000000', // n8 = 32
    PRIME_LE,
    '04000000', // nWires
    '01000000', // nPubOut
    '01000000', // nPubIn
    '01000000', // nPrvIn
    '0400000000000000', // nLabels (u64)
    '02000000', // mConstraints
    // section 2: constraints, 120 + 156 = 276 = 0x114 bytes
    '02000000', '1401000000000000',
    // c0: A = x, B = x, C = y
    '01000000', '03000000', fe('01'),
    '01000000', '03000000', fe('01'),
    '01000000', '01000000', fe('01'),
    // c1: A = 5·one, B = a, C = y + (P-1)·x
    '01000000', '00000000', fe('05'),
    '01000000', '02000000', fe('01'),
    '02000000', '01000000', fe('01'), '03000000', PMINUS1_LE,
    // section 3: wire -> label, 4 × u64
    '03000000', '2000000000000000',
    '0000000000000000', '0100000000000000', '0200000000000000', '0300000000000000',
  ].join('')
  const bytes = writeR1cs(system)
  assert.equal(bytes.length, 12 + (12 + 64) + (12 + 276) + (12 + 32))
  assert.equal(hex(bytes), expected)
})

test('writeWtns golden bytes', () => {
  const expected = [
    '77746e73', // "wtns"
    '02000000', // version 2
    '02000000', // 2 sections
    // section 1: header, 40 bytes
    '01000000', '2800000000000000',
    '20000000', PRIME_LE, '04000000',
    // section 2: 4 values × 32 bytes = 128 = 0x80
    '02000000', '8000000000000000',
    fe('01'), fe('19'), fe('04'), fe('05'),
  ].join('')
  const bytes = writeWtns(witness)
  assert.equal(bytes.length, 12 + (12 + 40) + (12 + 128))
  assert.equal(hex(bytes), expected)
})

test('writeWtns writes a full 256-bit value little-endian', () => {
  const bytes = writeWtns([1n, P - 1n])
  assert.equal(hex(bytes.subarray(bytes.length - 32)), PMINUS1_LE)
})

test('writeR1cs refuses malformed systems with R1CS_INVALID and says where', () => {
  const bad = (patch: Partial<R1csData>, re: RegExp) =>
    assert.throws(() => writeR1cs({ ...system, ...patch }), (e: unknown) => e instanceof BaseError && e.code === 'R1CS_INVALID' && re.test(e.message))
  bad({ constraints: [[[[4, 1n]], [[3, 1n]], [[1, 1n]]]] }, /constraint 0 a term 0 wire in \[0, 4\)/)
  bad({ constraints: [[[[3, 0n]], [[3, 1n]], [[1, 1n]]]] }, /coefficient in \[1, P\)/)
  bad({ constraints: [[[[3, P]], [[3, 1n]], [[1, 1n]]]] }, /coefficient in \[1, P\)/)
  bad({ constraints: [[[[3, 1n]], [[3, 1n]], [[3, 1n], [1, 1n]]]] }, /strictly ascending/)
  bad({ constraints: [[[[3, 1n]], [[3, 1n]], [[1, 1n], [1, 2n]]]] }, /strictly ascending/)
  bad({ nPrvIn: 3 }, /nWires/)
  bad({ wireToLabel: [0, 1, 2] }, /wireToLabel of length nWires \(4\)/)
  bad({ prime: 7n }, /BN254/)
})

test('writeWtns refuses values outside the field and a wrong wire 0', () => {
  const code = (e: unknown) => e instanceof BaseError && e.code === 'WITNESS_INVALID'
  assert.throws(() => writeWtns([1n, P]), code)
  assert.throws(() => writeWtns([1n, -1n]), code)
  assert.throws(() => writeWtns([2n, 1n]), code)
  assert.throws(() => writeWtns([]), code)
})
