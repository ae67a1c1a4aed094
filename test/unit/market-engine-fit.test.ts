import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError } from '../../src/errors/index.ts'
import { estimateProof, fitFor, loadHardwareProfile, nLogN, parseHardwareProfile, quote, type BackendFit, type HardwareProfile } from '../../src/market/index.ts'

const fit = (a: number, b: number): BackendFit => ({
  time: { a, b }, memory: { c: 1e8, d: 1e4 }, maxRelError: 0.1,
  points: [{ constraints: 10, wires: 10, seconds: a, bytes: 1e8 }, { constraints: 20, wires: 20, seconds: a, bytes: 1e8 }],
})
const provenance = { bench: 'unit', measuredAt: '2026-01-01T00:00:00Z', tools: {}, repetitions: 1 }
const profile: HardwareProfile = {
  profileVersion: 1,
  name: 'unit',
  machine: { cpuModel: 'test', cores: 2, memoryBytes: 8e9, platform: 'linux', arch: 'x64' },
  provenance,
  backends: { groth16: fit(0.5, 4e-5), plonk: fit(0.7, 8e-5) },
  engines: { native: { provenance, backends: { groth16: fit(0.1, 1e-5) } } },
}

test('a worker advertising the native Groth16 engine is quoted from the native fit; snarkjs workers from the default fit', () => {
  const n = 4096
  const native = estimateProof({ backend: 'groth16', constraints: n }, profile, 'native')
  assert.equal(native.engine, 'native')
  assert.ok(Math.abs(native.seconds - (0.1 + 1e-5 * nLogN(n))) < 1e-12)
  const snark = estimateProof({ backend: 'groth16', constraints: n }, profile)
  assert.equal(snark.engine, 'snarkjs')
  assert.ok(Math.abs(snark.seconds - (0.5 + 4e-5 * nLogN(n))) < 1e-12)

  const qn = quote({ backend: 'groth16', constraints: n }, profile, { engines: { groth16: 'native', plonk: 'snarkjs' } })
  const qs = quote({ backend: 'groth16', constraints: n }, profile, { engines: { groth16: 'snarkjs' } })
  const qOld = quote({ backend: 'groth16', constraints: n }, profile) // a worker older than engines: snarkjs
  assert.equal(qn.estimate.engine, 'native')
  assert.ok(qn.minPrice < qs.minPrice && qn.lockTimeout <= qs.lockTimeout)
  assert.equal(qs.minPrice, qOld.minPrice)
})

test('an engine without a fit for the backend falls back to the snarkjs fit (slower, never under-quoted)', () => {
  const e = estimateProof({ backend: 'plonk', constraints: 1000 }, profile, 'native')
  assert.equal(e.engine, 'snarkjs')
  assert.equal(e.seconds, estimateProof({ backend: 'plonk', constraints: 1000 }, profile).seconds)
  assert.equal(fitFor({ ...profile, engines: undefined }, 'groth16', 'native')?.engine, 'snarkjs')
  assert.equal(fitFor({ ...profile, backends: { plonk: profile.backends.plonk } }, 'groth16', 'native')?.engine, 'native')
})

test('engine fits are checked at the boundary: unknown engine, missing provenance, bad coefficients; quote refuses an unknown engine', () => {
  assert.equal(parseHardwareProfile(structuredClone(profile)).engines?.native?.backends.groth16?.time.a, 0.1)
  const bad = (p: unknown, re: RegExp) =>
    assert.throws(() => parseHardwareProfile(p), (e: unknown) => e instanceof BaseError && e.code === 'MARKET_PROFILE_INVALID' && re.test(e.details ?? ''), re.source)
  bad({ ...profile, engines: { gpu: { provenance, backends: { groth16: fit(1, 1) } } } }, /expected engine native or snarkjs, got "gpu"/)
  bad({ ...profile, engines: { native: { backends: { groth16: fit(1, 1) } } } }, /expected engines\.native\.provenance\.measuredAt/)
  bad({ ...profile, engines: { native: { provenance, backends: {} } } }, /at least one backend fit in engines\.native/)
  bad({ ...profile, engines: { native: { provenance, backends: { groth16: { ...fit(1, 1), time: { a: -1, b: 0 } } } } } }, /non-negative coefficients for groth16 in engines\.native/)
  bad({ ...profile, engines: { native: { provenance, backends: { stark: fit(1, 1) } } } }, /expected backend groth16 or plonk in engines\.native/)
  bad({ ...profile, engines: [] }, /engines as an object/)
  assert.throws(
    () => quote({ backend: 'groth16', constraints: 10 }, profile, { engines: { groth16: 'cuda' as 'native' } }),
    (e: unknown) => e instanceof BaseError && e.code === 'MARKET_QUOTE_INVALID' && /expected native or snarkjs, got cuda/.test(e.details ?? ''),
  )
})

test('the committed profile holds measured native Groth16 points, with provenance, faster than snarkjs on the same machine', () => {
  const p = loadHardwareProfile()
  const native = p.engines?.native
  assert.ok(native, 'engines.native in the default profile')
  assert.match(native.provenance.bench, /bench\/native-profile\.ts/)
  const f = native.backends.groth16!
  assert.ok(f.points.length >= 3 && f.points.every((pt) => pt.seconds > 0 && pt.bytes > 0))
  for (const n of [4096, 16000])
    assert.ok(estimateProof({ backend: 'groth16', constraints: n }, p, 'native').seconds < estimateProof({ backend: 'groth16', constraints: n }, p).seconds)
})
