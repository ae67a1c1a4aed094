import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CircuitBuilder, firstUnsatisfied, type FinishedCircuit } from '../../src/compiler/circuit/CircuitBuilder.ts'
import { Lc } from '../../src/compiler/circuit/Lc.ts'
import { runWitnessProgram, type WitnessStep } from '../../src/compiler/circuit/WitnessProgram.ts'
import { rangeCheck, relu, rescale, sigmoid, sigmoidTable } from '../../src/compiler/circuit/gadgets/index.ts'
import { mod, toSigned } from '../../src/compiler/field.ts'
import { fitsSigned, reluRef, rescaleRef, sigmoidRef } from '../../src/compiler/quantize/reference.ts'
import { BaseError } from '../../src/errors/index.ts'
import { coherentForgeries, completenessFailure, gadgetSuites, oneInputCircuit, replay, violated } from './gadget-suites.ts'

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One-input circuit: x (private) → gadget → public output. */
function circuit(build: (b: CircuitBuilder, x: Lc) => Lc) {
  const b = new CircuitBuilder()
  const x = b.privateInput()
  const before = b.constraintCount
  const y = build(b, x)
  const gadgetConstraints = b.constraintCount - before
  b.output(y)
  const fin = b.finish()
  return { ...fin, gadgetConstraints }
}

const outputOf = (fin: ReturnType<typeof circuit>, w: bigint[]) => toSigned(w[fin.outputWires[0]!]!)
const stepNamed = (fin: ReturnType<typeof circuit>, what: string) =>
  fin.program.steps.find((s): s is Extract<WitnessStep, { op: 'bits' }> => s.op === 'bits' && s.what === what)!

describe('rescale gadget', () => {
  const k = 8
  const B = 16
  const fin = circuit((b, x) => rescale(b, x, k, B, 'r').quotient)

  test('matches the bigint reference (round half up, floor division) on random and edge values', () => {
    const r = rng(1)
    const lim = 1n << BigInt(k + B - 1)
    const values = [0n, 1n, -1n, 127n, 128n, -128n, -129n, lim - 129n, -lim, -lim + 5n]
    for (let i = 0; i < 300; i++) values.push(BigInt(Math.floor((r() * 2 - 1) * Number(lim - 200n))))
    for (const v of values) {
      const w = runWitnessProgram(fin.program, [mod(v)])
      assert.equal(firstUnsatisfied(fin.r1cs, w), -1, `satisfied for ${v}`)
      assert.equal(outputOf(fin, w), rescaleRef(v, k), `rescale(${v})`)
    }
  })

  test('exact constraint count: k + B + 1', () => {
    assert.equal(fin.gadgetConstraints, k + B + 1)
  })

  test('a value whose quotient leaves B bits has no witness (QUANTIZATION_OVERFLOW)', () => {
    const tooBig = 1n << BigInt(k + B - 1)
    assert.throws(() => runWitnessProgram(fin.program, [tooBig]), (e: unknown) => e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW')
    assert.ok(!fitsSigned(rescaleRef(tooBig, k), B))
  })

  test('invalid witnesses are rejected: wrong remainder, out-of-range remainder, wrong quotient', () => {
    const v = 1000n // 1000 + 128 = 1128 = 4·256 + 104 → q = 4, r = 104
    const step = stepNamed(fin, 'r')
    const honest = runWitnessProgram(fin.program, [v])
    assert.equal(outputOf(fin, honest), 4n)

    // 1. remainder off by one, quotient unchanged: the bits no longer sum to the value
    const w1 = [...honest]
    w1[step.out[0]!] = 1n - w1[step.out[0]!]!
    assert.notEqual(firstUnsatisfied(fin.r1cs, w1), -1)

    // 2. quotient 5 with remainder 104 - 256 < 0, smuggled in as a non-boolean low "bit":
    //    the sum holds, only the remainder's range check can catch it.
    const w2 = [...honest]
    w2[step.out[0]!] = mod(w2[step.out[0]!]! - 256n)
    const highQ = 5n + (1n << BigInt(B - 1))
    for (let i = 0; i < B; i++) w2[step.out[k + i]!] = (highQ >> BigInt(i)) & 1n
    w2[fin.outputWires[0]!] = 5n
    const bad2 = firstUnsatisfied(fin.r1cs, w2)
    assert.notEqual(bad2, -1)
    assert.match(fin.constraintLabels[bad2]!, /bit 0 is boolean/)

    // 3. a quotient outside B bits (field wrap) can't be expressed in boolean bits either
    const w3 = [...honest]
    w3[fin.outputWires[0]!] = mod(4n + (1n << 200n))
    assert.notEqual(firstUnsatisfied(fin.r1cs, w3), -1)
  })

  test('constants cost no constraints', () => {
    const c = circuit((b) => rescale(b, Lc.constant(mod(-1000n)), k, B, 'c').quotient)
    assert.equal(c.gadgetConstraints, 0)
    const w = runWitnessProgram(c.program, [0n])
    assert.equal(outputOf(c, w), rescaleRef(-1000n, k))
  })
})

describe('range check gadget', () => {
  test('accepts exactly the signed B-bit values, B + 1 constraints, free for constants', () => {
    const B = 10
    const fin = circuit((b, x) => rangeCheck(b, x, B, 'rc').quotient)
    assert.equal(fin.gadgetConstraints, B + 1)
    for (const v of [-512n, -1n, 0n, 511n]) assert.equal(outputOf(fin, runWitnessProgram(fin.program, [mod(v)])), v)
    for (const v of [-513n, 512n]) assert.throws(() => runWitnessProgram(fin.program, [mod(v)]), /fixed-point range/)
    assert.equal(circuit((b) => rangeCheck(b, Lc.constant(7n), B, 'c').quotient).gadgetConstraints, 0)
    assert.throws(() => circuit((b) => rangeCheck(b, Lc.constant(512n), B, 'c').quotient), /fixed-point range/)
  })
})

describe('relu gadget', () => {
  const k = 4
  const B = 12
  const fin = circuit((b, x) => relu(b, rescale(b, x, k, B, 'r')))

  test('matches the bigint reference', () => {
    const r = rng(2)
    for (let i = 0; i < 200; i++) {
      const v = BigInt(Math.floor((r() * 2 - 1) * 30000))
      const w = runWitnessProgram(fin.program, [mod(v)])
      assert.equal(firstUnsatisfied(fin.r1cs, w), -1)
      assert.equal(outputOf(fin, w), reluRef(rescaleRef(v, k)))
    }
  })

  test('exact constraint count: rescale + 1', () => {
    assert.equal(fin.gadgetConstraints, k + B + 1 + 1)
  })

  test('a wrong sign is rejected: zeroing a positive value, passing a negative one, flipping the sign bit', () => {
    const step = stepNamed(fin, 'r')
    const signWire = step.out[k + B - 1]!
    const pos = runWitnessProgram(fin.program, [1000n])
    assert.ok(outputOf(fin, pos) > 0n)
    // claim relu(positive) = 0
    const w1 = [...pos]
    const reluWire = fin.program.steps.find((s) => s.op === 'mul')!.out as number
    w1[reluWire] = 0n
    w1[fin.outputWires[0]!] = 0n
    assert.notEqual(firstUnsatisfied(fin.r1cs, w1), -1)
    // flip the sign bit so the product is 0: the decomposition no longer sums
    const w2 = [...pos]
    w2[signWire] = 0n
    w2[reluWire] = 0n
    w2[fin.outputWires[0]!] = 0n
    assert.notEqual(firstUnsatisfied(fin.r1cs, w2), -1)
    // claim relu(negative) = the negative value
    const neg = runWitnessProgram(fin.program, [mod(-1000n)])
    assert.equal(outputOf(fin, neg), 0n)
    const w3 = [...neg]
    w3[signWire] = 1n
    w3[reluWire] = mod(rescaleRef(-1000n, k))
    w3[fin.outputWires[0]!] = w3[reluWire]!
    assert.notEqual(firstUnsatisfied(fin.r1cs, w3), -1)
  })

  test('constants cost no constraints', () => {
    const c = circuit((b) => relu(b, rescale(b, Lc.constant(mod(-77n)), k, B, 'c')))
    assert.equal(c.gadgetConstraints, 0)
    assert.equal(outputOf(c, runWitnessProgram(c.program, [0n])), 0n)
  })
})

describe('sigmoid gadget (proved, piecewise linear)', () => {
  const s = 6
  const B = 14
  const fin = circuit((b, x) => sigmoid(b, rangeCheck(b, x, B, 'in'), s).value)

  test('matches the bigint reference on every input in [-12, 12] and stays within 0.01 of σ', () => {
    let maxErr = 0
    for (let v = -12n << BigInt(s); v <= 12n << BigInt(s); v++) {
      const w = runWitnessProgram(fin.program, [mod(v)])
      assert.equal(firstUnsatisfied(fin.r1cs, w), -1, `satisfied at ${v}`)
      const y = outputOf(fin, w)
      assert.equal(y, sigmoidRef(v, s), `σ(${v})`)
      const real = 1 / (1 + Math.exp(-Number(v) / 2 ** s))
      maxErr = Math.max(maxErr, Math.abs(Number(y) / 2 ** (2 * s - 1) - real))
    }
    assert.ok(maxErr < 0.01, `max error ${maxErr}`)
  })

  test('exact constraint count: 31 beyond the input decomposition', () => {
    assert.equal(fin.gadgetConstraints, B + 1 + 31)
  })

  test('invalid witnesses are rejected: a saturated answer inside the range, a tampered segment', () => {
    const honest = runWitnessProgram(fin.program, [mod(3n << BigInt(s))]) // x = 3.0
    const isZero = fin.program.steps.find((st) => st.op === 'isZero')!.out as [number, number]
    const w1 = [...honest]
    w1[isZero[0]] = 0n // claim "out of range" → would output 1.0
    assert.notEqual(firstUnsatisfied(fin.r1cs, w1), -1)
    const w2 = [...honest]
    const firstMonomial = fin.program.steps.find((st) => st.op === 'mul')!.out as number
    w2[firstMonomial] = 1n - w2[firstMonomial]!
    assert.notEqual(firstUnsatisfied(fin.r1cs, w2), -1)
  })

  test('constants cost no constraints', () => {
    const c = circuit((b) => sigmoid(b, rangeCheck(b, Lc.constant(mod(-70n)), B, 'c'), s).value)
    assert.equal(c.gadgetConstraints, 0)
    assert.equal(outputOf(c, runWitnessProgram(c.program, [0n])), sigmoidRef(-70n, s))
  })
})

describe('linear layers', () => {
  test('weights and biases cost no constraints: a dot product is one linear combination', () => {
    const b = new CircuitBuilder()
    const xs = [b.privateInput(), b.privateInput(), b.privateInput()]
    const before = b.constraintCount
    const acc = Lc.sum(xs, [3n, mod(-2n), 5n]).addConst(11n)
    assert.equal(b.constraintCount - before, 0)
    b.output(acc)
    const fin = b.finish()
    const w = runWitnessProgram(fin.program, [1n, 2n, mod(-3n)])
    assert.equal(toSigned(w[fin.outputWires[0]!]!), 3n - 4n - 15n + 11n)
  })
})

describe('builder', () => {
  test('orders wires as snarkjs expects: one, outputs, public inputs, private inputs, internal', () => {
    const b = new CircuitBuilder()
    const priv = b.privateInput()
    const pub = b.publicInput()
    const prod = b.mul(priv, pub)
    b.output(prod)
    const { r1cs, program, outputWires, publicInputWires } = b.finish()
    assert.deepEqual([r1cs.nPubOut, r1cs.nPubIn, r1cs.nPrvIn, r1cs.nWires], [1, 1, 1, 5])
    assert.deepEqual(outputWires, [1])
    assert.deepEqual(publicInputWires, [2])
    assert.deepEqual(program.inputWires, [3, 2])
    const w = runWitnessProgram(program, [6n, 7n])
    assert.deepEqual(w, [1n, 42n, 7n, 6n, 42n])
    assert.equal(firstUnsatisfied(r1cs, w), -1)
  })

  test('a product of two wires is exactly one constraint, by a constant none', () => {
    const b = new CircuitBuilder()
    const x = b.privateInput()
    const y = b.privateInput()
    b.mul(x, y.addConst(3n))
    assert.equal(b.constraintCount, 1)
    const scaled = b.mul(Lc.constant(5n), x.addConst(1n))
    assert.equal(b.constraintCount, 1)
    assert.equal(scaled.evaluate([1n, 2n]), 15n)
  })

  test('a constraint filter sees every constraint with its index and can drop it (mutation tests only)', () => {
    const seen: string[] = []
    const b = new CircuitBuilder({ constraintFilter: (i, c) => (seen.push(`${i}:${c.what}`), i === 0 ? null : c) })
    const x = b.privateInput()
    b.mul(x, x, 'square')
    b.output(x.addConst(1n))
    assert.deepEqual(seen, ['0:square', '1:output: bind public output'])
    assert.deepEqual(b.finish().constraintLabels, ['output: bind public output'])
  })

  test('a constant constraint that can never hold is a compile-time error', () => {
    const b = new CircuitBuilder()
    assert.throws(() => b.enforceEqual(Lc.constant(1n), Lc.constant(2n), 'x'), /can never hold/)
  })
})

/**
 * Coherent forgeries: the prover lies in one witness step and computes everything after it from the
 * lie, so the witness satisfies every constraint but one and its output means something false.
 * Each must be rejected by exactly the constraint named; `mutation.test.ts` checks that removing or
 * weakening any constraint lets some forgery (or a wrong honest output) through.
 */
describe('coherent forgeries', () => {
  /** Replays the honest prover but replaces the bits of decomposition `what` by `bits(V)`, V = its honest value. */
  const forgeBits = (fin: FinishedCircuit, x: bigint, what: string, bits: (V: bigint) => bigint[]) => {
    const step = fin.program.steps.find((s) => s.op === 'bits' && s.what === what)!
    return replay(fin.program, [mod(x)], (s, w) => {
      if (s !== step || s.op !== 'bits') return undefined
      const V = toSigned(Lc.fromJson(s.src).evaluate(w)) + BigInt(s.offset)
      return bits(V).map((bit, i) => [s.out[i]!, bit] as const)
    })
  }
  /** The bits of U, except bit i, which absorbs whatever makes them sum to V (non-boolean when U ≠ V). */
  const absorbIn = (i: number, n: number, U: bigint) => (V: bigint) =>
    Array.from({ length: n }, (_, j) => (j === i ? (V - (U & ~(1n << BigInt(i)))) >> BigInt(i) : (U >> BigInt(j)) & 1n))
  const rejectedOnlyBy = (fin: FinishedCircuit, w: bigint[]) => violated(fin, w).map((i) => fin.constraintLabels[i])

  test('rescale: quotient off by one, its remainder 104 - 256 out of range, passed as a non-boolean bit 0', () => {
    const k = 8
    const B = 16
    const fin = oneInputCircuit((b, x) => rescale(b, x, k, B, 'r').quotient)
    // 1000 + 128 = 4·256 + 104; the forgery claims 5·256 + (104 - 256)
    const w = forgeBits(fin, 1000n, 'r', (V) => absorbIn(0, k + B, V + 256n)(V))
    assert.equal(w[stepNamed(fin, 'r').out[0]!], mod(-256n))
    assert.equal(outputOf(fin, w), 5n)
    assert.equal(rescaleRef(1000n, k), 4n)
    assert.deepEqual(rejectedOnlyBy(fin, w), ['r: bit 0 is boolean'])
  })

  test('relu: a negative input passed through, its sign bit forged to 1 and paid for by a non-boolean bit', () => {
    const k = 4
    const B = 12
    const fin = oneInputCircuit((b, x) => relu(b, rescale(b, x, k, B, 'r')))
    // rescale(-1000) = -62 (sign bit 0); set the sign bit (weight 2^15) and take 2^15 out of bit 4 (weight 2^4)
    const w = forgeBits(fin, -1000n, 'r', (V) => absorbIn(k, k + B, V + (1n << BigInt(k + B - 1)))(V))
    assert.equal(outputOf(fin, w), -62n, 'the forged ReLU outputs the negative value itself')
    assert.equal(reluRef(rescaleRef(-1000n, k)), 0n)
    assert.deepEqual(rejectedOnlyBy(fin, w), [`r: bit ${k} is boolean`])
  })

  describe('sigmoid', () => {
    const s = 6
    const B = 14
    const fin = oneInputCircuit((b, x) => sigmoid(b, rangeCheck(b, x, B, 'in'), s).value)
    const flag = fin.program.steps.find((st) => st.op === 'isZero')!
    const forgeFlag = (x: bigint, z: bigint) =>
      replay(fin.program, [mod(x)], (st) => (st === flag && st.op === 'isZero' ? [[st.out[0], z], [st.out[1], 0n]] : undefined))

    test('a wrong segment: x = 1.0 evaluated on segment 19 instead of 18, offset -32 in a non-boolean bit 0', () => {
      const x = 1n << BigInt(s)
      // index bit 0 is h_(s-1) = h_5 (weight 32); set it and take 32 out of bit 0
      const w = forgeBits(fin, x, 'in', (V) => absorbIn(0, B, V + 32n)(V))
      const { A, D } = sigmoidTable(s)
      assert.equal(sigmoidRef(x, s), A[18]! << BigInt(s - 1))
      assert.equal(outputOf(fin, w), (A[19]! << BigInt(s - 1)) - D[19]! * 32n)
      assert.notEqual(outputOf(fin, w), sigmoidRef(x, s))
      assert.deepEqual(rejectedOnlyBy(fin, w), ['in: bit 0 is boolean'])
    })

    test('an input inside [-8, 8) claimed out of range: saturates to 1.0, only t·t⁻¹ = 1 - z rejects it', () => {
      const x = 3n << BigInt(s)
      const w = forgeFlag(x, 0n)
      assert.equal(outputOf(fin, w), 1n << BigInt(2 * s - 1))
      assert.notEqual(sigmoidRef(x, s), 1n << BigInt(2 * s - 1))
      assert.deepEqual(rejectedOnlyBy(fin, w), ['sigmoid: t·t⁻¹ = 1 - z'])
    })

    test('an input outside [-8, 8) claimed in range: an interpolated value instead of 1.0, only t·z = 0 rejects it', () => {
      const x = 10n << BigInt(s)
      const w = forgeFlag(x, 1n)
      assert.notEqual(outputOf(fin, w), sigmoidRef(x, s))
      assert.equal(sigmoidRef(x, s), 1n << BigInt(2 * s - 1))
      assert.deepEqual(rejectedOnlyBy(fin, w), ['sigmoid: t·z = 0'])
    })
  })

  test('range check: 512 accepted as a 10-bit value, bits all 0 but bit 9 = 2', () => {
    const fin = oneInputCircuit((b, x) => rangeCheck(b, x, 10, 'rc').quotient)
    const w = forgeBits(fin, 512n, 'rc', (V) => absorbIn(9, 10, 0n)(V))
    assert.equal(w[stepNamed(fin, 'rc').out[9]!], 2n)
    assert.equal(outputOf(fin, w), 512n)
    assert.ok(!fitsSigned(512n, 10))
    assert.deepEqual(rejectedOnlyBy(fin, w), ['rc: bit 9 is boolean'])
  })

  for (const suite of gadgetSuites)
    test(`${suite.name}: no lie is accepted, every constraint alone rejects one, honest witnesses match the reference`, () => {
      const fin = suite.build()
      assert.equal(completenessFailure(suite, fin), null)
      const { forgeries, accepted } = coherentForgeries(fin, suite.reference, suite.forgeryInputs)
      assert.deepEqual(accepted.map((f) => f.name), [], 'lies with a false output that every constraint accepts')
      const unguarded = fin.constraintLabels.filter((_, i) => !forgeries.has(i))
      assert.deepEqual(unguarded, Object.keys(suite.unguarded ?? {}), 'constraints no coherent forgery needs: redundant, or a forgery is missing')
      for (const f of forgeries.values()) {
        assert.deepEqual(violated(fin, f.witness), [f.target], f.name)
        assert.notDeepEqual(f.claimed, f.expected, f.name)
      }
    })
})
