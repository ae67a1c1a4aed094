import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { P } from '../../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../../src/compiler/r1cs/index.ts'
import { checkWitness, readR1cs, requiredPtauPower, plonkGateCount, setupPlonk, terminateSnark, DEFAULT_PTAU_PATH } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { smallCircuit, smallWitness } from './snark-circuit.ts'

after(terminateSnark)

/** Deterministic xorshift so the "random" system is the same on every run. */
function rng(seed: bigint) {
  let s = seed
  return () => {
    s ^= (s << 13n) & 0xffffffffffffffffn
    s ^= s >> 7n
    s ^= (s << 17n) & 0xffffffffffffffffn
    return s
  }
}

function randomSystem(nConstraints: number): R1csData {
  const next = rng(0x9e3779b97f4a7c15n)
  const nWires = 20
  const lc = () => {
    const wires = [...new Set(Array.from({ length: Number(next() % 4n) + 1 }, () => Number(next() % BigInt(nWires))))].sort((a, b) => a - b)
    // Mix tiny, negative (P - k) and full-width coefficients.
    return wires.map((w, i) => [w, i % 3 === 0 ? (next() % 9n) + 1n : i % 3 === 1 ? P - ((next() % 9n) + 1n) : ((next() << 192n) | (next() << 128n) | (next() << 64n) | next()) % (P - 1n) + 1n] as const)
  }
  return {
    prime: P, nWires, nPubOut: 2, nPubIn: 3, nPrvIn: 4, nLabels: 25,
    constraints: Array.from({ length: nConstraints }, () => [lc(), lc(), lc()] as const),
    wireToLabel: Array.from({ length: nWires }, (_, i) => i + (i > 10 ? 5 : 0)),
  }
}

test('r1csfile reads back exactly what writeR1cs wrote (counts, map, every coefficient in standard form)', async () => {
  for (const system of [smallCircuit, randomSystem(40)]) {
    const back = await readR1cs(writeR1cs(system))
    assert.deepEqual(back, {
      ...system,
      constraints: system.constraints.map(([a, b, c]) => [a.map(([w, k]) => [w, k]), b.map(([w, k]) => [w, k]), c.map(([w, k]) => [w, k])]),
    })
  }
})

test('snarkjs wtns check accepts the valid witness and rejects a wrong one', async () => {
  const r1cs = writeR1cs(smallCircuit)
  assert.equal(await checkWitness(r1cs, writeWtns(smallWitness)), true)
  const wrongOut = [...smallWitness]
  wrongOut[1] = 155n
  assert.equal(await checkWitness(r1cs, writeWtns(wrongOut)), false)
  const badIn2 = [1n, 154n, 20n, 10n, 5n, 3n, 9n] // violates in2 ∈ {0, 4} (and c1)
  assert.equal(await checkWitness(r1cs, writeWtns(badIn2)), false)
  assert.equal(await checkWitness(r1cs, writeWtns(smallWitness.slice(0, 6))), false) // one wire short
})

test('checkWitness refuses bytes that are not wtns with WITNESS_INVALID', async () => {
  await assert.rejects(checkWitness(writeR1cs(smallCircuit), new Uint8Array(64)), (e: unknown) => e instanceof BaseError && e.code === 'WITNESS_INVALID')
})

test('requiredPtauPower: Groth16 formula and PLONK gate counts that match snarkjs at a power boundary', async () => {
  // Groth16: power = floor(log2(nConstraints + nPublic)) + 1; the small circuit has 4 + 4 = 8 → 4.
  assert.equal(await requiredPtauPower('groth16', writeR1cs(smallCircuit)), 4)
  // PLONK small circuit: 4 public gates + c0: 1 + c1: 1 mul + 1 addition gate each for the 2-wire A and B = 3
  // + c2: constant A folds into one linear gate over {x, in1, out2} = 1 + c3: 1  → 10.
  assert.equal(plonkGateCount(writeR1cs(smallCircuit)), 10)

  // A chain of n multiplications plus 1 public output makes exactly n + 1 gates: 16 fits power 4, 17 needs 5.
  const chain = (gates: number): R1csData => {
    const n = gates - 1 // constraints
    return {
      prime: P, nWires: n + 2, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: n + 2,
      // wire 1 = output, wire 2 = input x, wire 2+i = x^(2^i); last constraint writes the output.
      constraints: Array.from({ length: n }, (_, i) => [[[2 + i, 1n]], [[2 + i, 1n]], [[i === n - 1 ? 1 : 3 + i, 1n]]] as const),
      wireToLabel: Array.from({ length: n + 2 }, (_, i) => i),
    }
  }
  for (const [gates, power] of [[16, 4], [17, 5]] as const) {
    const r1cs = writeR1cs(chain(gates))
    assert.equal(plonkGateCount(r1cs), gates)
    assert.equal(await requiredPtauPower('plonk', r1cs), power)
    const { vkey } = await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
    assert.equal(vkey.power, power, 'snarkjs chose the same domain')
  }
})
