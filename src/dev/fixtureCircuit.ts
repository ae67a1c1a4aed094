import { mod } from '../compiler/field.ts'
import { P } from '../compiler/field.ts'
import type { LcTerms, R1csData } from '../compiler/r1cs/types.ts'

/**
 * A tiny circuit whose public signals follow the manifest layout `outputs…, inputs…, subject, round`,
 * for contract tests and gas benchmarks that need real proofs of any signal count without compiling a model.
 *
 * Wires: `[one, o_0..o_{nOut-1}, x_0..x_{nIn-1}, subject, round, k]`, where
 * - `o_j = x_{j mod nIn} - x_{(j+1) mod nIn}` (so outputs can be negative: field elements above P/2),
 * - `k = subject * round` puts both context signals in a real constraint.
 */
export type FixtureCircuit = {
  nOutputs: number
  nInputs: number
  r1cs: R1csData
  /** Full witness (wire order) for these model inputs and context; inputs may be negative. */
  witness(inputs: readonly bigint[], subject: bigint, round: bigint): bigint[]
  /** The public signals the proof of `witness(...)` carries. */
  publicSignals(inputs: readonly bigint[], subject: bigint, round: bigint): bigint[]
}

/**
 * Builds the fixture circuit for `nOutputs` outputs and `nInputs` model inputs
 * (public signal count = nOutputs + nInputs + 2).
 *
 * @example
 * ```ts
 * import { fixtureCircuit } from './src/dev/fixtureCircuit.ts'
 * const c = fixtureCircuit(1, 2)
 * c.publicSignals([5n, 3n], 7n, 1n) // [2n, 5n, 3n, 7n, 1n]
 * ```
 */
export function fixtureCircuit(nOutputs: number, nInputs: number): FixtureCircuit {
  if (!Number.isInteger(nOutputs) || nOutputs < 1 || !Number.isInteger(nInputs) || nInputs < 1)
    throw new RangeError(`expected nOutputs >= 1 and nInputs >= 1, got ${nOutputs}, ${nInputs}`)
  const out = (j: number) => 1 + j
  const inp = (i: number) => 1 + nOutputs + i
  const subjectW = 1 + nOutputs + nInputs
  const roundW = subjectW + 1
  const kW = roundW + 1
  const nWires = kW + 1
  const lc = (terms: [number, bigint][]): LcTerms => {
    const m = new Map<number, bigint>()
    for (const [w, c] of terms) m.set(w, mod((m.get(w) ?? 0n) + c))
    return [...m.entries()].filter(([, c]) => c !== 0n).sort((a, b) => a[0] - b[0])
  }
  const constraints: R1csData['constraints'][number][] = []
  for (let j = 0; j < nOutputs; j++)
    constraints.push([lc([[inp(j % nInputs), 1n], [inp((j + 1) % nInputs), -1n]]), lc([[0, 1n]]), lc([[out(j), 1n]])])
  constraints.push([lc([[subjectW, 1n]]), lc([[roundW, 1n]]), lc([[kW, 1n]])])
  const r1cs: R1csData = {
    prime: P,
    nWires,
    nPubOut: nOutputs,
    nPubIn: nInputs + 2,
    nPrvIn: 0,
    nLabels: nWires,
    constraints,
    wireToLabel: Array.from({ length: nWires }, (_, i) => i),
  }
  const witness = (inputs: readonly bigint[], subject: bigint, round: bigint): bigint[] => {
    if (inputs.length !== nInputs) throw new RangeError(`expected ${nInputs} inputs, got ${inputs.length}`)
    const x = inputs.map(mod)
    const o = Array.from({ length: nOutputs }, (_, j) => mod(x[j % nInputs]! - x[(j + 1) % nInputs]!))
    return [1n, ...o, ...x, mod(subject), mod(round), mod(subject * round)]
  }
  return {
    nOutputs,
    nInputs,
    r1cs,
    witness,
    publicSignals: (inputs, subject, round) => witness(inputs, subject, round).slice(1, kW),
  }
}
