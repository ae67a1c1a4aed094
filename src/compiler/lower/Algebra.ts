import type { PiecewiseTable } from '../circuit/gadgets/piecewise.ts'

/**
 * The arithmetic a quantized model needs, written once per meaning:
 * - `circuitAlgebra` emits constraints and witness steps (values are linear combinations);
 * - `referenceAlgebra` computes plain bigints (the specification).
 * Op lowering (`ops.ts`) is written once against this interface, so index plumbing (conv windows,
 * broadcasting) is shared and the arithmetic is checked two ways: the reference against the circuit
 * in tests, and both against onnxruntime's floats for fidelity.
 */
export interface Algebra<V> {
  constant(c: bigint): V
  /** Σ coeffs[i]·xs[i] + bias. Free in the circuit. */
  affine(xs: ReadonlyArray<V>, coeffs: ReadonlyArray<bigint>, bias: bigint): V
  /** round(x / 2^k), range-checked to B signed bits. */
  rescale(x: V, k: number, B: number, what: string): V
  /** x itself, range-checked to B signed bits. */
  rangeCheck(x: V, B: number, what: string): V
  /** max(x, 0); x must already be range-checked (or be the result of a rescale). */
  relu(x: V, B: number, what: string): V
  /** Piecewise-linear σ of x at scale 2^s; output at scale 2^(2s-1). */
  sigmoid(x: V, s: number, B: number, what: string): V
  /** x·y: one constraint in the circuit (free when either is constant). Scales add. */
  mul(x: V, y: V, what: string): V
  /** 1 when x ≥ 0 else 0; x is range-checked to B signed bits (the bit is its sign). */
  isNonNegative(x: V, B: number, what: string): V
  /** 1 when x = 0 else 0 (two constraints). */
  isZero(x: V, what: string): V
  /** x, forced to be 0 or 1 (one constraint). */
  assertBoolean(x: V, what: string): V
  /** A proved piecewise polynomial of u (range-checked to B signed bits; B > table.E); scale 2^piecewiseScale(table). */
  piecewise(u: V, table: PiecewiseTable, B: number, what: string): V
  /** round(n / d) from a checked hint: q range-checked to qBits, |d| < 2^(dBits-1), d ≠ 0 proved (d > 0 with `positive`). */
  divRound(n: V, d: V, o: { dBits: number; qBits: number; positive?: boolean }, what: string): V
  /** floor(√n) from a checked hint, n ≥ 0 proved, the root below 2^yBits. */
  sqrtFloor(n: V, yBits: number, what: string): V
  /**
   * x = 2^k·m, m ∈ [1, 2), for x range-checked to B signed bits (x ≤ 0 has no witness): the one-hot
   * o_0…o_{B−2} of k and the mantissa u = x·2^(B−2−k) − 3·2^(B−3), range-checked to B − 2 bits.
   */
  normalize(x: V, B: number, what: string): { onehot: V[]; mantissa: V }
  /**
   * n = q·C + r, 0 ≤ r < C, for a positive constant C (q range-checked to qBits; none fitting: no
   * witness). Returns q and u = r − 2^(R−1), range-checked to R = bit length of C − 1 signed bits.
   */
  reduceMod(n: V, C: bigint, qBits: number, what: string): { q: V; u: V }
}

/** A quantized tensor: row-major values of integers at scale 2^scale. */
export type QTensor<V> = {
  dims: number[]
  data: V[]
  scale: number
  constant?: Float64Array
  /** Every value is proved to be 0 or 1 (a comparison's result, a checked bool input); scale 0. */
  boolean?: true
}
