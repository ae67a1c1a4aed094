import { BaseError } from '../../errors/index.ts'
import { P, inv, mod, toSigned } from '../field.ts'
import { Lc, type LcJson } from './Lc.ts'

/**
 * How to compute every wire of a circuit from its inputs, as data. The circuit builder records one
 * step per witness it allocates; the prover replays them. Steps never add constraints: soundness
 * lives only in the R1CS, and tests feed the R1CS witnesses that these steps would never produce.
 *
 * Stored as `witness-program.json` among a circuit's artifacts (content-addressed like the rest).
 */
export type WitnessProgram = {
  version: 1
  nWires: number
  /** Wires set from outside, in order: model inputs (quantized) then context (subject, round). */
  inputWires: number[]
  steps: WitnessStep[]
}

export type WitnessStep =
  /** out[i] = bit i of (signed value of src) + offset; that sum must lie in [0, 2^n). */
  | { op: 'bits'; src: LcJson; offset: string; out: number[]; what: string }
  | { op: 'mul'; a: LcJson; b: LcJson; out: number }
  | { op: 'lc'; src: LcJson; out: number }
  /** out[0] = 1 if src == 0 else 0; out[1] = src⁻¹ (0 for 0). */
  | { op: 'isZero'; src: LcJson; out: [number, number] }
  /** out = [q, r]: q = floor(n / d), r = n − q·d of the signed values (q = 0 when d = 0: the gadget's range checks then refuse it). A hint: only constraints make it mean anything. */
  | { op: 'divide'; n: LcJson; d: LcJson; out: [number, number] }
  /** out = [y, a]: y = floor(√src), a = src − y² (y = 0 when src < 0: the gadget's range checks then refuse it). A hint, as `divide`. */
  | { op: 'sqrt'; src: LcJson; out: [number, number] }

/**
 * Replays a witness program. `inputs` are field elements for `program.inputWires`.
 * Throws QUANTIZATION_OVERFLOW when a value falls outside the range a decomposition can hold:
 * the input is outside what the model was calibrated for, and no valid witness exists.
 *
 * @example
 * ```ts
 * import { runWitnessProgram } from './src/compiler/circuit/WitnessProgram.ts'
 * const program = { version: 1, nWires: 3, inputWires: [1], steps: [{ op: 'mul', a: [[1, '1']], b: [[1, '1']], out: 2 }] } as const
 * runWitnessProgram(program, [3n]) // [1n, 3n, 9n]
 * ```
 */
export function runWitnessProgram(program: WitnessProgram, inputs: ReadonlyArray<bigint>): bigint[] {
  if (inputs.length !== program.inputWires.length)
    throw new BaseError('INPUT_INVALID', 'Wrong number of circuit inputs.', {
      details: `expected ${program.inputWires.length} values, got ${inputs.length}`,
    })
  const w: (bigint | undefined)[] = new Array(program.nWires)
  w[0] = 1n
  program.inputWires.forEach((wire, i) => (w[wire] = mod(inputs[i]!)))
  for (const step of program.steps) {
    switch (step.op) {
      case 'bits': {
        const v = toSigned(Lc.fromJson(step.src).evaluate(w)) + BigInt(step.offset)
        const n = step.out.length
        if (v < 0n || v >= 1n << BigInt(n))
          throw new BaseError('QUANTIZATION_OVERFLOW', `A value left the fixed-point range (${step.what}).`, {
            details: `expected ${step.what} within [${-BigInt(step.offset)}, ${(1n << BigInt(n)) - BigInt(step.offset)}), got ${v - BigInt(step.offset)}; the input is outside what the model was calibrated for`,
            meta: { step: step.what },
          })
        for (let i = 0; i < n; i++) w[step.out[i]!] = (v >> BigInt(i)) & 1n
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
      case 'sqrt': {
        const [x, y] = hintValues(step, w)
        w[step.out[0]] = mod(x)
        w[step.out[1]] = mod(y)
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
 * The honest values of a hint step: [q, r] of a division, [root, n − root²] of a square root.
 *
 * @example
 * ```ts
 * hintValues(step, witness) // [q, r]
 * ```
 */
export function hintValues(step: Extract<WitnessStep, { op: 'divide' | 'sqrt' }>, w: ReadonlyArray<bigint | undefined>): [bigint, bigint] {
  if (step.op === 'divide') {
    const n = toSigned(Lc.fromJson(step.n).evaluate(w))
    const d = toSigned(Lc.fromJson(step.d).evaluate(w))
    const q = floorDiv(n, d)
    return [q, n - q * d]
  }
  const n = toSigned(Lc.fromJson(step.src).evaluate(w))
  const y = isqrt(n)
  return [y, n - y * y]
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

export { P }
