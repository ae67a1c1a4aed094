// The new gadgets' three tests: bigint reference, exact constraint count, free constants; plus
// coherent forgeries: a full witness that satisfies every other constraint (every derived wire is
// recomputed from the forged value) and changes one meaning-carrying value, which must be refused.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CircuitBuilder, firstUnsatisfied } from '../../src/compiler/circuit/CircuitBuilder.ts'
import { Lc } from '../../src/compiler/circuit/Lc.ts'
import { hintValues, runWitnessProgram, type WitnessProgram } from '../../src/compiler/circuit/WitnessProgram.ts'
import { assertBoolean, isNonNegative, isZero, max, rescale, select } from '../../src/compiler/circuit/gadgets/index.ts'
import { inv, mod, toSigned } from '../../src/compiler/field.ts'
import { rescaleRef } from '../../src/compiler/quantize/reference.ts'

/** Two private inputs → gadget → one public output. */
function circuit(build: (b: CircuitBuilder, x: Lc, y: Lc) => Lc) {
  const b = new CircuitBuilder()
  const x = b.privateInput()
  const y = b.privateInput()
  const before = b.constraintCount
  const out = build(b, x, y)
  const gadgetConstraints = b.constraintCount - before
  b.output(out)
  return { ...b.finish(), gadgetConstraints }
}
type Fin = ReturnType<typeof circuit>
const out = (fin: Fin, w: bigint[]) => toSigned(w[fin.outputWires[0]!]!)
const run = (fin: Fin, x: bigint, y: bigint) => runWitnessProgram(fin.program, [mod(x), mod(y)])

/**
 * Re-derives every wire from the witness program, except the forged ones, which keep their forged
 * values: the result is the most coherent witness a cheating prover could build around the forgery.
 */
function coherent(program: WitnessProgram, honest: bigint[], forged: Map<number, bigint>): bigint[] {
  const w = [...honest]
  for (const [k, v] of forged) w[k] = mod(v)
  for (const st of program.steps) {
    const outs = st.op === 'bits' || st.op === 'isZero' || st.op === 'divide' || st.op === 'sqrt' ? st.out : [st.out]
    if (outs.some((o) => forged.has(o))) continue
    if (st.op === 'bits') {
      const v = toSigned(Lc.fromJson(st.src).evaluate(w)) + BigInt(st.offset)
      const n = st.out.length
      const c = ((v % (1n << BigInt(n))) + (1n << BigInt(n))) % (1n << BigInt(n)) // best boolean effort
      st.out.forEach((o, i) => (w[o] = (c >> BigInt(i)) & 1n))
    } else if (st.op === 'mul') w[st.out] = mod(Lc.fromJson(st.a).evaluate(w) * Lc.fromJson(st.b).evaluate(w))
    else if (st.op === 'lc') w[st.out] = Lc.fromJson(st.src).evaluate(w)
    else if (st.op === 'divide' || st.op === 'sqrt') hintValues(st, w).forEach((v, i) => (w[st.out[i]!] = mod(v)))
    else {
      const v = Lc.fromJson(st.src).evaluate(w)
      w[st.out[0]] = v === 0n ? 1n : 0n
      w[st.out[1]] = inv(v)
    }
  }
  return w
}
const failing = (fin: Fin, w: bigint[]) => {
  const i = firstUnsatisfied(fin.r1cs, w)
  return i < 0 ? undefined : fin.constraintLabels[i]!
}
const bitsStep = (fin: Fin, what: RegExp) => fin.program.steps.find((s) => s.op === 'bits' && what.test(s.what)) as Extract<WitnessProgram['steps'][0], { op: 'bits' }>
const mulSteps = (fin: Fin) => fin.program.steps.filter((s) => s.op === 'mul') as Extract<WitnessProgram['steps'][0], { op: 'mul' }>[]

describe('max gadget (range-checked difference, sign bit selects)', () => {
  const B = 10
  const fin = circuit((b, x, y) => max(b, x, y, B, 'm'))

  test('matches the reference on every pair in a range, B + 3 constraints', () => {
    assert.equal(fin.gadgetConstraints, B + 3)
    for (let x = -40n; x <= 40n; x += 7n)
      for (let y = -40n; y <= 40n; y += 5n) {
        const w = run(fin, x, y)
        assert.equal(firstUnsatisfied(fin.r1cs, w), -1)
        assert.equal(out(fin, w), x > y ? x : y)
      }
  })

  test('coherent forgeries are refused: the smaller value claimed as the max', () => {
    const honest = run(fin, 5n, 3n)
    const step = bitsStep(fin, /x - y/)
    const sign = step.out[step.out.length - 1]!
    // flip the sign bit only; the select, the output and everything else follow it
    const w1 = coherent(fin.program, honest, new Map([[sign, 0n]]))
    assert.equal(out(fin, w1), 3n, 'the forgery claims max(5, 3) = 3')
    assert.match(failing(fin, w1) ?? 'accepted', /bits sum to value/)
    // and keep the sum right by smuggling 2^B into a low "bit": the boolean check refuses it
    const w2 = coherent(fin.program, honest, new Map([[sign, 0n], [step.out[0]!, mod(honest[step.out[0]!]! + (1n << BigInt(B)))]]))
    assert.equal(out(fin, w2), 3n)
    assert.match(failing(fin, w2) ?? 'accepted', /bit 0 is boolean/)
  })

  test('constants cost nothing', () => {
    const c = circuit((b) => max(b, Lc.constant(mod(-4n)), Lc.constant(9n), B, 'c'))
    assert.equal(c.gadgetConstraints, 0)
    assert.equal(out(c, run(c, 0n, 0n)), 9n)
  })
})

describe('comparison bit (isNonNegative)', () => {
  const B = 8
  const fin = circuit((b, x, y) => isNonNegative(b, x.sub(y).addConst(-1n), B, 'lt').sign) // x > y

  test('matches the reference, B + 1 constraints, constants free', () => {
    assert.equal(fin.gadgetConstraints, B + 1)
    for (const [x, y] of [[3n, 2n], [2n, 2n], [-5n, 7n], [60n, -60n]] as const) assert.equal(out(fin, run(fin, x, y)), x > y ? 1n : 0n)
    assert.equal(circuit((b) => isNonNegative(b, Lc.constant(mod(-3n)), B, 'c').sign).gadgetConstraints, 0)
  })

  test('a coherent forgery of the bit (2 > 2 claimed true) is refused', () => {
    const honest = run(fin, 2n, 2n)
    const step = bitsStep(fin, /lt/)
    const w = coherent(fin.program, honest, new Map([[step.out[B - 1]!, 1n]]))
    assert.equal(out(fin, w), 1n)
    assert.match(failing(fin, w) ?? 'accepted', /bits sum to value/)
  })
})

describe('isZero gadget (Equal)', () => {
  const fin = circuit((b, x, y) => isZero(b, x.sub(y), 'eq'))

  test('matches the reference, 2 constraints, constants free', () => {
    assert.equal(fin.gadgetConstraints, 2)
    for (const [x, y] of [[3n, 3n], [3n, 4n], [-1n, 1n], [0n, 0n]] as const) assert.equal(out(fin, run(fin, x, y)), x === y ? 1n : 0n)
    assert.equal(circuit((b) => isZero(b, Lc.constant(0n), 'c')).gadgetConstraints, 0)
  })

  test('coherent forgeries are refused: "equal" for different values, "different" for equal ones', () => {
    const z = (fin.program.steps.find((s) => s.op === 'isZero') as { out: [number, number] }).out
    const diff = run(fin, 3n, 4n)
    const w1 = coherent(fin.program, diff, new Map([[z[0], 1n], [z[1], 0n]]))
    assert.equal(out(fin, w1), 1n)
    assert.match(failing(fin, w1) ?? 'accepted', /x·z = 0/)
    const same = run(fin, 4n, 4n)
    const w2 = coherent(fin.program, same, new Map([[z[0], 0n], [z[1], 5n]]))
    assert.equal(out(fin, w2), 0n)
    assert.match(failing(fin, w2) ?? 'accepted', /x·x⁻¹ = 1 - z/)
  })
})

describe('assertBoolean + select (Where with a condition no comparison proved)', () => {
  const fin = circuit((b, c, x) => select(b, assertBoolean(b, c, 'cond'), x, Lc.constant(7n), 'w'))

  test('matches the reference, 2 constraints (1 boolean check + 1 select), constants free', () => {
    assert.equal(fin.gadgetConstraints, 2)
    assert.equal(out(fin, run(fin, 1n, 42n)), 42n)
    assert.equal(out(fin, run(fin, 0n, 42n)), 7n)
    assert.equal(circuit((b) => select(b, assertBoolean(b, Lc.constant(1n), 'c'), Lc.constant(3n), Lc.constant(7n), 'w')).gadgetConstraints, 0)
  })

  test('a non-boolean condition blending the branches is refused', () => {
    // c = 2 gives y + 2(x − y): neither branch; the product and the output are coherent with it
    const w = coherent(fin.program, run(fin, 1n, 42n), new Map([[fin.program.inputWires[0]!, 2n]]))
    assert.equal(out(fin, w), 7n + 2n * 35n)
    assert.match(failing(fin, w) ?? 'accepted', /cond: is boolean/)
  })
})

describe('product of two computed values, rescaled (Mul, MatMul, Gemm of computed tensors)', () => {
  const k = 4
  const B = 12
  const fin = circuit((b, x, y) => rescale(b, b.mul(x, y, 'p'), k, B, 'r').quotient)

  test('matches the reference, 1 + k + B + 1 constraints, constants free', () => {
    assert.equal(fin.gadgetConstraints, 1 + k + B + 1)
    for (const [x, y] of [[13n, -7n], [100n, 100n], [-3n, -9n], [0n, 55n]] as const) assert.equal(out(fin, run(fin, x, y)), rescaleRef(x * y, k))
    assert.equal(circuit((b) => rescale(b, b.mul(Lc.constant(5n), Lc.constant(6n), 'p'), k, B, 'r').quotient).gadgetConstraints, 0)
  })

  test('a forged product, with the rescale recomputed coherently around it, is refused', () => {
    const honest = run(fin, 13n, 7n)
    const p = mulSteps(fin)[0]!.out
    const w = coherent(fin.program, honest, new Map([[p, 13n * 7n + 64n]]))
    assert.equal(out(fin, w), rescaleRef(13n * 7n + 64n, k), 'the forgery shifts the output by 4')
    assert.equal(failing(fin, w), 'p', 'only the product constraint catches it')
  })
})
