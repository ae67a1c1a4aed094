/**
 * A synthetic circuit of exactly n constraints for size sweeps (bench/market.ts, bench/plonk-scale.ts):
 * public output, public input, subject and round, one private x; subject·round, n − 2 squarings of x,
 * input · y_last = output. Each constraint is one product of single wires (one PLONK gate each).
 */
import { P, mod } from '../src/compiler/field.ts'
import type { R1csData } from '../src/compiler/r1cs/index.ts'

/**
 * n constraints: subject·round = s, n-2 squarings of the private x, input · y_last = output.
 *
 * @example
 * ```ts
 * const c = chainCircuit(1024)
 * const w = c.witness(3n, 5n, 42n, 1n) // x, input, subject, round
 * ```
 */
export function chainCircuit(n: number): { r1cs: R1csData; witness(x: bigint, input: bigint, subject: bigint, round: bigint): bigint[] } {
  const constraints: [Array<[number, bigint]>, Array<[number, bigint]>, Array<[number, bigint]>][] = [[[[3, 1n]], [[4, 1n]], [[6, 1n]]]]
  let prev = 5
  for (let i = 0; i < n - 2; i++) {
    constraints.push([[[prev, 1n]], [[prev, 1n]], [[7 + i, 1n]]])
    prev = 7 + i
  }
  constraints.push([[[2, 1n]], [[prev, 1n]], [[1, 1n]]])
  const nWires = 7 + (n - 2)
  return {
    r1cs: { prime: P, nWires, nPubOut: 1, nPubIn: 3, nPrvIn: 1, nLabels: nWires, constraints, wireToLabel: Array.from({ length: nWires }, (_, i) => i) },
    witness(x, input, subject, round) {
      const w = [1n, 0n, input, subject, round, x, mod(subject * round)]
      let y = x
      for (let i = 0; i < n - 2; i++) w.push((y = mod(y * y)))
      w[1] = mod(input * y)
      return w
    },
  }
}
