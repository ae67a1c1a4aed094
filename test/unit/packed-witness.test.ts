// The witness program in typed arrays (src/compiler/circuit/PackedWitnessProgram.ts): its layout on a
// small program, every step kind replayed, wide bit decompositions (past a Number's 53 bits), the
// overflow error, and a real model's circuit replayed identically to the step-by-step JSON reading.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, Lc, packWitnessProgram, runPackedWitnessProgram, runWitnessProgram, type WitnessProgram } from '../../src/compiler/circuit/index.ts'
import { OP } from '../../src/compiler/circuit/PackedWitnessProgram.ts'
import { P, mod, toSigned } from '../../src/compiler/field.ts'
import { parseOnnx } from '../../src/compiler/onnx/index.ts'
import { calibrate, quantizeInput } from '../../src/compiler/quantize/index.ts'
import { BaseError } from '../../src/errors/index.ts'

// wires: 0 one, 1 x (input), 2 y (input), 3 x·y, 4 3x − y, 5..7 bits of (3x − y) + 4, 8 isZero flag, 9 inverse, 10 q, 11 r, 12 √, 13 rest
const program: WitnessProgram = {
  version: 1,
  nWires: 14,
  inputWires: [1, 2],
  steps: [
    { op: 'mul', a: [[1, '1']], b: [[2, '1']], out: 3 },
    { op: 'lc', src: [[1, '3'], [2, String(P - 1n)]], out: 4 },
    { op: 'bits', src: [[4, '1']], offset: '4', out: [5, 6, 7], what: 'small' },
    { op: 'isZero', src: [[4, '1']], out: [8, 9] },
    { op: 'divide', n: [[3, '1']], d: [[0, '4']], out: [10, 11] },
    { op: 'sqrt', src: [[3, '1']], out: [12, 13] },
  ],
}

test('packed layout: one entry per step, terms flat, each distinct coefficient once', () => {
  const p = packWitnessProgram(program)
  assert.deepEqual([...p.op], [OP.mul, OP.lc, OP.bits, OP.isZero, OP.divide, OP.sqrt])
  assert.deepEqual([...p.lcAt], [0, 2, 3, 4, 5, 7])
  assert.deepEqual([...p.lcStart], [0, 1, 2, 4, 5, 6, 7, 8, 9])
  assert.deepEqual([...p.termWire], [1, 2, 1, 2, 4, 4, 3, 0, 3])
  assert.deepEqual([...p.outAt], [0, 1, 2, 5, 7, 9, 11])
  assert.deepEqual([...p.outs], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
  assert.deepEqual(p.coeffs, [1n, 3n, P - 1n, 4n], "'1' and '4' are parsed once though used several times")
  assert.deepEqual(p.whats, ['small'])
  assert.equal(packWitnessProgram(program), p, 'packed once per program object')
})

test('every step kind replays as the JSON form reads', () => {
  const w = runWitnessProgram(program, [5n, 14n])
  // x·y = 70, 3x − y = 1, bits of 1 + 4 = 5 → 1 0 1, not zero (flag 0, inverse 1), 70 / 4 = 17 r 2, √70 = 8 r 6
  assert.deepEqual(w, [1n, 5n, 14n, 70n, 1n, 1n, 0n, 1n, 0n, 1n, 17n, 2n, 8n, 6n])
  const neg = runWitnessProgram(program, [1n, 7n]) // 3 − 7 = −4: bits of 0, isZero of −4
  assert.equal(toSigned(neg[4]!), -4n)
  assert.deepEqual(neg.slice(5, 9), [0n, 0n, 0n, 0n])
  assert.equal(mod(neg[9]! * neg[4]!), 1n)
  // x·y = −1: −1 / 4 floors to −1 r 3; √ of a negative is 0 with the value as rest (the gadget's range checks refuse it)
  const m = runWitnessProgram(program, [mod(-1n), 1n])
  assert.deepEqual([toSigned(m[10]!), m[11]], [-1n, 3n])
  assert.deepEqual([m[12], toSigned(m[13]!)], [0n, -1n])
})

test('bits past 53 bits and the overflow error naming the step', () => {
  const wide: WitnessProgram = { version: 1, nWires: 2 + 70, inputWires: [1], steps: [{ op: 'bits', src: [[1, '1']], offset: '0', out: Array.from({ length: 70 }, (_, i) => 2 + i), what: 'wide' }] }
  const v = (1n << 69n) + (1n << 55n) + 12345n
  const w = runWitnessProgram(wide, [v])
  assert.equal(w.slice(2).reduce((acc, b, i) => acc + (b << BigInt(i)), 0n), v)
  const p = packWitnessProgram(program)
  assert.throws(
    () => runPackedWitnessProgram(p, [5n, 30n]), // 15 − 30 + 4 = −11: below the 3 bits' range
    (e: unknown) => e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW' && /small/.test(e.message) && /within \[-4, 4\), got -15/.test(e.message),
  )
  assert.throws(() => runPackedWitnessProgram(p, [5n]), (e: unknown) => e instanceof BaseError && e.code === 'INPUT_INVALID')
})

test('pool-risk: the packed replay equals a step-by-step reading of the JSON program and satisfies the R1CS', () => {
  const g = parseOnnx(new Uint8Array(readFileSync('models/pool-risk/model.onnx')))
  const samples = JSON.parse(readFileSync('models/pool-risk/samples.json', 'utf8')) as number[][]
  const { params } = calibrate(g, samples)
  const { circuit } = buildModelCircuit(g, params)
  const json = JSON.parse(JSON.stringify(circuit.program)) as WitnessProgram
  const inputs = [...quantizeInput(g, samples[0]!, params.scaleBits).flatMap((t) => t.data.map(mod)), 2n, 3n]
  const got = runWitnessProgram(json, inputs)
  assert.equal(firstUnsatisfied(circuit.r1cs, got), -1)
  // the reference: each step's linear combinations through Lc, as the JSON form says
  const w: bigint[] = new Array(json.nWires)
  w[0] = 1n
  json.inputWires.forEach((wire, i) => (w[wire] = inputs[i]!))
  for (const s of json.steps) {
    const at = (j: Array<[number, string]>) => Lc.fromJson(j).evaluate(w)
    if (s.op === 'mul') w[s.out] = mod(at(s.a) * at(s.b))
    else if (s.op === 'lc') w[s.out] = at(s.src)
    else if (s.op === 'bits') {
      const v = toSigned(at(s.src)) + BigInt(s.offset)
      s.out.forEach((o, i) => (w[o] = (v >> BigInt(i)) & 1n))
    } else for (const o of s.out) w[o] = got[o]! // isZero/divide/sqrt: covered above; pool-risk has none to speak of
  }
  assert.deepEqual(got, w)
})
