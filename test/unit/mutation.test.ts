import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Constraint, ConstraintFilter } from '../../src/compiler/circuit/CircuitBuilder.ts'
import { Lc } from '../../src/compiler/circuit/Lc.ts'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import {
  CONTEXT_SQUARE, acceptedForgery, coherentForgeries, completenessFailure, gadgetSuites, honestWitnesses, modelCircuit, modelSuite, smallModel,
  smallModelParams, violated,
} from './gadget-suites.ts'

/**
 * Mutation harness: every constraint every gadget emits is, in turn, dropped, and weakened by
 * removing one term from one of its three linear combinations (a looser recomposition, a booleanity
 * b·b = 0 or b·(-1) = 0, a product missing a factor's term…). Each mutant runs the gadget's suite:
 * the coherent forgeries must still be rejected and honest witnesses must still match the bigint
 * reference. A mutant is killed when some check fails; a surviving one means the gadget has a
 * constraint (or a term) that no test needs, i.e. a missing forgery. Constraint counts are not used
 * to kill mutants: a drop would always change them, and that proves nothing about soundness.
 */

type Mutation = { name: string; filter: ConstraintFilter }

/** Names wires by role (`bit 3 of "r"`, `product "relu"`) so mutant names survive renumbering. */
function wireNames(emitted: ReadonlyArray<Constraint>): Map<number, string> {
  const names = new Map<number, string>()
  for (const c of emitted) {
    const bit = /^(.*): bit (\d+) is boolean$/.exec(c.what)
    const [only] = [...c.a.terms.keys()]
    if (bit && c.a.terms.size === 1) names.set(only!, `bit ${bit[2]} of "${bit[1]}"`)
    const [out] = [...c.c.terms.keys()]
    if (!bit && c.c.terms.size === 1 && out !== 0 && c.c.terms.get(out!) === 1n && !names.has(out!)) names.set(out!, `product "${c.what}"`)
  }
  return names
}

function mutationsOf(index: number, c: Constraint, names: Map<number, string>): Mutation[] {
  const only = (f: (c: Constraint) => Constraint | null): ConstraintFilter => (i, con) => (i === index ? f(con) : con)
  const out: Mutation[] = [{ name: `drop "${c.what}"`, filter: only(() => null) }]
  for (const side of ['a', 'b', 'c'] as const)
    for (const [wire] of c[side].terms) {
      const term = wire === 0 ? 'the constant' : (names.get(wire) ?? `wire ${wire}`)
      out.push({
        name: `drop ${term} from ${side} of "${c.what}"`,
        filter: only((con) => ({ ...con, [side]: con[side].sub(Lc.wire(wire, con[side].terms.get(wire)!)) })),
      })
    }
  return out
}

/**
 * Mutants that no witness can tell apart from the real gadget, with the reason. The harness demands
 * that every survivor is listed here and every entry here survives somewhere, so the list can neither
 * hide a real survivor nor go stale.
 */
const EQUIVALENT: Array<[RegExp, string]> = [
  // t = M − m + 2·sm − sign·M, with sm = sign·m forced by "sign·mismatch". Without the 2·sm term the
  // combination is t − 2·sign·m: −t when sign = 1, t when sign = 0, so it is zero exactly when t is.
  [/^drop product "(.+): sign·mismatch" from a of "\1: t·z = 0"$/, 't − 2·sm = ±t, so (t − 2·sm)·z = 0 iff t·z = 0'],
  [/^drop "bind (subject|round)"$/, CONTEXT_SQUARE],
]
const isEquivalent = (name: string) => EQUIVALENT.some(([re]) => re.test(name))

describe('mutation harness: every dropped or weakened gadget constraint is caught by a forgery or the reference', () => {
  const totals = { mutants: 0, byForgery: 0, byReference: 0, equivalent: 0 }
  const survived = new Set<string>()
  for (const suite of [...gadgetSuites, modelSuite])
    test(suite.name, (t) => {
      const real = suite.build()
      const byTarget = coherentForgeries(real, suite.reference, suite.forgeryInputs).forgeries
      const witnesses = honestWitnesses(suite, real)
      const program = JSON.stringify(real.program)
      // the emitted constraints as the builder saw them, to enumerate their terms
      const emitted: Constraint[] = []
      suite.build((_, c) => (emitted.push(c), c))
      assert.equal(emitted.length, real.r1cs.constraints.length)
      const names = wireNames(emitted)
      const survivors: string[] = []
      let mutants = 0
      let drops = 0
      emitted.forEach((c, index) => {
        for (const m of mutationsOf(index, c, names)) {
          mutants++
          const mutant = suite.build(m.filter)
          assert.equal(JSON.stringify(mutant.program), program, 'a mutant changes constraints only, never the witness program')
          // cheapest first, same verdict: the forgery aimed at this constraint, the reference
          // (whose honest witnesses are shuffled, so a broken mutant fails early), the other forgeries
          const aimed = byTarget.get(index)
          if (aimed && acceptedForgery(mutant, [aimed])) {
            totals.byForgery++
            if (m.name.startsWith('drop "')) drops++
          } else if (completenessFailure(suite, mutant, witnesses)) {
            // a dropped constraint only loosens the system: it can never fail an honest witness
            assert.ok(!m.name.startsWith('drop "'), `${m.name} was caught by the reference only`)
            totals.byReference++
          } else if (acceptedForgery(mutant, byTarget.values())) totals.byForgery++
          else survivors.push(m.name)
        }
      })
      totals.mutants += mutants
      totals.equivalent += survivors.length
      survivors.forEach((name) => survived.add(name))
      t.diagnostic(`${mutants} mutants of ${emitted.length} constraints (${drops} drops, each killed by a coherent forgery), ${mutants - survivors.length} killed, ${survivors.length} equivalent`)
      assert.deepEqual(survivors.filter((name) => !isEquivalent(name)), [], `surviving mutants of ${suite.name}: add a coherent forgery that only this constraint rejects, or prove the mutant equivalent`)
    })
  test('totals', (t) => {
    t.diagnostic(`${totals.mutants} mutants: ${totals.byForgery} killed by a coherent forgery, ${totals.byReference} by the bigint reference, ${totals.equivalent} equivalent`)
    assert.ok(totals.mutants > 0)
    const stale = EQUIVALENT.filter(([re]) => ![...survived].some((name) => re.test(name))).map(([re]) => re.source)
    assert.deepEqual(stale, [], 'every listed equivalent mutant still survives')
    assert.equal(totals.byForgery + totals.byReference + totals.equivalent, totals.mutants)
  })
})

describe('a lowered model, as a suite', () => {
  test('the suite builds exactly the circuit buildModelCircuit builds', () => {
    const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))
    const ours = modelCircuit(smallModel, smallModelParams)
    const real = buildModelCircuit(smallModel, smallModelParams).circuit
    assert.equal(json(ours), json(real))
  })

  test('no lie is accepted, and every constraint but the context squares alone rejects one', () => {
    const fin = modelSuite.build()
    assert.equal(completenessFailure(modelSuite, fin), null)
    const { forgeries, accepted } = coherentForgeries(fin, modelSuite.reference, modelSuite.forgeryInputs)
    assert.deepEqual(accepted.map((f) => f.name), [])
    const unguarded = fin.constraintLabels.filter((_, i) => !forgeries.has(i))
    assert.deepEqual(unguarded, Object.keys(modelSuite.unguarded ?? {}))
    for (const f of forgeries.values()) assert.deepEqual(violated(fin, f.witness), [f.target], f.name)
  })
})

describe('the mutation hook stays out of production', () => {
  test('no file under src/ but the builder mentions constraintFilter', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
    const users = walk('src').filter((f) => /\.(ts|mts|js)$/.test(f) && readFileSync(f, 'utf8').includes('constraintFilter'))
    assert.deepEqual(users, [join('src', 'compiler', 'circuit', 'CircuitBuilder.ts')])
  })
})
