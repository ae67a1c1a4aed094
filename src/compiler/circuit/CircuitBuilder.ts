import { BaseError } from '../../errors/index.ts'
import { P, mod, toSigned } from '../field.ts'
import type { R1csConstraint, R1csData } from '../r1cs/types.ts'
import { Lc, type LcJson } from './Lc.ts'
import type { WitnessProgram, WitnessStep } from './WitnessProgram.ts'

type WireKind = 'output' | 'publicInput' | 'privateInput' | 'internal'
/** One R1CS constraint a·b = c, with what it is for. */
export type Constraint = { a: Lc; b: Lc; c: Lc; what: string }

/**
 * Test-only hook for mutation testing (`test/unit/mutation.test.ts`): sees every constraint as it is
 * emitted, with its index among the constraints emitted so far, and returns it, a weakened one, or
 * null to drop it. Witness steps are never affected, so a mutant circuit has the same wires and the
 * same witness program as the real one. No production path passes one.
 *
 * @example
 * ```ts
 * const dropThird: ConstraintFilter = (i, c) => (i === 2 ? null : c)
 * const b = new CircuitBuilder({ constraintFilter: dropThird })
 * ```
 */
export type ConstraintFilter = (index: number, constraint: Constraint) => Constraint | null

export type FinishedCircuit = {
  r1cs: R1csData
  program: WitnessProgram
  /** what each constraint is for, by index (for error messages and audits). */
  constraintLabels: string[]
  /** final wire ids of outputs, public inputs (in declaration order) and private inputs. */
  outputWires: number[]
  publicInputWires: number[]
}

/**
 * Builds an R1CS and, separately, the program that computes its witness.
 *
 * Gadgets use two kinds of calls and never mix them: `witness*` allocate wires and record how to
 * compute them (no constraints), `enforce*` emit constraints (no values). A gadget is sound only
 * through what it enforces. Operations on constant linear combinations fold at compile time and emit
 * nothing, so weights and biases are free.
 *
 * Wires are allocated in any order and renumbered by `finish()` into snarkjs's order
 * `[one, outputs…, public inputs…, private inputs…, internal…]`.
 *
 * @example
 * ```ts
 * import { CircuitBuilder } from './src/compiler/circuit/CircuitBuilder.ts'
 * const b = new CircuitBuilder()
 * const x = b.privateInput()
 * const y = b.mul(x, x)          // one constraint: x·x = y
 * b.output(y.addConst(1n))       // one constraint binding the public output
 * const { r1cs } = b.finish()
 * r1cs.constraints.length // 2
 * ```
 */
export class CircuitBuilder {
  private kinds: WireKind[] = ['internal'] // wire 0 = one; its kind is irrelevant
  private constraints: Constraint[] = []
  private steps: WitnessStep[] = []
  private inputOrder: number[] = []
  /** Constraints emitted so far, kept or not: the index a constraint filter sees. */
  private emitted = 0
  private readonly constraintFilter: ConstraintFilter | undefined
  private finished: FinishedCircuit | undefined

  /** `options.constraintFilter` is for mutation tests only (see `ConstraintFilter`). */
  constructor(options: { constraintFilter?: ConstraintFilter } = {}) {
    this.constraintFilter = options.constraintFilter
  }

  get constraintCount(): number {
    return this.finished ? this.finished.r1cs.constraints.length : this.constraints.length
  }

  private alloc(kind: WireKind): number {
    this.kinds.push(kind)
    return this.kinds.length - 1
  }

  /** A public input set by the prover's caller (model input or context); part of the public signals. */
  publicInput(): Lc {
    const w = this.alloc('publicInput')
    this.inputOrder.push(w)
    return Lc.wire(w)
  }
  privateInput(): Lc {
    const w = this.alloc('privateInput')
    this.inputOrder.push(w)
    return Lc.wire(w)
  }

  /** Exposes `lc` as a public output: one wire, one constraint `lc · 1 = out`. */
  output(lc: Lc, what = 'output'): number {
    const w = this.alloc('output')
    this.steps.push({ op: 'lc', src: lc.toJson(), out: w })
    this.enforce(lc, Lc.constant(1n), Lc.wire(w), `${what}: bind public output`)
    return w
  }

  // ---- witness side: allocation + how to compute, no constraints ----

  /** n fresh wires holding the bits of (signed value of src) + offset. Unconstrained until enforced. */
  witnessBits(src: Lc, offset: bigint, n: number, what: string): number[] {
    const out = Array.from({ length: n }, () => this.alloc('internal'))
    this.steps.push({ op: 'bits', src: src.toJson(), offset: offset.toString(), out, what })
    return out
  }
  witnessProduct(a: Lc, b: Lc): number {
    const out = this.alloc('internal')
    this.steps.push({ op: 'mul', a: a.toJson(), b: b.toJson(), out })
    return out
  }
  witnessIsZero(src: Lc): [z: number, inverse: number] {
    const out: [number, number] = [this.alloc('internal'), this.alloc('internal')]
    this.steps.push({ op: 'isZero', src: src.toJson(), out })
    return out
  }

  /** Hint wires [q, r]: q = floor(n / d), r = n − q·d. Mean nothing until the caller's constraints pin them. */
  witnessQuotient(n: Lc, d: Lc): [q: number, r: number] {
    const out: [number, number] = [this.alloc('internal'), this.alloc('internal')]
    this.steps.push({ op: 'divide', n: n.toJson(), d: d.toJson(), out })
    return out
  }
  /** Hint wires [y, a]: y = floor(√src), a = src − y². Mean nothing until the caller's constraints pin them. */
  witnessSqrt(src: Lc): [y: number, a: number] {
    const out: [number, number] = [this.alloc('internal'), this.alloc('internal')]
    this.steps.push({ op: 'sqrt', src: src.toJson(), out })
    return out
  }

  // ---- constraint side ----

  enforce(a: Lc, b: Lc, c: Lc, what: string): void {
    if (a.isConstant() && b.isConstant() && c.isConstant()) {
      if (mod(a.constantValue() * b.constantValue()) !== c.constantValue())
        throw new BaseError('CIRCUIT_UNSATISFIED', `Constant constraint can never hold (${what}).`, {
          details: `expected ${a.constantValue()}·${b.constantValue()} = ${c.constantValue()}`,
        })
      return
    }
    const emitted: Constraint = { a, b, c, what }
    const kept = this.constraintFilter ? this.constraintFilter(this.emitted, emitted) : emitted
    this.emitted++
    if (kept) this.constraints.push(kept)
  }
  enforceBoolean(w: number, what: string): void {
    this.enforce(Lc.wire(w), Lc.wire(w).addConst(-1n), Lc.zero, what)
  }
  enforceEqual(x: Lc, y: Lc, what: string): void {
    this.enforce(x.sub(y), Lc.constant(1n), Lc.zero, what)
  }

  /** x·y as a linear combination: free when either side is constant, else one constraint. */
  mul(x: Lc, y: Lc, what = 'product'): Lc {
    if (x.isConstant()) return y.scale(x.constantValue())
    if (y.isConstant()) return x.scale(y.constantValue())
    const w = this.witnessProduct(x, y)
    this.enforce(x, y, Lc.wire(w), what)
    return Lc.wire(w)
  }

  /**
   * Renumbers wires into snarkjs order and returns the R1CS and the witness program. The builder's
   * own records are converted in place and let go as they are (a 2^20 circuit must not be held twice),
   * so the builder is spent afterwards: a second call returns the same result.
   */
  finish(): FinishedCircuit {
    if (this.finished) return this.finished
    const order: WireKind[] = ['output', 'publicInput', 'privateInput', 'internal']
    const map = new Int32Array(this.kinds.length)
    map[0] = 0
    let next = 1
    const counts: Record<WireKind, number> = { output: 0, publicInput: 0, privateInput: 0, internal: 0 }
    for (const kind of order)
      for (let w = 1; w < this.kinds.length; w++)
        if (this.kinds[w] === kind) {
          map[w] = next++
          counts[kind]++
        }
    // Remapping is a relabelling (a bijection): no two terms merge, so no coefficient changes; terms
    // come out sorted by the new wire id, as Lc.toJson writes them.
    const byWire = (x: readonly [number, unknown], y: readonly [number, unknown]) => x[0] - y[0]
    const r = (j: LcJson): LcJson => j.map(([w, c]) => [map[w]!, c] as [number, string]).sort(byWire)
    const terms = (lc: Lc) => [...lc.terms].map(([w, c]) => [map[w]!, c] as const).sort(byWire)
    const steps = this.steps
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!
      switch (s.op) {
        case 'bits':
          steps[i] = { ...s, src: r(s.src), out: s.out.map((w) => map[w]!) }
          break
        case 'mul':
          steps[i] = { ...s, a: r(s.a), b: r(s.b), out: map[s.out]! }
          break
        case 'lc':
          steps[i] = { ...s, src: r(s.src), out: map[s.out]! }
          break
        case 'isZero':
          steps[i] = { ...s, src: r(s.src), out: [map[s.out[0]]!, map[s.out[1]]!] }
          break
        case 'divide':
          steps[i] = { ...s, n: r(s.n), d: r(s.d), out: [map[s.out[0]]!, map[s.out[1]]!] }
          break
        case 'sqrt':
          steps[i] = { ...s, src: r(s.src), out: [map[s.out[0]]!, map[s.out[1]]!] }
          break
      }
    }
    const cs = this.constraints
    const constraints: R1csConstraint[] = new Array(cs.length)
    const constraintLabels: string[] = new Array(cs.length)
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!
      constraints[i] = [terms(c.a), terms(c.b), terms(c.c)] as const
      constraintLabels[i] = c.what
      cs[i] = undefined as unknown as Constraint // let the builder's copy go as the R1CS one is made
    }
    this.constraints = []
    this.steps = []
    const nWires = this.kinds.length
    const outputWires: number[] = []
    for (let w = 1; w < nWires; w++) if (this.kinds[w] === 'output') outputWires.push(map[w]!)
    this.finished = {
      r1cs: {
        prime: P,
        nWires,
        nPubOut: counts.output,
        nPubIn: counts.publicInput,
        nPrvIn: counts.privateInput,
        nLabels: nWires,
        constraints,
        wireToLabel: Array.from({ length: nWires }, (_, i) => i),
      },
      program: { version: 1, nWires, inputWires: this.inputOrder.map((w) => map[w]!), steps },
      constraintLabels,
      outputWires: outputWires.sort((a, b) => a - b),
      publicInputWires: this.inputOrder.filter((w) => this.kinds[w] === 'publicInput').map((w) => map[w]!),
    }
    return this.finished
  }
}

/**
 * Checks a full witness against an R1CS and returns the index of the first failing constraint, or -1.
 * Independent of snarkjs so gadget tests can try thousands of bad witnesses quickly.
 *
 * @example
 * ```ts
 * const bad = firstUnsatisfied(r1cs, witness)
 * if (bad >= 0) console.log('constraint', bad, 'fails')
 * ```
 */
export function firstUnsatisfied(r1cs: R1csData, witness: ReadonlyArray<bigint>): number {
  const dot = (lc: ReadonlyArray<readonly [number, bigint]>) => {
    let s = 0n
    for (const [w, c] of lc) s += c * witness[w]!
    return mod(s)
  }
  for (let i = 0; i < r1cs.constraints.length; i++) {
    const [a, b, c] = r1cs.constraints[i]!
    if (mod(dot(a) * dot(b)) !== dot(c)) return i
  }
  return -1
}

export { toSigned }
