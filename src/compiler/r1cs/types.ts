/**
 * A linear combination as (wire, coefficient) pairs, wires ascending, coefficients in [1, P).
 * Wire 0 is the constant one.
 */
export type LcTerms = ReadonlyArray<readonly [wire: number, coeff: bigint]>

/** One rank-1 constraint: <a,w> * <b,w> = <c,w>. */
export type R1csConstraint = readonly [a: LcTerms, b: LcTerms, c: LcTerms]

/**
 * A finished constraint system in snarkjs's wire order:
 * `[one, public outputs…, public inputs…, private inputs…, internal…]`.
 * Public signals of a proof are the outputs followed by the public inputs.
 *
 * @example
 * ```ts
 * import type { R1csData } from './src/compiler/r1cs/types.ts'
 * // x * x = y with y public output (wire 1) and x private input (wire 2)
 * const sq: R1csData = {
 *   prime: 21888242871839275222246405745257275088548364400416034343698204186575808495617n,
 *   nWires: 3, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: 3,
 *   constraints: [[[[2, 1n]], [[2, 1n]], [[1, 1n]]]],
 *   wireToLabel: [0, 1, 2],
 * }
 * ```
 */
export type R1csData = {
  prime: bigint
  nWires: number
  nPubOut: number
  nPubIn: number
  nPrvIn: number
  nLabels: number
  constraints: ReadonlyArray<R1csConstraint>
  /** wireToLabel[i] = the label id of wire i (identity unless wires were optimised away). */
  wireToLabel: ReadonlyArray<number>
}
