import { BaseError } from '../../errors/index.ts'
import { inv, mod, toSigned } from '../field.ts'
import type { WitnessProgram } from './WitnessProgram.ts'

/**
 * A witness program held in typed arrays: what the prover replays, in a few flat buffers instead of
 * one JS object (with arrays of `[wire, "coefficient"]` pairs) per step. A 2^20-constraint circuit
 * has about a million steps and several million terms: as objects that is gigabytes of heap and a
 * `BigInt(string)` per term per witness; packed it is ~12 bytes a term, each distinct coefficient
 * parsed once (weights repeat: a model has far fewer distinct coefficients than terms).
 *
 * The JSON form ({@link WitnessProgram}, `witness-program.json`) stays the artifact: it is what the
 * manifest hashes and what gadget tests read. This is its in-memory form (`packWitnessProgram`).
 *
 * Layout, for step i (ops in {@link OP}):
 * - `op[i]`; its linear combinations are `lc = lcAt[i]`, and `lc + 1` for `mul` (a, b) and `divide` (n, d);
 * - combination j's terms are `termWire[k]`·`coeffs[termCoeff[k]]` for k in [lcStart[j], lcStart[j + 1]);
 * - its output wires are `outs[outAt[i] .. outAt[i + 1])`;
 * - for `bits`: the offset is `coeffs[bitsOffset[i]]` and the label `whats[bitsWhat[i]]`.
 */
export type PackedWitnessProgram = {
  readonly packed: true
  readonly nWires: number
  readonly inputWires: Int32Array
  readonly op: Uint8Array
  readonly lcAt: Uint32Array
  readonly outAt: Uint32Array
  readonly outs: Int32Array
  readonly lcStart: Uint32Array
  readonly termWire: Int32Array
  readonly termCoeff: Uint32Array
  readonly bitsOffset: Uint32Array
  readonly bitsWhat: Uint32Array
  /** Distinct coefficients and bit offsets, as field elements (offsets as their signed value). */
  readonly coeffs: bigint[]
  readonly whats: string[]
}

/**
 * Step codes of {@link PackedWitnessProgram.op}.
 *
 * @example
 * ```ts
 * import { OP, packWitnessProgram } from './src/compiler/circuit/PackedWitnessProgram.ts'
 * const p = packWitnessProgram({ version: 1, nWires: 3, inputWires: [1], steps: [{ op: 'mul', a: [[1, '1']], b: [[1, '1']], out: 2 }] })
 * p.op[0] === OP.mul // true
 * ```
 */
export const OP = { bits: 0, mul: 1, lc: 2, isZero: 3, divide: 4, sqrt: 5 } as const

/** Grows a typed array by doubling as values are pushed; `done()` returns the used part. */
class Grow<T extends Int32Array | Uint32Array | Uint8Array> {
  n = 0
  constructor(private a: T, private readonly make: (n: number) => T) {}
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    this.a[this.n++] = v
  }
  done(): T {
    return this.a.slice(0, this.n) as T
  }
}

const grow = {
  i32: (n: number) => new Grow(new Int32Array(Math.max(n, 16)), (m) => new Int32Array(m)),
  u32: (n: number) => new Grow(new Uint32Array(Math.max(n, 16)), (m) => new Uint32Array(m)),
  u8: (n: number) => new Grow(new Uint8Array(Math.max(n, 16)), (m) => new Uint8Array(m)),
}

const packedOf = new WeakMap<WitnessProgram, PackedWitnessProgram>()

/**
 * Packs a witness program (the JSON form) into typed arrays. Cached per program object, so replaying
 * the same builder's program on many samples packs it once.
 *
 * @example
 * ```ts
 * import { packWitnessProgram } from './src/compiler/circuit/PackedWitnessProgram.ts'
 * const p = packWitnessProgram({ version: 1, nWires: 3, inputWires: [1], steps: [{ op: 'mul', a: [[1, '1']], b: [[1, '1']], out: 2 }] })
 * p.termWire // Int32Array [1, 1]
 * ```
 */
export function packWitnessProgram(program: WitnessProgram): PackedWitnessProgram {
  const hit = packedOf.get(program)
  if (hit) return hit
  const n = program.steps.length
  const op = new Uint8Array(n)
  const lcAt = new Uint32Array(n)
  const outAt = new Uint32Array(n + 1)
  const bitsOffset = new Uint32Array(n)
  const bitsWhat = new Uint32Array(n)
  const outs = grow.i32(n * 2)
  const lcStart = grow.u32(n + 1)
  const termWire = grow.i32(n * 4)
  const termCoeff = grow.u32(n * 4)
  const coeffs: bigint[] = []
  const coeffIndex = new Map<string, number>()
  const whats: string[] = []
  const whatIndex = new Map<string, number>()
  const coeff = (c: string) => {
    let k = coeffIndex.get(c)
    if (k === undefined) {
      k = coeffs.length
      coeffs.push(BigInt(c))
      coeffIndex.set(c, k)
    }
    return k
  }
  let nLc = 0
  const lc = (terms: ReadonlyArray<readonly [number, string]>) => {
    lcStart.push(termWire.n)
    for (const [w, c] of terms) {
      termWire.push(w)
      termCoeff.push(coeff(c))
    }
    return nLc++
  }
  const out = (ws: ReadonlyArray<number>) => {
    for (const w of ws) outs.push(w)
  }
  for (let i = 0; i < n; i++) {
    const s = program.steps[i]!
    op[i] = OP[s.op]
    outAt[i] = outs.n
    switch (s.op) {
      case 'bits': {
        lcAt[i] = lc(s.src)
        out(s.out)
        bitsOffset[i] = coeff(s.offset)
        let k = whatIndex.get(s.what)
        if (k === undefined) {
          k = whats.length
          whats.push(s.what)
          whatIndex.set(s.what, k)
        }
        bitsWhat[i] = k
        break
      }
      case 'mul':
        lcAt[i] = lc(s.a)
        lc(s.b)
        out([s.out])
        break
      case 'lc':
        lcAt[i] = lc(s.src)
        out([s.out])
        break
      case 'divide':
        lcAt[i] = lc(s.n)
        lc(s.d)
        out(s.out)
        break
      case 'isZero':
      case 'sqrt':
        lcAt[i] = lc(s.src)
        out(s.out)
        break
    }
  }
  outAt[n] = outs.n
  lcStart.push(termWire.n)
  const p: PackedWitnessProgram = {
    packed: true,
    nWires: program.nWires,
    inputWires: Int32Array.from(program.inputWires),
    op, lcAt, outAt, outs: outs.done(), lcStart: lcStart.done(), termWire: termWire.done(), termCoeff: termCoeff.done(),
    bitsOffset, bitsWhat, coeffs, whats,
  }
  packedOf.set(program, p)
  return p
}

/**
 * Replays a packed witness program (see `runWitnessProgram`, which takes either form).
 *
 * @example
 * ```ts
 * import { packWitnessProgram, runPackedWitnessProgram } from './src/compiler/circuit/PackedWitnessProgram.ts'
 * const p = packWitnessProgram({ version: 1, nWires: 3, inputWires: [1], steps: [{ op: 'mul', a: [[1, '1']], b: [[1, '1']], out: 2 }] })
 * runPackedWitnessProgram(p, [3n]) // [1n, 3n, 9n]
 * ```
 */
export function runPackedWitnessProgram(p: PackedWitnessProgram, inputs: ReadonlyArray<bigint>): bigint[] {
  if (inputs.length !== p.inputWires.length)
    throw new BaseError('INPUT_INVALID', 'Wrong number of circuit inputs.', {
      details: `expected ${p.inputWires.length} values, got ${inputs.length}`,
    })
  const w: (bigint | undefined)[] = new Array(p.nWires)
  w[0] = 1n
  for (let i = 0; i < inputs.length; i++) w[p.inputWires[i]!] = mod(inputs[i]!)
  const { op, lcAt, outAt, outs, lcStart, termWire, termCoeff, coeffs } = p
  const evaluate = (j: number): bigint => {
    let acc = 0n
    for (let k = lcStart[j]!, end = lcStart[j + 1]!; k < end; k++) {
      const v = w[termWire[k]!]
      if (v === undefined) throw new Error(`wire ${termWire[k]} has no value yet`)
      acc += coeffs[termCoeff[k]!]! * v
    }
    return mod(acc)
  }
  for (let i = 0; i < op.length; i++) {
    const o = outAt[i]!
    switch (op[i]) {
      case OP.bits: {
        const offset = coeffs[p.bitsOffset[i]!]!
        const v = toSigned(evaluate(lcAt[i]!)) + offset
        const n = outAt[i + 1]! - o
        if (v < 0n || v >= 1n << BigInt(n)) {
          const what = p.whats[p.bitsWhat[i]!]!
          throw new BaseError('QUANTIZATION_OVERFLOW', `A value left the fixed-point range (${what}).`, {
            details: `expected ${what} within [${-offset}, ${(1n << BigInt(n)) - offset}), got ${v - offset}; the input is outside what the model was calibrated for`,
            meta: { step: what },
          })
        }
        // bits of a small value go through a Number: one BigInt shift per bit is the slow part otherwise
        if (n <= 52) {
          let x = Number(v)
          for (let b = 0; b < n; b++) {
            w[outs[o + b]!] = x % 2 === 1 ? 1n : 0n
            x = Math.floor(x / 2)
          }
        } else for (let b = 0; b < n; b++) w[outs[o + b]!] = (v >> BigInt(b)) & 1n
        break
      }
      case OP.mul:
        w[outs[o]!] = mod(evaluate(lcAt[i]!) * evaluate(lcAt[i]! + 1))
        break
      case OP.lc:
        w[outs[o]!] = evaluate(lcAt[i]!)
        break
      case OP.isZero: {
        const v = evaluate(lcAt[i]!)
        w[outs[o]!] = v === 0n ? 1n : 0n
        w[outs[o + 1]!] = inv(v)
        break
      }
      case OP.divide: {
        const num = toSigned(evaluate(lcAt[i]!))
        const d = toSigned(evaluate(lcAt[i]! + 1))
        const q = floorDiv(num, d)
        w[outs[o]!] = mod(q)
        w[outs[o + 1]!] = mod(num - q * d)
        break
      }
      case OP.sqrt: {
        const num = toSigned(evaluate(lcAt[i]!))
        const y = isqrt(num)
        w[outs[o]!] = mod(y)
        w[outs[o + 1]!] = mod(num - y * y)
        break
      }
    }
  }
  // biome-ignore lint/complexity/useIndexOf: indexOf skips the holes of a sparse array, findIndex sees them
  const missing = w.findIndex((x) => x === undefined)
  if (missing >= 0) throw new Error(`witness program left wire ${missing} unset`)
  return w as bigint[]
}

/**
 * floor(n / d) for any signs (BigInt division truncates toward zero); 0 when d = 0.
 *
 * @example
 * ```ts
 * floorDiv(-7n, 2n) // -4n
 * ```
 */
export function floorDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) return 0n
  const q = n / d
  return q * d !== n && (n < 0n) !== (d < 0n) ? q - 1n : q
}

/**
 * floor(√n) for n ≥ 0 (Newton's method on bigints); 0 for n < 0.
 *
 * @example
 * ```ts
 * isqrt(17n) // 4n
 * ```
 */
export function isqrt(n: bigint): bigint {
  if (n <= 0n) return 0n
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1)
  for (;;) {
    const y = (x + n / x) >> 1n
    if (y >= x) return x
    x = y
  }
}
