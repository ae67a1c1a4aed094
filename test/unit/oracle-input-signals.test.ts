// Issue 11 item 4: what the oracle expects a proof's input signals to be. The quantization must be the
// prover's own (src/compiler/quantize), and the scales may only come from a manifest that hashes to the
// feed's circuit id, laid out as the on-chain registry says.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { P, mod } from '../../src/compiler/field.ts'
import { quantizeInput } from '../../src/compiler/quantize/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { expectedInputSignals, inputScalesFromManifest } from '../../src/oracle/index.ts'
import { circuitId } from '../../src/network/index.ts'
import { syntheticCircuit } from '../integration/prover-helpers.ts'

const isMismatch = (re: RegExp) => (e: unknown) => e instanceof BaseError && e.code === 'ORACLE_INPUTS_MISMATCH' && re.test(e.details ?? '')

test('expectedInputSignals quantizes exactly as the prover does, negatives and halves included', () => {
  const values = [0, 1.5, -0.25, 2.5, -2.5, 0.1, -1e-9, 123456.789, -98765.4321, 1 / 3, -(2 ** 20) + 0.5]
  for (let i = 0; i < 200; i++) values.push(Math.sin(i * 12.9898) * 10 ** (i % 7))
  for (const s of [0, 8, 12, 16]) {
    const fromProver = quantizeInput({ inputs: [{ name: 'x', shape: [values.length] }] } as never, values, s)[0]!.data.map(mod)
    assert.deepEqual(expectedInputSignals(values, values.map(() => s)), fromProver, `scale ${s}`)
  }
  assert.deepEqual(expectedInputSignals([1.5, -0.25], [8, 8]), [384n, P - 64n])
  assert.throws(() => expectedInputSignals([1], [8, 8]), isMismatch(/expected 2 inputs, got 1/))
})

test('inputScalesFromManifest: scales from a manifest that hashes to the circuit id; a changed scale or layout is refused', () => {
  const { manifest } = syntheticCircuit({ inputs: 2 })
  const m = structuredClone(manifest) as unknown as { publicSignals: unknown[] }
  m.publicSignals = [
    { kind: 'output', name: 'y', index: 0, scaleBits: 8 },
    { kind: 'input', name: 'x[0]', index: 0, scaleBits: 10 },
    { kind: 'input', name: 'x[1]', index: 1, scaleBits: 10 },
    { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' },
  ]
  const id = circuitId(m as never)
  assert.deepEqual(inputScalesFromManifest(JSON.parse(JSON.stringify(m)), id, { nOutputs: 1, nInputs: 2 }), [10, 10])
  // A hostile API halves every input by claiming another scale: the manifest no longer hashes to the id.
  const lying = structuredClone(m) as { publicSignals: Array<{ scaleBits?: number }> }
  lying.publicSignals[1]!.scaleBits = 9
  lying.publicSignals[2]!.scaleBits = 9
  assert.throws(() => inputScalesFromManifest(lying, id, { nOutputs: 1, nInputs: 2 }), isMismatch(/expected the manifest of circuit/))
  // The right manifest, but the feed's registry says the inputs sit elsewhere.
  assert.throws(() => inputScalesFromManifest(m, id, { nOutputs: 2, nInputs: 2 }), isMismatch(/to be an input/))
  assert.throws(() => inputScalesFromManifest(m, id, { nOutputs: 1, nInputs: 1 }), isMismatch(/1 input signals/))
  assert.throws(() => inputScalesFromManifest(null, id, { nOutputs: 1, nInputs: 2 }), isMismatch(/a circuit manifest/))
})

test('StateStore keeps a pending job\'s inputs and the chain-rejected job ids across a restart, and refuses a malformed list', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { StateStore } = await import('../../src/oracle/index.ts')
  const dir = mkdtempSync(join(tmpdir(), 'oracle-state-'))
  try {
    const path = join(dir, 's.json')
    new StateStore(path).update('f', (s) => ({ ...s, chainRejected: ['j1'], pending: { round: 2n, jobId: 'j2', attempt: 1, inputsKey: 'k', inputs: [1.5, -2] } }))
    const st = new StateStore(path).get('f')
    assert.deepEqual(st.chainRejected, ['j1'])
    assert.deepEqual(st.pending, { round: 2n, jobId: 'j2', attempt: 1, inputsKey: 'k', inputs: [1.5, -2] })
    writeFileSync(path, JSON.stringify({ version: 1, feeds: { f: { lastRound: '0n', chainRejected: [7] } } }))
    assert.throws(() => new StateStore(path), (e: unknown) => e instanceof BaseError && e.code === 'ORACLE_STATE_CORRUPT')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
