import { P, mod } from '../field.ts'

/** Serialized linear combination: [wire, coefficient as decimal string] pairs. */
export type LcJson = Array<[number, string]>

/**
 * An immutable linear combination over the BN254 scalar field: Σ coeff·wire, wire 0 = the constant 1.
 * Arithmetic on linear combinations is free in R1CS: it only ever becomes part of some constraint.
 * That is why weights, biases and scale changes cost no constraints.
 *
 * @example
 * ```ts
 * import { Lc } from './src/compiler/circuit/Lc.ts'
 * const x = Lc.wire(5)
 * const y = x.scale(3n).addConst(7n) // 3·w5 + 7
 * y.isConstant() // false
 * Lc.constant(4n).add(Lc.constant(5n)).constantValue() // 9n
 * ```
 */
export class Lc {
  private constructor(readonly terms: ReadonlyMap<number, bigint>) {}

  static readonly zero = new Lc(new Map())
  static constant(c: bigint): Lc {
    const v = mod(c)
    return v === 0n ? Lc.zero : new Lc(new Map([[0, v]]))
  }
  static wire(w: number, coeff = 1n): Lc {
    const v = mod(coeff)
    return v === 0n ? Lc.zero : new Lc(new Map([[w, v]]))
  }
  /** Σ coeffs[i]·lcs[i] in one pass (dot products of a layer build through here). */
  static sum(lcs: ReadonlyArray<Lc>, coeffs?: ReadonlyArray<bigint>): Lc {
    const m = new Map<number, bigint>()
    for (let i = 0; i < lcs.length; i++) {
      const k = coeffs ? coeffs[i]! : 1n
      if (k === 0n) continue
      for (const [w, c] of lcs[i]!.terms) m.set(w, (m.get(w) ?? 0n) + c * k)
    }
    return Lc.normalized(m)
  }
  static fromJson(j: LcJson): Lc {
    return new Lc(new Map(j.map(([w, c]) => [w, BigInt(c)])))
  }
  private static normalized(m: Map<number, bigint>): Lc {
    for (const [w, c] of m) {
      const v = mod(c)
      if (v === 0n) m.delete(w)
      else m.set(w, v)
    }
    return new Lc(m)
  }

  add(o: Lc): Lc {
    return Lc.sum([this, o])
  }
  sub(o: Lc): Lc {
    return Lc.sum([this, o], [1n, P - 1n])
  }
  scale(k: bigint): Lc {
    return Lc.sum([this], [mod(k)])
  }
  addConst(c: bigint): Lc {
    return this.add(Lc.constant(c))
  }
  isConstant(): boolean {
    for (const w of this.terms.keys()) if (w !== 0) return false
    return true
  }
  /** The constant's value in [0, P); throws if the combination involves a wire. */
  constantValue(): bigint {
    if (!this.isConstant()) throw new Error('not a constant linear combination')
    return this.terms.get(0) ?? 0n
  }
  /** Value under a witness (`values[w]` for each wire w; values[0] must be 1). */
  evaluate(values: ArrayLike<bigint | undefined>): bigint {
    let acc = 0n
    for (const [w, c] of this.terms) {
      const v = w === 0 ? 1n : values[w]
      if (v === undefined) throw new Error(`wire ${w} has no value yet`)
      acc += c * v
    }
    return mod(acc)
  }
  /** Rewrites wire ids (used when the builder orders wires the way snarkjs expects). */
  remap(map: ArrayLike<number>): Lc {
    const m = new Map<number, bigint>()
    for (const [w, c] of this.terms) m.set(map[w]!, c)
    return new Lc(m)
  }
  toJson(): LcJson {
    return [...this.terms].sort((a, b) => a[0] - b[0]).map(([w, c]) => [w, c.toString()])
  }
}
