// The nonlinear gadgets' three tests: bigint reference with coherent forgeries (every constraint
// alone refuses some lie whose output is false, and no lie is accepted), exact constraint count,
// constants cost nothing. Plus each function's documented error, measured over every input at s = 8.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Lc } from '../../src/compiler/circuit/Lc.ts'
import { divRound, divRoundRef, piecewise, piecewiseCost, piecewiseRef, piecewiseScale, rangeCheck, sqrtFloor } from '../../src/compiler/circuit/gadgets/index.ts'
import { isqrt } from '../../src/compiler/circuit/WitnessProgram.ts'
import { mod } from '../../src/compiler/field.ts'
import { FUNCTIONS, functionTable } from '../../src/compiler/lower/ops/index.ts'
import { LOG_M, logOf, logTable, periodicOf, periodicParams, periodicTable } from '../../src/compiler/lower/ops/nonlinear.ts'
import { circuitAlgebra, referenceAlgebra } from '../../src/compiler/lower/index.ts'
import { normalizePow2Ref, reduceModConstRef, remainderBits } from '../../src/compiler/circuit/gadgets/index.ts'
import type { OnnxNode } from '../../src/compiler/onnx/index.ts'
import { coherentForgeries, completenessFailure, gadgetSuites, oneInputCircuit, PW_B, pwTanh, twoInputCircuit } from './gadget-suites.ts'

const suite = (prefix: string) => gadgetSuites.filter((s) => s.name.startsWith(prefix))

describe('nonlinear gadgets: reference and coherent forgeries', () => {
  for (const s of [...suite('piecewise'), ...suite('divRound'), ...suite('sqrtFloor'), ...suite('log('), ...suite('sin('), ...suite('max('), ...suite('isZero')])
    test(`${s.name}: honest witnesses equal the reference; every constraint alone refuses a false output`, () => {
      const fin = s.build()
      assert.equal(completenessFailure(s, fin), null)
      const { forgeries, accepted } = coherentForgeries(fin, s.reference, s.forgeryInputs)
      assert.deepEqual(accepted.map((f) => f.name), [], 'no lie is accepted')
      const unguarded = fin.constraintLabels.filter((_, i) => !forgeries.has(i))
      assert.deepEqual(unguarded, [], 'every constraint is the only one refusing some forgery')
    })
})

describe('nonlinear gadgets: exact constraint counts, free constants', () => {
  test('piecewise: live monomials + degree + 4 (+1 when the two lines differ); 0 for a constant', () => {
    const fin = oneInputCircuit((b, x) => piecewise(b, rangeCheck(b, x, PW_B, 'in'), pwTanh, 'pw'))
    assert.equal(fin.gadgetConstraints, PW_B + 1 + piecewiseCost(pwTanh, PW_B))
    const c = oneInputCircuit((b) => piecewise(b, rangeCheck(b, Lc.constant(mod(-5n)), PW_B, 'c'), pwTanh, 'pw'))
    assert.equal(c.gadgetConstraints, 0)
    for (const op of Object.keys(FUNCTIONS)) {
      const t = functionTable(op, { name: op, opType: op, inputs: [], outputs: [], attributes: {} }, 8, 16)
      const f = oneInputCircuit((b, x) => piecewise(b, rangeCheck(b, x, 16, 'in'), t, op))
      assert.equal(f.gadgetConstraints, 17 + piecewiseCost(t, 16), op)
    }
  })

  test('divRound: 1 + 2·(dBits + 1) + qBits + 1, + dBits + 3 for a signed divisor; sqrtFloor: 3·yBits + 6; constants free', () => {
    const o = { dBits: 12, qBits: 10, what: 'd' }
    assert.equal(twoInputCircuit((b, n, d) => divRound(b, n, d, { ...o, positive: true })).gadgetConstraints, 1 + 2 * 13 + 11)
    assert.equal(twoInputCircuit((b, n, d) => divRound(b, n, d, o)).gadgetConstraints, 1 + 2 * 13 + 11 + 13 + 2)
    assert.equal(oneInputCircuit((b, n) => sqrtFloor(b, n, 9, 's')).gadgetConstraints, 3 * 9 + 6)
    const cd = twoInputCircuit((b) => divRound(b, Lc.constant(mod(-7n)), Lc.constant(2n), o))
    assert.equal(cd.gadgetConstraints, 0)
    assert.equal(divRoundRef(-7n, 2n), -3n)
    const cs = oneInputCircuit((b) => sqrtFloor(b, Lc.constant(50n), 9, 's'))
    assert.equal(cs.gadgetConstraints, 0)
    assert.equal(isqrt(50n), 7n)
  })
})

describe('Log: the normalisation and the mantissa table', () => {
  test('cost: 2B − 3 (normalisation) + piecewise on the mantissa + rescale of T − s bits + B + 1; 0 for a constant', () => {
    for (const [s, B] of [[8, 16], [6, 12], [10, 20]] as const) {
      const o = { inScale: s, B, s, outB: B, what: 'log' }
      const t = logTable(s, B - 1)
      const T = piecewiseScale(t)
      assert.equal(piecewiseCost(t, B - 2), 2 ** LOG_M - LOG_M - 1 + 2, 'every monomial of the 4 index bits is live, no saturation')
      // x arrives range-checked (its bits reused), as an activation out of a rescale does
      const fin = oneInputCircuit((b, x) => {
        const d = rangeCheck(b, x, B, 'in')
        return logOf(circuitAlgebra(b), { lc: d.quotient, dec: d }, o).lc
      })
      assert.equal(fin.gadgetConstraints, B + 1 + 2 * B - 3 + piecewiseCost(t, B - 2) + (T - s) + B + 1, `s=${s}, B=${B}`)
      if (s === 8) assert.equal(fin.gadgetConstraints - (B + 1), 85, 'docs/circuits.md: 85 at s = 8, B = 16')
      const c = oneInputCircuit((b) => logOf(circuitAlgebra(b), { lc: Lc.constant(300n) }, o).lc)
      assert.equal(c.gadgetConstraints, 0)
      assert.equal(c.program.steps.filter((st) => st.op === 'bits').length, 0)
    }
  })

  test('normalizePow2Ref: the leading one and the mantissa; none for x ≤ 0 or beyond n bits', () => {
    assert.deepEqual(normalizePow2Ref(6n, 8), [2n, 0n])
    assert.deepEqual(normalizePow2Ref(1n, 8), [0n, 64n - 96n])
    assert.deepEqual(normalizePow2Ref(127n, 8), [6n, 127n - 96n])
    for (const x of [0n, -1n, 128n]) assert.equal(normalizePow2Ref(x, 8), undefined)
    assert.throws(() => referenceAlgebra.normalize(0n, 8, 'x'), /fixed-point range/)
  })

  test('error: ≤ 2^-(s+1) + 2^-(s+5) over every positive input at s = 8, B = 16 (and s = 6, B = 12)', () => {
    for (const [s, B] of [[8, 16], [6, 12]] as const) {
      let worst = 0
      for (let v = 1; v < 2 ** (B - 1); v++) {
        const y = logOf(referenceAlgebra, BigInt(v), { inScale: s, B, s, outB: B, what: 'log' })
        worst = Math.max(worst, Math.abs(Number(y) / 2 ** s - Math.log(v / 2 ** s)))
      }
      // the fit's own error is < 1e-5; the coefficients' rounding adds ≤ 1.5·2^-(s+6), the rescale 2^-(s+1)
      assert.ok(worst <= 2 ** -(s + 1) + 2 ** -(s + 5), `s=${s}: worst ${worst}`)
    }
  })
})

describe('Sin and Cos: range reduction by checked hints, then a table on one period', () => {
  const SIN_COST = 126
  test('cost: 1 + (qBits + 1) + 2·(R + 1) + piecewise + rescale (T − s) + B + 1, 132 at s = 8, B = 16; 0 for a constant', () => {
    for (const op of ['Sin', 'Cos'] as const)
      for (const [s, B] of [[8, 16], [6, 12], [8, 13]] as const) {
        const { C, qBits } = periodicParams(s, B)
        const R = remainderBits(C)
        const t = periodicTable(op, s, B)
        const fin = oneInputCircuit((b, x) => {
          const d = rangeCheck(b, x, B, 'in')
          return periodicOf(circuitAlgebra(b), op, { lc: d.quotient, dec: d }, { s, B, what: op }).lc
        })
        assert.equal(fin.gadgetConstraints - (B + 1), 1 + qBits + 1 + 2 * (R + 1) + piecewiseCost(t, R) + piecewiseScale(t) - s + B + 1, `${op} s=${s}, B=${B}`)
        if (s === 8 && B === 16) assert.equal(fin.gadgetConstraints - (B + 1), SIN_COST, 'docs/circuits.md')
        const c = oneInputCircuit((b) => periodicOf(circuitAlgebra(b), op, { lc: Lc.constant(mod(-700n)) }, { s, B, what: op }).lc)
        assert.equal(c.gadgetConstraints, 0)
        assert.equal(c.program.steps.filter((st) => st.op !== 'lc').length, 0)
      }
  })

  test('reduceModConstRef: Euclidean remainders of either sign; a quotient beyond qBits has no witness', () => {
    assert.deepEqual(reduceModConstRef(-5n, 4n, 8, 'x'), [-2n, 3n])
    assert.deepEqual(reduceModConstRef(8n, 4n, 8, 'x'), [2n, 0n])
    assert.throws(() => reduceModConstRef(16n, 4n, 3, 'x'), /fixed-point range/)
    assert.equal(remainderBits(411775n), 19)
  })

  test('error: ≤ 1.5e-4 + 2^-s over every input at s = 8, B = 16 and s = 6, B = 12 (fit, coefficients, reduction, rescale)', () => {
    for (const op of ['Sin', 'Cos'] as const)
      for (const [s, B] of [[8, 16], [6, 12]] as const) {
        const f = op === 'Sin' ? Math.sin : Math.cos
        let worst = 0
        for (let v = -(2 ** (B - 1)); v < 2 ** (B - 1); v += 3) {
          const y = periodicOf(referenceAlgebra, op, BigInt(v), { s, B, what: op })
          worst = Math.max(worst, Math.abs(Number(y) / 2 ** s - f(v / 2 ** s)))
        }
        assert.ok(worst <= 1.5e-4 + 2 ** -s, `${op} s=${s}: worst ${worst}`)
      }
  })
})

describe('documented errors of the elementwise fits (docs/circuits.md), every input at s = 8, B = 16', () => {
  const node = (op: string, attributes: OnnxNode['attributes'] = {}): OnnxNode => ({ name: op, opType: op, inputs: [], outputs: [], attributes })
  // op, attributes, the fit's absolute bound (real units); the coefficients' rounding adds ≤ 1.5·2^-(s+2),
  // the final rescale 2^-(s+1)
  const bounds: Array<[string, OnnxNode['attributes'], number]> = [
    ['Tanh', {}, 3e-4], ['Erf', {}, 5e-4], ['Gelu', {}, 5e-4], ['Gelu', { approximate: 'tanh' }, 5e-4], ['Softplus', {}, 5e-4],
    ['Elu', {}, 5e-4], ['Selu', {}, 1e-3], ['Celu', { alpha: 2 }, 1e-3], ['Mish', {}, 5e-4],
    ['Swish', {}, 5e-4], ['Swish', { alpha: -0.75 }, 5e-4], ['Swish', { alpha: 2 }, 5e-4],
  ]
  const s = 8
  const B = 16
  for (const [op, attrs, bound] of bounds)
    test(`${op} ${JSON.stringify(attrs)}: ≤ ${bound} + 1.5·2^-(s+2)`, () => {
      const n = node(op, attrs)
      const t = functionTable(op, n, s, B)
      const f = FUNCTIONS[op]!(n, B, s).f
      const T = piecewiseScale(t)
      let worst = 0
      for (let u = -(1 << (B - 1)); u < 1 << (B - 1); u += 3) {
        const x = u / 2 ** s
        worst = Math.max(worst, Math.abs(Number(piecewiseRef(BigInt(u), t)) / 2 ** T - f(x)) / Math.max(1, op === 'Selu' ? Math.abs(x) / 8 : 1))
      }
      assert.ok(worst <= bound + 1.5 * 2 ** -(s + 2), `${op}: worst ${worst}`)
    })

  test('Exp: ≤ 2e-4·e^x + 1.5·2^-(s+2) where e^x is representable (+ e^-8 below the domain)', () => {
    const t = functionTable('Exp', node('Exp'), s, B)
    const T = piecewiseScale(t)
    for (let u = -(1 << (B - 1)); u < Math.log(2 ** (B - 1 - s)) * 2 ** s; u++) {
      const x = u / 2 ** s
      const err = Math.abs(Number(piecewiseRef(BigInt(u), t)) / 2 ** T - Math.exp(x))
      assert.ok(err <= 2e-4 * Math.exp(x) + 1.5 * 2 ** -(s + 2) + (x < -8 ? Math.exp(-8) : 0), `Exp(${x}): error ${err}`)
    }
  })
})
