import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { P } from '../../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../../src/compiler/r1cs/index.ts'
import {
  prove, verify, setupGroth16, setupPlonk, ptauPower, requiredPtauPower, terminateSnark, DEFAULT_PTAU_PATH,
  type Backend, type SnarkProof,
} from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { smallCircuit, smallWitness, smallSignals } from './snark-circuit.ts'

after(terminateSnark)

const r1cs = writeR1cs(smallCircuit)
const wtns = writeWtns(smallWitness)
const code = (c: string) => (e: unknown) => e instanceof BaseError && e.code === c

/** Changes the first coordinate of the first group element of the proof to another valid-looking number. */
function tamper(backend: Backend, proof: SnarkProof): SnarkProof {
  const p = structuredClone(proof) as Record<string, unknown>
  const key = backend === 'groth16' ? 'pi_a' : 'A'
  const pt = [...(p[key] as string[])]
  pt[0] = (BigInt(pt[0]!) + 1n).toString()
  p[key] = pt
  return p
}

test('the bundled ptau is prepared and large enough for the test circuits', async () => {
  assert.ok((await ptauPower(DEFAULT_PTAU_PATH)) >= (await requiredPtauPower('plonk', r1cs)))
})

for (const backend of ['groth16', 'plonk'] as const) {
  test(`${backend}: setup → prove → verify; tampered proof, signal or count fails`, async () => {
    const { zkey, vkey } = backend === 'groth16'
      ? await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'test entropy' })
      : await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
    assert.equal(vkey.protocol, backend)
    assert.equal(vkey.nPublic, 4)

    const { proof, publicSignals } = await prove(backend, zkey, wtns)
    assert.deepEqual(publicSignals, smallSignals, 'outputs, then public inputs')
    assert.equal(await verify(backend, vkey, publicSignals, proof), true)

    assert.equal(await verify(backend, vkey, publicSignals, tamper(backend, proof)), false, 'tampered proof')
    for (let i = 0; i < publicSignals.length; i++) {
      const changed = [...publicSignals]
      changed[i] = String(BigInt(changed[i]!) + 1n)
      assert.equal(await verify(backend, vkey, changed, proof), false, `tampered signal ${i}`)
    }
    // Same value + P: snarkjs's PLONK verifier alone reduces it mod P and accepts; Solidity rejects it, so must we.
    const aliased = [String(BigInt(publicSignals[0]!) + P), ...publicSignals.slice(1)]
    assert.equal(await verify(backend, vkey, aliased, proof), false, 'signal >= P')
    await assert.rejects(verify(backend, vkey, publicSignals.slice(1), proof), code('PUBLIC_SIGNALS_INVALID'))
    await assert.rejects(verify(backend, vkey, ['0x9a', ...publicSignals.slice(1)], proof), code('PUBLIC_SIGNALS_INVALID'))
    await assert.rejects(verify(backend === 'groth16' ? 'plonk' : 'groth16', vkey, publicSignals, proof), code('PROOF_INVALID'))
    assert.equal(await verify(backend, vkey, publicSignals, { garbage: true }), false, 'malformed proof object')

    // A witness that violates a constraint proves nothing that verifies: Groth16's prover does not check
    // and returns a proof that fails; PLONK's fails to divide by the vanishing polynomial.
    const wrong = [...smallWitness]
    wrong[1] = 155n
    if (backend === 'groth16') {
      const forged = await prove(backend, zkey, writeWtns(wrong))
      assert.deepEqual(forged.publicSignals, ['155', ...smallSignals.slice(1)])
      assert.equal(await verify(backend, vkey, forged.publicSignals, forged.proof), false, 'unsatisfied witness')
    } else {
      await assert.rejects(prove(backend, zkey, writeWtns(wrong)), code('CIRCUIT_UNSATISFIED'))
    }

    await assert.rejects(prove(backend === 'groth16' ? 'plonk' : 'groth16', zkey, wtns), code('PROVE_FAILED'))
  })
}

test('Groth16 keys from two setups differ (the phase-2 contribution is applied)', async () => {
  const a = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'one' })
  const b = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'two' })
  assert.notDeepEqual(a.vkey.vk_delta_2, b.vkey.vk_delta_2)
  // snarkjs's gamma_2 is the G2 generator; an uncontributed zkey has delta_2 equal to it.
  assert.notEqual((a.vkey.vk_delta_2 as string[][])[0]![0], (a.vkey.vk_gamma_2 as string[][])[0]![0])
})

test('setup refuses a circuit larger than the ptau with PTAU_TOO_SMALL, before doing work', async () => {
  const power = await ptauPower(DEFAULT_PTAU_PATH)
  const n = 2 ** power // n constraints + 1 public signal → needs power + 1
  const big: R1csData = {
    prime: P, nWires: 3, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: 3,
    constraints: Array.from({ length: n }, () => [[[2, 1n]], [[2, 1n]], [[1, 1n]]] as const),
    wireToLabel: [0, 1, 2],
  }
  const bigR1cs = writeR1cs(big)
  assert.equal(await requiredPtauPower('groth16', bigR1cs), power + 1)
  await assert.rejects(setupGroth16({ r1cs: bigR1cs, ptauPath: DEFAULT_PTAU_PATH }), (e: unknown) =>
    code('PTAU_TOO_SMALL')(e) && new RegExp(`power >= ${power + 1}, got power ${power}`).test((e as Error).message))
  await assert.rejects(setupPlonk({ r1cs: bigR1cs, ptauPath: DEFAULT_PTAU_PATH }), code('PTAU_TOO_SMALL'))
})

test('setup reports a missing ptau file as SETUP_FAILED', async () => {
  await assert.rejects(setupPlonk({ r1cs, ptauPath: '/nonexistent/pot.ptau' }), code('SETUP_FAILED'))
})
