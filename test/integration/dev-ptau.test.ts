// `zkml dev-ptau` (src/dev/devPtau.ts + native/src/devptau.rs): a test-only prepared ptau from a public
// tau. At power 4 (milliseconds): the layout documented at the top of native/src/devptau.rs, byte for
// byte (golden hash: the file is deterministic), snarkjs's own `powersoftau verify`, a Groth16 key made
// from it that proves and verifies, its testOnly marking, the cache, and the "too small" error naming
// the power and the flags. Larger powers are timed by bench/compile-prove.ts, not here.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { P } from '../../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../../src/compiler/r1cs/index.ts'
import { DEFAULT_PTAU_PATH, DEV_PTAU_MARKER, prove, readPtauFile, readPtauProvenance, setupGroth16, terminateSnark, verify } from '../../src/compiler/snark/index.ts'
import { devGroth16Setup, devPtauFileName, devPtauSecrets, makeDevPtau } from '../../src/dev/devPtau.ts'
import { BaseError } from '../../src/errors/index.ts'
import { loadNativeAddon } from '../../src/prover/engines/native/index.ts'
import { smallCircuit, smallWitness, smallSignals } from './snark-circuit.ts'
import { tempDir } from './prover-helpers.ts'

const { addon, reason } = await loadNativeAddon()
const skip = addon ? false : `native addon not built: ${reason}`
const tmp = tempDir('dev-ptau')
const dir = tmp.dir
after(async () => {
  tmp.remove()
  await terminateSnark()
})

// sha256 of insecure-dev-pot4.ptau: the tau, alpha, beta and the key's s are fixed (devPtauSecrets), so
// the file is too. A change here is a change of format or of secrets: check snarkjs verify still passes.
const GOLDEN_POT4: string = '0x730294c777008f9b966089983c60786c7d0ea248b949228b89b9bc111bb2b058'

test('dev ptau, power 4: layout, golden bytes, snarkjs powersoftau verify, testOnly, cache', { skip }, async () => {
  const r = await makeDevPtau({ power: 4, addon: addon!, dir })
  assert.equal(r.cached, false)
  assert.equal(r.path, join(dir, devPtauFileName(4)))
  assert.match(r.path, /insecure-dev-pot4\.ptau$/)
  const b = readFileSync(r.path)
  // "ptau", version 1, 11 sections; then the section table in order with the lengths of the layout.
  assert.equal(b.toString('latin1', 0, 4), 'ptau')
  assert.deepEqual([b.readUInt32LE(4), b.readUInt32LE(8)], [1, 11])
  const n = 16
  const sections: [number, number][] = []
  for (let pos = 12; pos < b.length; ) {
    const len = Number(b.readBigUInt64LE(pos + 4))
    sections.push([b.readUInt32LE(pos), len])
    pos += 12 + len
  }
  const s7 = sections[6]![1]
  assert.deepEqual(sections, [
    [1, 44], [2, (2 * n - 1) * 64], [3, n * 128], [4, n * 64], [5, n * 64], [6, 128], [7, s7],
    [12, (4 * n - 1) * 64], [13, (2 * n - 1) * 128], [14, (2 * n - 1) * 64], [15, (2 * n - 1) * 64],
  ])
  // Header: n8 = 32, q little-endian, power, ceremonyPower.
  assert.equal(b.readUInt32LE(24), 32)
  assert.equal(BigInt(`0x${Buffer.from(b.subarray(28, 60)).reverse().toString('hex')}`), 21888242871839275222246405745257275088696311157297823662689037894645226208583n)
  assert.deepEqual([b.readUInt32LE(60), b.readUInt32LE(64)], [4, 4])
  // tauG1[0] is the G1 generator (1, 2) in Montgomery form: 1·R mod q, 2·R mod q.
  const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n
  const R = 2n ** 256n % q
  const le = (o: number) => BigInt(`0x${Buffer.from(b.subarray(o, o + 32)).reverse().toString('hex')}`)
  assert.deepEqual([le(80), le(112)], [R, (2n * R) % q])
  const sha = `0x${createHash('sha256').update(b).digest('hex')}`
  assert.equal(sha, GOLDEN_POT4, 'golden bytes of insecure-dev-pot4.ptau')

  const f = await readPtauFile(r.path)
  assert.deepEqual([f.power, f.ceremonyPower, f.prepared, f.contributors.map((c) => c.name)], [4, 4, true, [DEV_PTAU_MARKER]])
  const prov = await readPtauProvenance(r.path)
  assert.equal(prov.testOnly, true, 'a dev ptau is test-only by its contribution name')
  assert.equal(prov.sha256, sha)

  const logged: string[] = []
  const log = { debug() {}, info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(`ERROR ${m}`) }
  assert.equal(await snarkjs.powersOfTau.verify(r.path, log), true, logged.join('\n'))
  assert.ok(logged.some((l) => l.includes(DEV_PTAU_MARKER)), 'snarkjs prints the insecure marker')

  const again = await makeDevPtau({ power: 4, addon: addon!, dir })
  assert.equal(again.cached, true)
  assert.ok(devPtauSecrets().tau > 1n)
})

test('a Groth16 key from a dev ptau proves and verifies; a too-small one names the power and the flags', { skip }, async () => {
  const r = await makeDevPtau({ power: 4, addon: addon!, dir })
  const keys = await setupGroth16({ r1cs: writeR1cs(smallCircuit), ptauPath: r.path })
  const p = await prove('groth16', keys.zkey, writeWtns(smallWitness))
  assert.deepEqual(p.publicSignals, smallSignals)
  assert.equal(await verify('groth16', keys.vkey, p.publicSignals, p.proof), true)

  const big: R1csData = {
    prime: P, nWires: 3, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: 3,
    constraints: Array.from({ length: 16 }, () => [[[2, 1n]], [[2, 1n]], [[1, 1n]]] as const),
    wireToLabel: [0, 1, 2],
  }
  await assert.rejects(setupGroth16({ r1cs: writeR1cs(big), ptauPath: r.path }), (e: unknown) =>
    e instanceof BaseError && e.code === 'PTAU_TOO_SMALL' && /power >= 5, got power 4/.test(e.message) && /--ptau/.test(e.message) && /zkml dev-ptau --power 5/.test(e.message))
})

const zkeySections = (z: Uint8Array) => {
  const b = Buffer.from(z)
  const out = new Map<number, string>()
  for (let pos = 12, i = 0, n = b.readUInt32LE(8); i < n; i++) {
    const len = Number(b.readBigUInt64LE(pos + 4))
    out.set(b.readUInt32LE(pos), createHash('sha256').update(b.subarray(pos + 12, pos + 12 + len)).digest('hex'))
    pos += 12 + len
  }
  return out
}

test('the native test-only Groth16 setup is snarkjs zkey new from the dev ptau (delta = 1), byte for byte; with its delta it proves', { skip }, async () => {
  const r = await makeDevPtau({ power: 4, addon: addon!, dir })
  const r1cs = writeR1cs(smallCircuit)
  const initial: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  await snarkjs.zKey.newZKey(r1cs, r.path, initial)
  const theirs = zkeySections(initial.data!)
  const ours = zkeySections((await devGroth16Setup(addon!, { devDelta: 1n })(r1cs, r.path)).zkey)
  for (const sec of [1, 2, 3, 4, 5, 6, 7, 8, 9]) assert.equal(ours.get(sec), theirs.get(sec), `zkey section ${sec}`)

  const keys = await devGroth16Setup(addon!)(r1cs, r.path)
  const p = await prove('groth16', keys.zkey, writeWtns(smallWitness))
  assert.equal(await verify('groth16', keys.vkey, p.publicSignals, p.proof), true)
  await assert.rejects(devGroth16Setup(addon!)(r1cs, DEFAULT_PTAU_PATH), (e: unknown) => e instanceof BaseError && e.code === 'SETUP_FAILED' && /zkml dev-ptau/.test(e.message))
})
