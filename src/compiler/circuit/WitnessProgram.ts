import { P, toSigned } from '../field.ts'
import { Lc, type LcJson } from './Lc.ts'
import { floorDiv, isqrt, packWitnessProgram, runPackedWitnessProgram, type PackedWitnessProgram } from './PackedWitnessProgram.ts'

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
 * Replays a witness program (either form: the JSON one is packed into typed arrays first, once per
 * program object: PackedWitnessProgram.ts). `inputs` are field elements for `program.inputWires`.
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
export function runWitnessProgram(program: WitnessProgram | PackedWitnessProgram, inputs: ReadonlyArray<bigint>): bigint[] {
  return runPackedWitnessProgram('packed' in program ? program : packWitnessProgram(program), inputs)
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

export { floorDiv, isqrt, P }
