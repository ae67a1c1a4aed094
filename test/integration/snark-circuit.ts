// Small hand-built circuits shared by the snark-*.test.ts files (not a test file itself).
import { P } from '../../src/compiler/field.ts'
import type { R1csData } from '../../src/compiler/r1cs/index.ts'

/**
 * Wires: 0 one, 1 out1, 2 out2 (public outputs), 3 in1, 4 in2 (public inputs), 5 x (private input), 6 t.
 *   c0: x * x = t
 *   c1: (t + in1 + 3) * (x + in2) = out1     multi-term A and B (PLONK splits them into extra gates)
 *   c2: 1 * (x + in1 + 7) = out2             a linear constraint
 *   c3: (in2 - 4·one) * in2 = 0 - 0          in2 ∈ {0, 4}; exercises a P-1-style coefficient
 * Public signals: out1, out2, in1, in2.
 */
export const smallCircuit: R1csData = {
  prime: P,
  nWires: 7, nPubOut: 2, nPubIn: 2, nPrvIn: 1, nLabels: 7,
  constraints: [
    [[[5, 1n]], [[5, 1n]], [[6, 1n]]],
    [[[0, 3n], [3, 1n], [6, 1n]], [[4, 1n], [5, 1n]], [[1, 1n]]],
    [[[0, 1n]], [[0, 7n], [3, 1n], [5, 1n]], [[2, 1n]]],
    [[[0, P - 4n], [4, 1n]], [[4, 1n]], []],
  ],
  wireToLabel: [0, 1, 2, 3, 4, 5, 6],
}

/** x = 3, in1 = 10, in2 = 4 → t = 9, out1 = 22 · 7 = 154, out2 = 20. */
export const smallWitness = [1n, 154n, 20n, 10n, 4n, 3n, 9n]
export const smallSignals = ['154', '20', '10', '4']
