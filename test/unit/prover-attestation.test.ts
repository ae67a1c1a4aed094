import { test } from 'node:test'
import assert from 'node:assert/strict'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilPrivateKeys } from '../../src/dev/anvil.ts'
import { tamperProof } from '../../src/prover/index.ts'
import { attestationMessage, attestedProver } from '../../src/network/index.ts'

const honest = privateKeyToAccount(anvilPrivateKeys[1]!)
const other = privateKeyToAccount(anvilPrivateKeys[2]!)
const sub = { jobId: 'j1', workerId: 'w1', attempt: 1, result: { proof: { pi_a: ['1', '2'] }, publicSignals: ['3', '4'], outputs: [0.5] } }

test('a signed hand-in names its prover; a signature cannot be moved onto another result or claimed by another address', async () => {
  const signature = await honest.signMessage({ message: attestationMessage(sub) })
  assert.equal(await attestedProver({ ...sub, attestation: { prover: honest.address, signature } }), honest.address.toLowerCase())
  // Key order does not matter (the result is hashed canonically).
  assert.equal(await attestedProver({ ...sub, result: { outputs: [0.5], publicSignals: ['3', '4'], proof: { pi_a: ['1', '2'] } }, attestation: { prover: honest.address, signature } }), honest.address.toLowerCase())
  // Replayed onto a tampered proof, another attempt, or claimed for someone else: not attested.
  assert.equal(await attestedProver({ ...sub, result: { ...sub.result, proof: tamperProof(sub.result.proof) }, attestation: { prover: honest.address, signature } }), undefined)
  assert.equal(await attestedProver({ ...sub, attempt: 2, attestation: { prover: honest.address, signature } }), undefined)
  assert.equal(await attestedProver({ ...sub, attestation: { prover: other.address, signature } }), undefined)
  assert.equal(await attestedProver({ ...sub, attestation: { prover: honest.address, signature: '0x1234' } }), undefined)
  assert.equal(await attestedProver(sub), undefined)
})
