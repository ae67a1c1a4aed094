/**
 * The soundness suite of each gadget, shared by `gadgets.test.ts` (run against the real gadgets) and
 * `mutation.test.ts` (run against every mutant of them).
 *
 * A gadget's suite is: a circuit (one input x → gadget → public output, or a whole lowered model),
 * the bigint reference it must match (`reference(inputs)`, undefined where no witness may exist),
 * inputs for the completeness check, and *coherent forgeries*: full witnesses in which the prover
 * lied in exactly one witness step (non-boolean bits, a wrong product, a flipped IsZero, a wrong
 * output) and every later step was recomputed from the lie, so that the output means something false. A forgery is kept only when
 * exactly one constraint of the real gadget rejects it: that constraint is then what stands between
 * the prover and the false output, and dropping or weakening it must let the forgery through.
 */
import { CircuitBuilder, firstUnsatisfied, type ConstraintFilter, type FinishedCircuit } from '../../src/compiler/circuit/CircuitBuilder.ts'
import { Lc } from '../../src/compiler/circuit/Lc.ts'
import { hintValues, runWitnessProgram, type WitnessProgram, type WitnessStep } from '../../src/compiler/circuit/WitnessProgram.ts'
import { assertBoolean, divRound, isNonNegative, isZero, max, piecewise, piecewiseFit, rangeCheck, relu, rescale, select, sigmoid, sqrtFloor, type PiecewiseTable } from '../../src/compiler/circuit/gadgets/index.ts'
import { inv, mod, toSigned } from '../../src/compiler/field.ts'
import { fitsSigned, reluRef, rescaleRef, sigmoidRef } from '../../src/compiler/quantize/reference.ts'
import { circuitAlgebra, lowerGraph, referenceAlgebra, type CircuitValue, type QuantParams } from '../../src/compiler/lower/index.ts'
import { logOf, periodicOf } from '../../src/compiler/lower/ops/nonlinear.ts'
import type { OnnxGraph } from '../../src/compiler/onnx/index.ts'
import { BaseError } from '../../src/errors/index.ts'

export type GadgetCircuit = FinishedCircuit & { gadgetConstraints: number }

/** One-input circuit: x (private) → gadget → public output; `filter` mutates constraints (tests only). */
export function oneInputCircuit(build: (b: CircuitBuilder, x: Lc) => Lc, filter?: ConstraintFilter): GadgetCircuit {
  const b = new CircuitBuilder(filter ? { constraintFilter: filter } : {})
  const x = b.privateInput()
  const before = b.constraintCount
  const y = build(b, x)
  const gadgetConstraints = b.constraintCount - before
  b.output(y)
  return { ...b.finish(), gadgetConstraints }
}

/** n-input circuit: x₀…x₍ₙ₋₁₎ (private) → gadget → public output (the comparison gadgets take two or three). */
export function inputsCircuit(n: number, build: (b: CircuitBuilder, xs: Lc[]) => Lc, filter?: ConstraintFilter): GadgetCircuit {
  const b = new CircuitBuilder(filter ? { constraintFilter: filter } : {})
  const xs = Array.from({ length: n }, () => b.privateInput())
  const before = b.constraintCount
  const y = build(b, xs)
  const gadgetConstraints = b.constraintCount - before
  b.output(y)
  return { ...b.finish(), gadgetConstraints }
}

/** Values of a circuit's inputs (in `program.inputWires` order) and of its public outputs. */
export type Values = ReadonlyArray<bigint>

export const outputsOf = (fin: FinishedCircuit, w: Values): bigint[] => fin.outputWires.map((o) => toSigned(w[o]!))
const same = (a: Values, b: Values | undefined) => b !== undefined && a.length === b.length && a.every((v, i) => v === b[i])
const show = (v: Values | undefined) => (v === undefined ? 'no witness' : v.join(', '))

/** Indices of every constraint the witness violates (firstUnsatisfied stops at the first). */
export function violated(fin: FinishedCircuit, w: ReadonlyArray<bigint>): number[] {
  const out: number[] = []
  fin.r1cs.constraints.forEach((con, i) => {
    if (firstUnsatisfied({ ...fin.r1cs, constraints: [con] }, w) === 0) out.push(i)
  })
  return out
}

/** How a replay after a hint lie fills a range check whose value has no honest bits: see `replay`. */
type Repair = 'wrap' | number

/** Values a forging prover puts on some of a step's output wires instead of computing them. */
type Lie = (step: WitnessStep, w: ReadonlyArray<bigint | undefined>) => Array<readonly [number, bigint]> | undefined

/**
 * Replays a witness program like the prover does, except that `lie` may replace any step's values;
 * every later step is computed from the lie, so the witness stays coherent downstream.
 */
export function replay(program: WitnessProgram, inputs: ReadonlyArray<bigint>, lie?: Lie, repair?: Repair): bigint[] {
  const w: (bigint | undefined)[] = new Array(program.nWires)
  w[0] = 1n
  program.inputWires.forEach((wire, i) => (w[wire] = mod(inputs[i]!)))
  for (const step of program.steps) {
    const forged = lie?.(step, w)
    if (forged) {
      for (const [wire, v] of forged) w[wire] = mod(v)
      continue
    }
    switch (step.op) {
      case 'bits': {
        const v = toSigned(Lc.fromJson(step.src).evaluate(w)) + BigInt(step.offset)
        const n = step.out.length
        if (v < 0n || v >= 1n << BigInt(n)) {
          if (repair === undefined) throw new Error(`no honest bits for ${step.what}`)
          // a value a hint lie pushed out of range: boolean bits of it mod 2^n (only the sum fails),
          // or those bits with bit `repair` absorbing the difference (only its booleanity fails)
          const U = ((v % (1n << BigInt(n))) + (1n << BigInt(n))) % (1n << BigInt(n))
          step.out.forEach((wire, i) => (w[wire] = (U >> BigInt(i)) & 1n))
          if (repair !== 'wrap') {
            if (repair >= n) throw new Error('no such bit')
            const rest = U - (((U >> BigInt(repair)) & 1n) << BigInt(repair))
            w[step.out[repair]!] = mod((v - rest) * inv(1n << BigInt(repair)))
          }
          break
        }
        step.out.forEach((wire, i) => (w[wire] = (v >> BigInt(i)) & 1n))
        break
      }
      case 'mul':
        w[step.out] = mod(Lc.fromJson(step.a).evaluate(w) * Lc.fromJson(step.b).evaluate(w))
        break
      case 'lc':
        w[step.out] = Lc.fromJson(step.src).evaluate(w)
        break
      case 'isZero': {
        const v = Lc.fromJson(step.src).evaluate(w)
        w[step.out[0]] = v === 0n ? 1n : 0n
        w[step.out[1]] = inv(v)
        break
      }
      case 'divide':
      case 'sqrt':
        hintValues(step, w).forEach((v, i) => (w[step.out[i]!] = mod(v)))
        break
    }
  }
  // biome-ignore lint/complexity/useIndexOf: indexOf skips the holes of a sparse array, findIndex sees them
  const unset = w.findIndex((v) => v === undefined)
  if (unset >= 0) throw new Error(`forged witness left wire ${unset} unset`)
  return w as bigint[]
}

export type Forgery = {
  /** what the prover lied about and what the forged witness claims */
  name: string
  /** index and label of the one constraint of the real gadget that rejects it */
  target: number
  label: string
  input: Values
  witness: bigint[]
  /** the forged outputs, and what the reference says (undefined: no witness may exist at all) */
  claimed: Values
  expected: Values | undefined
}

/** `name` is read after the replay, so a lie can describe the values it chose. */
type Candidate = { name: () => string; x: Values; lie: Lie; repair?: Repair }

/**
 * Searches, for every constraint of `fin`, a coherent forgery that only that constraint rejects and
 * whose output differs from `reference`; and collects every lie it tries that `fin` accepts although
 * its output is false (`accepted`: each one is a soundness bug). Lies tried, for each witness step:
 * - `bits`: bit i non-boolean and absorbing the difference while the other bits encode another value
 *   (e.g. the quotient off by one with the remainder out of range), or boolean bits of another value;
 * - `mul`: a product off by ±1, ±1/2, or replaced by 0, 1 or one of its factors;
 * - `isZero`: the flag flipped;
 * - `lc` (a public output): the output off by one;
 * - none: the honest program on an input outside the gadget's domain (a flag that is not 0 or 1).
 * `forgeries` are by target constraint; a constraint with none is either redundant or lacks a test.
 */
export function coherentForgeries(
  fin: FinishedCircuit,
  reference: (inputs: Values) => Values | undefined,
  inputs: ReadonlyArray<Values>,
): { forgeries: Map<number, Forgery>; accepted: Forgery[] } {
  const found = new Map<number, Forgery>()
  const accepted: Forgery[] = []
  const labels = fin.constraintLabels
  /** Tries candidates until `want` new constraints each reject one of them alone. */
  const search = (candidates: Iterable<Candidate>, want = 1) => {
    let got = 0
    for (const c of candidates) {
      let w: bigint[]
      try {
        w = replay(fin.program, c.x, c.lie, c.repair)
      } catch {
        continue // no honest value for some other step at this input: not a coherent candidate
      }
      const bad = violated(fin, w)
      const claimed = outputsOf(fin, w)
      const expected = reference(c.x)
      if (same(claimed, expected)) continue
      const name = `${c.name()} (inputs ${c.x.join(', ')}): outputs ${show(claimed)}, reference ${show(expected)}`
      if (bad.length === 0) accepted.push({ name, target: -1, label: '', input: c.x, witness: w, claimed, expected })
      if (bad.length !== 1 || found.has(bad[0]!)) continue
      const target = bad[0]!
      found.set(target, { name, target, label: labels[target]!, input: c.x, witness: w, claimed, expected })
      if (++got >= want) return
    }
  }
  const at = (target: WitnessStep, values: (w: ReadonlyArray<bigint | undefined>) => Array<readonly [number, bigint]>): Lie =>
    (step, w) => (step === target ? values(w) : undefined)

  for (const step of fin.program.steps) {
    switch (step.op) {
      case 'bits': {
        const n = step.out.length
        const bitsOf = (U: bigint) => step.out.map((wire, j) => [wire, (U >> BigInt(j)) & 1n] as const)
        const valueAt = (w: ReadonlyArray<bigint | undefined>) => toSigned(Lc.fromJson(step.src).evaluate(w)) + BigInt(step.offset)
        const offset = BigInt(step.offset)
        // other values the bits may encode: V ± 2^j (another sign, quotient or remainder), 0, all ones
        const others = (V: bigint) => {
          const us: bigint[] = []
          for (let j = n - 1; j >= 0; j--) us.push(V + (1n << BigInt(j)), V - (1n << BigInt(j)))
          us.push(0n, (1n << BigInt(n)) - 1n)
          return us.filter((U) => U >= 0n && U < 1n << BigInt(n) && U !== V)
        }
        // V is only known once the replay reaches the step, so each candidate picks "the u-th other value"
        const maxOthers = 2 * n + 2
        for (let i = 0; i < n; i++) {
          let detail = ''
          if (labels.includes(`${step.what}: bit ${i} is boolean`) && found.has(labels.indexOf(`${step.what}: bit ${i} is boolean`))) continue
          search(
            (function* () {
              for (const x of inputs)
                for (let u = 0; u < maxOthers; u++)
                  yield {
                    name: () => detail,
                    x,
                    lie: at(step, (w) => {
                      const V = valueAt(w)
                      const U = others(V)[u]
                      if (U === undefined) throw new Error('no such candidate')
                      const rest = bitsOf(U).filter((_, j) => j !== i)
                      const restSum = U - (((U >> BigInt(i)) & 1n) << BigInt(i))
                      const bi = mod((V - restSum) * inv(1n << BigInt(i)))
                      if (bi === 0n || bi === 1n) throw new Error('bit stays boolean')
                      detail = `${step.what}: the bits claim ${U - offset} instead of ${V - offset}, bit ${i} = ${toSigned(bi)} absorbs the difference`
                      return [...rest, [step.out[i]!, bi] as const]
                    }),
                  }
            })(),
          )
        }
        let detail = ''
        search(
          (function* () {
            for (const x of inputs)
              for (let u = 0; u < maxOthers; u++)
                yield {
                  name: () => detail,
                  x,
                  lie: at(step, (w) => {
                    const V = valueAt(w)
                    const U = others(V)[u]
                    if (U === undefined) throw new Error('no such candidate')
                    detail = `${step.what}: boolean bits of ${U - offset} instead of ${V - offset}`
                    return bitsOf(U)
                  }),
                }
          })(),
        )
        break
      }
      case 'mul': {
        const half = inv(2n)
        const lies: Array<[string, (h: bigint, a: bigint, b: bigint) => bigint]> = [
          ['+1', (h) => h + 1n], ['-1', (h) => h - 1n], ['+1/2', (h) => h + half], ['-1/2', (h) => h - half],
          ['0', () => 0n], ['1', () => 1n], ['its first factor', (_, a) => a], ['its second factor', (_, __, b) => b],
        ]
        search(
          (function* () {
            for (const x of inputs)
              for (const [what, f] of lies)
                yield {
                  name: () => `product wire ${step.out} set to ${what} instead of a·b`,
                  x,
                  lie: at(step, (w) => {
                    const a = Lc.fromJson(step.a).evaluate(w)
                    const b = Lc.fromJson(step.b).evaluate(w)
                    return [[step.out, f(mod(a * b), a, b)]]
                  }),
                }
          })(),
        )
        break
      }
      case 'isZero':
        search(
          (function* () {
            for (const x of inputs)
              yield {
                name: () => 'IsZero flag flipped (inverse 0)',
                x,
                lie: at(step, (w) => {
                  const z = Lc.fromJson(step.src).evaluate(w) === 0n ? 1n : 0n
                  return [[step.out[0], 1n - z], [step.out[1], 0n]]
                }),
              }
          })(),
          2,
        )
        break
      case 'divide':
      case 'sqrt': {
        // the main hint (quotient, root) off by k, with the second (remainder, n − root²) either kept
        // coherent with it — so a range check downstream is what must refuse it, repaired as the
        // prover would (wrapped bits, or one bit absorbing the difference) — or left stale
        const maxBits = Math.max(...fin.program.steps.map((st) => (st.op === 'bits' ? st.out.length : 0)))
        const repairs: Array<Repair | undefined> = [undefined, 'wrap', ...Array.from({ length: maxBits }, (_, i) => i)]
        search(
          (function* () {
            for (const x of inputs)
              for (const k of [1n, -1n, 2n, -2n])
                for (const coherent of [true, false])
                  for (const repair of coherent ? repairs : [undefined])
                    yield {
                      name: () => `${step.op} hint off by ${k}${coherent ? '' : ' (second hint stale)'}${repair === undefined ? '' : `, range check repaired (${repair})`}`,
                      x,
                      ...(repair === undefined ? {} : { repair }),
                      lie: at(step, (w) => {
                        const [a, b] = hintValues(step, w)
                        const a2 = a + k
                        let b2 = b
                        if (coherent) {
                          if (step.op === 'divide') b2 = toSigned(Lc.fromJson(step.n).evaluate(w)) - a2 * toSigned(Lc.fromJson(step.d).evaluate(w))
                          else b2 = toSigned(Lc.fromJson(step.src).evaluate(w)) - a2 * a2
                        }
                        return [[step.out[0], a2], [step.out[1], b2]]
                      }),
                    }
          })(),
          40,
        )
        // the second hint (a remainder) off by k with the first either left as it was — where the output reads
        // only the remainder (a range reduction), the equation tying the pair to the input refuses it — or
        // solved for in the field, (n − r)/d: not an integer, so only the quotient's range check can refuse it
        if (step.op === 'divide')
          search(
            (function* () {
              for (const x of inputs)
                for (const k of [1n, -1n, 2n, -2n, 16n, -16n, 256n, -256n])
                  for (const solved of [false, true])
                    for (const repair of solved ? repairs : [undefined])
                      yield {
                        name: () => `divide: second hint off by ${k}, first ${solved ? '(n − r)/d in the field' : 'stale'}${repair === undefined ? '' : `, range check repaired (${repair})`}`,
                        x,
                        ...(repair === undefined ? {} : { repair }),
                        lie: at(step, (w) => {
                          const [a, b] = hintValues(step, w)
                          if (!solved) return [[step.out[0], a], [step.out[1], b + k]]
                          const n = Lc.fromJson(step.n).evaluate(w)
                          const d = Lc.fromJson(step.d).evaluate(w)
                          return [[step.out[0], mod((n - b - k) * inv(d))], [step.out[1], b + k]]
                        }),
                      }
            })(),
            40,
          )
        break
      }
      case 'lc':
        search(
          (function* () {
            for (const x of inputs)
              yield { name: () => 'public output off by one', x, lie: at(step, (w) => [[step.out, Lc.fromJson(step.src).evaluate(w) + 1n]]) }
          })(),
        )
        break
    }
  }
  // no lie at all: the honest program run on an input outside the gadget's domain (a non-boolean
  // flag), where only a constraint on the input itself stands between the prover and a false output
  search(
    (function* () {
      for (const x of inputs) yield { name: () => 'the honest witness program on an input outside the domain', x, lie: () => undefined }
    })(),
    inputs.length,
  )
  return { forgeries: found, accepted }
}

/** A gadget under test: how to build it (possibly mutated), what it means, what to feed it. */
export type GadgetSuite = {
  name: string
  build(filter?: ConstraintFilter): FinishedCircuit
  reference(inputs: Values): Values | undefined
  /** completeness: each must give a satisfying witness whose outputs equal the reference */
  honestInputs: Values[]
  /** where the forgery search looks (in and out of every range the gadget has) */
  forgeryInputs: Values[]
  /** constraints that, by design, no lie about the outputs needs, with the reason */
  unguarded?: Record<string, string>
}

/** A suite for a one-input, one-output gadget circuit, written with scalars. */
function scalarSuite(d: {
  name: string
  build: (filter?: ConstraintFilter) => FinishedCircuit
  reference: (x: bigint) => bigint | undefined
  honestInputs: bigint[]
  forgeryInputs: bigint[]
}): GadgetSuite {
  return {
    name: d.name,
    build: d.build,
    reference: ([x]) => {
      const y = d.reference(x!)
      return y === undefined ? undefined : [y]
    },
    honestInputs: d.honestInputs.map((x) => [x]),
    forgeryInputs: d.forgeryInputs.map((x) => [x]),
  }
}

/** The prover's witness for each honest input (a mutant shares the real gadget's witness program). */
export function honestWitnesses(suite: GadgetSuite, fin: FinishedCircuit): Array<[Values, bigint[]]> {
  // shuffled (deterministically) so a broken mutant meets a failing input early, not after a sweep
  const r = rng(3)
  const xs = [...suite.honestInputs]
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1))
    ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
  }
  return xs.map((x) => [x, runWitnessProgram(fin.program, x.map(mod))])
}

/** The first completeness failure of `fin` (a mutant or the real gadget), or null. */
export function completenessFailure(suite: GadgetSuite, fin: FinishedCircuit, witnesses = honestWitnesses(suite, fin)): string | null {
  for (const [x, w] of witnesses) {
    const bad = firstUnsatisfied(fin.r1cs, w)
    if (bad >= 0) return `honest witness for inputs ${x.join(', ')} fails constraint ${bad} (${fin.constraintLabels[bad]})`
    const out = outputsOf(fin, w)
    if (!same(out, suite.reference(x))) return `inputs ${x.join(', ')}: outputs ${show(out)}, reference ${show(suite.reference(x))}`
  }
  return null
}

/** The first forgery that `fin` accepts (every constraint holds), or null. */
export function acceptedForgery(fin: FinishedCircuit, forgeries: Iterable<Forgery>): Forgery | null {
  for (const f of forgeries) if (firstUnsatisfied(fin.r1cs, f.witness) === -1) return f
  return null
}

/** Deterministic PRNG so failures reproduce. */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const randomIn = (seed: number, n: number, lim: bigint) => {
  const r = rng(seed)
  return Array.from({ length: n }, () => BigInt(Math.floor((r() * 2 - 1) * Number(lim))))
}
const checkedRef = (v: bigint, B: number) => (fitsSigned(v, B) ? v : undefined)

const RC_B = 10
const RS_K = 8
const RS_B = 16
const CMP_B = 6
const RELU_K = 4
const RELU_B = 12
export const SIG_S = 6
const SIG_B = 14

function sigmoidSuite(s: number, B: number): GadgetSuite {
  return scalarSuite({
    name: `sigmoid(rangeCheck(x, B=${B}), s=${s})`,
    build: (f) => oneInputCircuit((b, x) => sigmoid(b, rangeCheck(b, x, B, 'in'), s).value, f),
    reference: (x) => (fitsSigned(x, B) ? sigmoidRef(x, s) : undefined),
    // every input in [-12, 12], then the whole decomposition range at a stride (bits far from 0)
    honestInputs: (() => {
      const xs: bigint[] = []
      for (let v = -12n << BigInt(s); v <= 12n << BigInt(s); v++) xs.push(v)
      const lim = 1n << BigInt(B - 1)
      for (let v = -lim; v < lim; v += 37n) xs.push(v)
      xs.push(lim - 1n)
      return xs
    })(),
    forgeryInputs: [3, -3, 1, 0, 7.9, -8, 8, 8.5, -8.5, 10, -10, 24, -24, 100, -100]
      .map((v) => BigInt(Math.round(v * 2 ** s)))
      .filter((v) => v < 1n << BigInt(B)) // far outside, the input's own decomposition has no honest bits
      .concat([(1n << BigInt(B - 1)) - 1n, -(1n << BigInt(B - 1)), 1n << BigInt(B - 1), 7n, -7n]),
  })
}

/** Two-input circuit: x, y (private) → gadget → public output. */
export function twoInputCircuit(build: (b: CircuitBuilder, x: Lc, y: Lc) => Lc, filter?: ConstraintFilter): GadgetCircuit {
  const b = new CircuitBuilder(filter ? { constraintFilter: filter } : {})
  const x = b.privateInput()
  const y = b.privateInput()
  const before = b.constraintCount
  const out = build(b, x, y)
  const gadgetConstraints = b.constraintCount - before
  b.output(out)
  return { ...b.finish(), gadgetConstraints }
}

/** The reference algebra's answer, or undefined where it finds no witness (QUANTIZATION_OVERFLOW). */
export function orNone<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch (e) {
    if (e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW') return undefined
    throw e
  }
}

/** Small piecewise tables for the suites: a saturating tanh (lines ±1), and gelu over the whole input range. */
export const PW_S = 3
export const PW_B = 8
export const pwTanh: PiecewiseTable = piecewiseFit({ f: Math.tanh, s: PW_S, B: PW_B, e: 1, m: 3, degree: 2, below: { slope: 0, intercept: -1 }, above: { slope: 1, intercept: -1 } })
export const pwWhole: PiecewiseTable = piecewiseFit({ f: (x) => x * Math.tanh(x), s: PW_S, B: 6, e: 3, m: 3, degree: 1, below: { slope: 0, intercept: 0 }, above: { slope: 1, intercept: 0 } })

function piecewiseSuite(name: string, table: PiecewiseTable, B: number): GadgetSuite {
  const lim = 1n << BigInt(B - 1)
  const all = Array.from({ length: 1 << B }, (_, i) => BigInt(i) - lim)
  return scalarSuite({
    name,
    build: (f) => oneInputCircuit((b, x) => piecewise(b, rangeCheck(b, x, B, 'in'), table, 'pw'), f),
    reference: (x) => orNone(() => referenceAlgebra.piecewise(x, table, B, 'pw')),
    honestInputs: all,
    // every segment (its start and a point inside), both saturated sides, the range's edges and beyond
    forgeryInputs: [...all.filter((v) => v % 2n === 0n || v % 5n === 1n), lim, -lim - 1n, 1n << 20n],
  })
}

const DIV_BITS = 6
function divSuite(positive: boolean): GadgetSuite {
  const o = { dBits: DIV_BITS, qBits: DIV_BITS, positive }
  const ref = (n: bigint, d: bigint) => orNone(() => referenceAlgebra.divRound(n, d, o, 'div'))
  const honest: bigint[][] = []
  for (let n = -40n; n <= 40n; n += 3n) for (let d = -32n; d <= 32n; d += 1n) if (ref(n, d) !== undefined) honest.push([n, d])
  honest.push([0n, 1n], [31n, -32n].map((v) => v), [-32n, 1n], [31n, 1n])
  return {
    name: `divRound(n, d, dBits=${DIV_BITS}, qBits=${DIV_BITS}${positive ? ', positive' : ''})`,
    build: (f) => twoInputCircuit((b, n, d) => divRound(b, n, d, { ...o, what: 'div' }), f),
    reference: ([n, d]) => {
      const q = ref(n!, d!)
      return q === undefined ? undefined : [q]
    },
    honestInputs: honest.filter((x) => ref(x[0]!, x[1]!) !== undefined),
    forgeryInputs: [[7n, 2n], [-7n, 2n], [7n, -3n], [9n, 3n], [0n, 5n], [5n, 0n], [-5n, 0n], [30n, 1n], [100n, 1n], [13n, -1n], [1n, 31n], [-20n, 31n], [3n, 32n], [3n, -33n], [40n, 7n], [-40n, -7n]],
  }
}

const SQRT_BITS = 4
const sqrtSuite: GadgetSuite = scalarSuite({
  name: `sqrtFloor(n, yBits=${SQRT_BITS})`,
  build: (f) => oneInputCircuit((b, n) => sqrtFloor(b, n, SQRT_BITS, 'sqrt'), f),
  reference: (n) => orNone(() => referenceAlgebra.sqrtFloor(n, SQRT_BITS, 'sqrt')),
  honestInputs: Array.from({ length: 256 }, (_, i) => BigInt(i)),
  forgeryInputs: [0n, 1n, 2n, 3n, 4n, 8n, 15n, 16n, 17n, 99n, 100n, 224n, 255n, 256n, 300n, -1n, -4n],
})

/** Log at a small size: x range-checked to 7 bits at scale 2^3, its leading one proved, ln of the mantissa on 4 segments. */
/** Sin's forgery inputs: in range, its edges, beyond it (only x's own range check stops 256…−700), beyond q's bits (2^20). */
const SIN_FORGERY_INPUTS: bigint[] = [0n, 1n, 13n, 50n, 255n, -256n, 256n, -257n, 300n, -700n, 1n << 20n]
export const LOG_S = 4
export const LOG_B = 7
export const logOptions = { inScale: LOG_S, B: LOG_B, s: LOG_S, outB: LOG_B, what: 'log', segBits: 2 }
const logSuite: GadgetSuite = scalarSuite({
  name: `log(x, B=${LOG_B}, s=${LOG_S}): leading one, piecewise ln of the mantissa, rescale`,
  build: (f) => oneInputCircuit((b, x) => logOf(circuitAlgebra(b), { lc: x }, logOptions).lc, f),
  reference: (x) => orNone(() => logOf(referenceAlgebra, x, logOptions)),
  honestInputs: Array.from({ length: (1 << (LOG_B - 1)) - 1 }, (_, i) => BigInt(i + 1)),
  // where a search over [-66, 66] and the fractions a/2^j found each constraint's forgery: small x (a prefix OR
  // lie still lands the mantissa in range), negatives (no witness), and 3/2 — not an integer, so only its
  // range check's bit 0 and sign bit stand between it and an output
  forgeryInputs: [toSigned(mod(3n * inv(2n))), 1n, 2n, 3n, 4n, 14n, 37n, 63n, 0n, -9n, -20n, -21n, -36n, -44n, -48n, -64n, -66n, 64n, 1n << 20n],
})

/**
 * Sin at a small size: x·2^6 = q·3217 + r (3217 = round(2π·2^9): odd, so r's low bits vary with q and every bit
 * of it is exercised), q in 5 bits, sin on 8 segments of [0, 8) (the last, past 2π, unreachable and not emitted).
 */
export const SIN_S = 3
export const SIN_B = 9
export const sinOptions = { s: SIN_S, B: SIN_B, what: 'sin', segBits: 3 }
const sinSuite: GadgetSuite = scalarSuite({
  name: `sin(x, B=${SIN_B}, s=${SIN_S}): range reduction mod 2π by checked hints, piecewise sin, rescale`,
  build: (f) => oneInputCircuit((b, x) => periodicOf(circuitAlgebra(b), 'Sin', { lc: x }, sinOptions).lc, f),
  reference: (x) => orNone(() => periodicOf(referenceAlgebra, 'Sin', x, sinOptions)),
  // the whole B-bit range
  honestInputs: Array.from({ length: 1 << SIN_B }, (_, i) => BigInt(i - (1 << (SIN_B - 1)))),
  forgeryInputs: SIN_FORGERY_INPUTS,
})

/** Every gadget with its suite; sizes are small so a mutant's whole suite runs in milliseconds. */
export const gadgetSuites: GadgetSuite[] = [
  scalarSuite({
    name: `rangeCheck(x, B=${RC_B})`,
    build: (f) => oneInputCircuit((b, x) => rangeCheck(b, x, RC_B, 'rc').quotient, f),
    reference: (x) => checkedRef(x, RC_B),
    honestInputs: Array.from({ length: 1 << RC_B }, (_, i) => BigInt(i) - (1n << BigInt(RC_B - 1))),
    forgeryInputs: [5n, -5n, 511n, -512n, 512n, -513n, 1000n, -1000n, 1n << 40n],
  }),
  scalarSuite({
    name: `rescale(x, k=${RS_K}, B=${RS_B})`,
    build: (f) => oneInputCircuit((b, x) => rescale(b, x, RS_K, RS_B, 'r').quotient, f),
    reference: (x) => checkedRef(rescaleRef(x, RS_K), RS_B),
    honestInputs: (() => {
      const lim = 1n << BigInt(RS_K + RS_B - 1)
      return [0n, 1n, -1n, 127n, 128n, -128n, -129n, lim - 129n, -lim - 128n, -lim, ...randomIn(1, 300, lim - 200n)]
    })(),
    forgeryInputs: [1000n, -1000n, 0n, 127n, -129n, (1n << 23n) - 129n, -(1n << 23n) - 128n, 1n << 23n, -(1n << 24n)],
  }),
  scalarSuite({
    name: `relu(rescale(x, k=${RELU_K}, B=${RELU_B}))`,
    build: (f) => oneInputCircuit((b, x) => relu(b, rescale(b, x, RELU_K, RELU_B, 'r')), f),
    reference: (x) => {
      const q = checkedRef(rescaleRef(x, RELU_K), RELU_B)
      return q === undefined ? undefined : reluRef(q)
    },
    honestInputs: (() => {
      const lim = 1n << BigInt(RELU_K + RELU_B - 1)
      return [0n, 7n, 8n, -8n, -9n, lim - 9n, -lim - 8n, ...randomIn(2, 200, lim - 20n)]
    })(),
    forgeryInputs: [1000n, -1000n, 17n, -17n, 0n, 1n << 15n, -(1n << 16n)],
  }),
  sigmoidSuite(SIG_S, SIG_B),
  // the smallest scale calibration tries: several monomials have zero coefficients there, yet each still matters
  sigmoidSuite(4, 11),
  // the comparison gadgets (Less/Greater/Max/Min/Where/Equal/bool inputs lower to these)
  scalarSuite({
    name: `isNonNegative(x, B=${CMP_B}).sign`,
    build: (f) => oneInputCircuit((b, x) => isNonNegative(b, x, CMP_B, 'ge').sign, f),
    reference: (x) => (fitsSigned(x, CMP_B) ? (x >= 0n ? 1n : 0n) : undefined),
    honestInputs: Array.from({ length: 1 << CMP_B }, (_, i) => BigInt(i) - (1n << BigInt(CMP_B - 1))),
    forgeryInputs: [0n, -1n, 1n, 5n, -5n, 31n, -32n, 32n, -33n, 100n, -100n],
  }),
  scalarSuite({
    name: 'isZero(x)',
    build: (f) => oneInputCircuit((b, x) => isZero(b, x, 'eq'), f),
    reference: (x) => (x === 0n ? 1n : 0n),
    honestInputs: [0n, 1n, -1n, 7n, -1000n, 1n << 100n],
    forgeryInputs: [0n, 3n, -3n],
  }),
  scalarSuite({
    name: 'assertBoolean(x)',
    build: (f) => oneInputCircuit((b, x) => assertBoolean(b, x, 'flag'), f),
    reference: (x) => (x === 0n || x === 1n ? x : undefined),
    honestInputs: [0n, 1n],
    forgeryInputs: [0n, 1n, 2n, -1n],
  }),
  {
    name: `max(x, y, B=${CMP_B})`,
    build: (f) => inputsCircuit(2, (b, [x, y]) => max(b, x!, y!, CMP_B, 'max'), f),
    reference: ([x, y]) => (fitsSigned(x! - y!, CMP_B + 1) ? [x! > y! ? x! : y!] : undefined),
    honestInputs: (() => {
      const xs: bigint[][] = []
      for (let x = -32n; x < 32n; x += 3n) for (let y = -32n; y < 32n; y += 5n) xs.push([x, y])
      return [...xs, [31n, -32n], [-32n, 31n], [7n, 7n]]
    })(),
    forgeryInputs: [[3n, 5n], [5n, 3n], [4n, 4n], [-7n, 9n], [31n, -32n], [-32n, 31n], [40n, -40n], [-40n, 40n], [100n, 0n]],
  },
  {
    name: 'select(assertBoolean(c), x, y)',
    build: (f) => inputsCircuit(3, (b, [c, x, y]) => select(b, assertBoolean(b, c!, 'c'), x!, y!, 'where'), f),
    reference: ([c, x, y]) => (c === 0n || c === 1n ? [c === 1n ? x! : y!] : undefined),
    honestInputs: [[0n, 3n, -4n], [1n, 3n, -4n], [1n, 5n, 5n], [0n, -9n, 1n << 80n]],
    forgeryInputs: [[0n, 3n, -4n], [1n, 3n, -4n], [2n, 3n, -4n], [-1n, 3n, -4n]],
  },
  piecewiseSuite(`piecewise tanh (saturating, degree 2, s=${PW_S}, B=${PW_B})`, pwTanh, PW_B),
  piecewiseSuite(`piecewise x·tanh x (whole range, degree 1, s=${PW_S}, B=6)`, pwWhole, 6),
  divSuite(false),
  divSuite(true),
  sqrtSuite,
  logSuite,
  sinSuite,
  scalarSuite({
    name: 'product x·(x + 3)',
    build: (f) => oneInputCircuit((b, x) => b.mul(x, x.addConst(3n)), f),
    reference: (x) => toSigned(mod(x * (x + 3n))),
    honestInputs: [0n, 1n, -3n, 5n, -1000n, 1n << 100n],
    forgeryInputs: [5n, -7n],
  }),
]

/**
 * The circuit `buildModelCircuit` makes (inputs and context public, context squared, outputs bound),
 * built here so a constraint filter reaches its builder; `mutation.test.ts` checks the two agree.
 */
export function modelCircuit(graph: OnnxGraph, params: QuantParams, filter?: ConstraintFilter): FinishedCircuit {
  const b = new CircuitBuilder(filter ? { constraintFilter: filter } : {})
  const inputs = graph.inputs.map((info) => {
    const data: CircuitValue[] = Array.from({ length: info.shape.reduce((a, c) => a * c, 1) }, () => ({ lc: b.publicInput() }))
    return { dims: [...info.shape], data, scale: params.scaleBits }
  })
  const subject = b.publicInput()
  const round = b.publicInput()
  b.mul(subject, subject, 'bind subject')
  b.mul(round, round, 'bind round')
  for (const o of lowerGraph(graph, circuitAlgebra(b), inputs, params)) o.data.forEach((v, i) => b.output(v.lc, `${o.name}[${i}]`))
  return b.finish()
}

const t = (dims: number[], data: number[]) => ({ dims, data: Float64Array.from(data) })
/** x[1,3] → Gemm → Relu → Gemm → Sigmoid: every gadget, composed the way lowering composes them. */
export const smallModel: OnnxGraph = {
  name: 'small',
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 3] }],
  outputs: [{ name: 'y', shape: [1, 1] }],
  initializers: new Map([
    // not dyadic: quantized weights must be odd, or low accumulator bits would be 0 for every input
    ['W1', t([3, 2], [0.53, -0.77, 0.97, 0.31, -0.45, 0.59])],
    ['b1', t([2], [0.13, -0.29])],
    ['W2', t([2, 1], [1.37, -1.81])],
    ['b2', t([1], [0.43])],
  ]),
  nodes: [
    { name: 'h', opType: 'Gemm', inputs: ['x', 'W1', 'b1'], outputs: ['h'], attributes: {} },
    { name: 'a', opType: 'Relu', inputs: ['h'], outputs: ['a'], attributes: {} },
    { name: 'z', opType: 'Gemm', inputs: ['a', 'W2', 'b2'], outputs: ['z'], attributes: {} },
    { name: 'y', opType: 'Sigmoid', inputs: ['z'], outputs: ['y'], attributes: {} },
  ],
  shapes: new Map(),
}
/** Why dropping a context square lets no lie through: see `buildModelCircuit`. */
export const CONTEXT_SQUARE =
  'the square of a public input feeds nothing: it is there so backends that do not bind unused public inputs still see it (snarkjs binds them in its setup)'
export const smallModelParams: QuantParams = { scaleBits: 4, activationBits: 12, sigmoid: 'proved' }

/** The lowered model as a suite: inputs are the 3 quantized values then subject and round. */
export const modelSuite: GadgetSuite = (() => {
  const { scaleBits: s, activationBits: B } = smallModelParams
  const ctx = [5n, 9n]
  const reference = (xs: Values) => {
    try {
      return lowerGraph(smallModel, referenceAlgebra, [{ dims: [1, 3], data: xs.slice(0, 3), scale: s }], smallModelParams).flatMap((o) => o.data)
    } catch (e) {
      if (e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW') return undefined
      throw e
    }
  }
  const fits = (x: bigint[]) => reference(x) !== undefined
  const r = rng(4)
  const lim = 1 << (B - 1)
  // random points of the whole input range that stay within B bits everywhere, and a fine line
  // through 0 so the logit visits every sigmoid segment
  const honest: bigint[][] = []
  for (let _i = 0; honest.length < 200; _i++) {
    const x = Array.from({ length: 3 }, () => BigInt(Math.floor((r() * 2 - 1) * lim)))
    if (fits(x)) honest.push(x)
  }
  for (let v = -lim; v < lim; v += 8) if (fits([BigInt(v), 0n, 0n])) honest.push([BigInt(v), 0n, 0n])
  // out-of-range inputs first: only they show an input's range check at work (each one input just
  // outside, the rest of the model in range), and elsewhere they fail fast
  const forge: bigint[][] = []
  for (let i = 0; i < 3; i++)
    for (const edge of [BigInt(lim), BigInt(-lim - 1)]) {
      const x = honest.find((h) => fits(h.map((v, j) => (j === i ? (edge > 0n ? edge - 1n : edge + 1n) : v))))
      if (x) forge.push(x.map((v, j) => (j === i ? edge : v)))
    }
  forge.push([16n, -8n, 24n], [-16n, 8n, -24n], [0n, 0n, 0n], [160n, 0n, -160n], [-160n, 0n, 160n], [2047n, 0n, 0n])
  return {
    name: `model x[3] → Gemm → Relu → Gemm → Sigmoid (s=${s}, B=${B})`,
    build: (f) => modelCircuit(smallModel, smallModelParams, f),
    reference,
    honestInputs: honest.map((x) => [...x, ...ctx]),
    forgeryInputs: forge.map((x) => [...x, ...ctx]),
    unguarded: {
      'bind subject': CONTEXT_SQUARE,
      'bind round': CONTEXT_SQUARE,
    },
  }
})()
