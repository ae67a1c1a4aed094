import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError } from '../../src/errors/index.ts'
import { estimateProof, fitFor, loadHardwareProfile, nLogN, parseHardwareProfile, quote, type BackendFit, type HardwareProfile } from '../../src/market/index.ts'

const fit = (a: number, b: number): BackendFit => ({
  time: { a, b }, memory: { c: 1e8, d: 1e4 }, maxRelError: 0.1,
  points: [{ constraints: 10, wires: 10, seconds: a, bytes: 1e8 }, { constraints: 20, wires: 20, seconds: a, bytes: 1e8 }],
})
const provenance = { bench: 'unit', measuredAt: '2026-01-01T00:00:00Z', tools: {}, repetitions: 1 }
const snarkjsFits = { groth16: fit(0.5, 4e-5), plonk: fit(0.7, 8e-5) }
const profile: HardwareProfile = {
  profileVersion: 1,
  name: 'unit',
  machine: { cpuModel: 'test', cores: 2, memoryBytes: 8e9, platform: 'linux', arch: 'x64' },
  provenance,
  backends: snarkjsFits,
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
  const { engines: _, ...withoutEngines } = profile
  assert.equal(fitFor(withoutEngines, 'groth16', 'native')?.engine, 'snarkjs')
  assert.equal(fitFor({ ...profile, backends: { plonk: snarkjsFits.plonk } }, 'groth16', 'native')?.engine, 'native')
})

test('engine fits are checked at the boundary: unknown engine, missing provenance, bad coefficients; quote refuses an unknown engine', () => {
  assert.equal(parseHardwareProfile(structuredClone(profile)).engines?.native?.backends.groth16?.time.a, 0.1)
  const bad = (p: unknown, re: RegExp) =>
    assert.throws(() => parseHardwareProfile(p), (e: unknown) => e instanceof BaseError && e.code === 'MARKET_PROFILE_INVALID' && re.test(e.details ?? ''), re.source)
  bad({ ...profile, engines: { gpu: { provenance, backends: { groth16: fit(1, 1) } } } }, /expected engine native, cuda or snarkjs, got "gpu"/)
  bad({ ...profile, engines: { native: { backends: { groth16: fit(1, 1) } } } }, /expected engines\.native\.provenance\.measuredAt/)
  bad({ ...profile, engines: { native: { provenance, backends: {} } } }, /at least one backend fit in engines\.native/)
  bad({ ...profile, engines: { native: { provenance, backends: { groth16: { ...fit(1, 1), time: { a: -1, b: 0 } } } } } }, /non-negative coefficients for groth16 in engines\.native/)
  bad({ ...profile, engines: { native: { provenance, backends: { stark: fit(1, 1) } } } }, /expected backend groth16, plonk or ezkl in engines\.native/)
  bad({ ...profile, engines: [] }, /engines as an object/)
  assert.throws(
    () => quote({ backend: 'groth16', constraints: 10 }, profile, { engines: { groth16: 'fpga' as 'native' } }),
    (e: unknown) => e instanceof BaseError && e.code === 'MARKET_QUOTE_INVALID' && /expected native, cuda or snarkjs, got fpga/.test(e.details ?? ''),
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

test('zkml quote --engine native prices from the native fit; an unknown engine is refused with MARKET_QUOTE_INVALID', async () => {
  const { spawnSync } = await import('node:child_process')
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const zkml = (args: string[]) => spawnSync(process.execPath, ['bin/zkml.js', ...args], { encoding: 'utf8' })
  const dir = mkdtempSync(join(tmpdir(), 'zkml-quote-engine-'))
  try {
    const manifest = {
      manifestVersion: 1, name: 'tiny', modelHash: `0x${'ab'.repeat(32)}`, circuitHash: `0x${'cd'.repeat(32)}`, backend: 'groth16',
      curve: 'bn128', quantization: { scaleBits: 8, activationBits: 24, sigmoid: 'outside', target: 'accuracy' },
      inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 1] }],
      publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 8 }, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
      constraints: 3000, wires: 3100, fidelity: {}, artifacts: {}, tools: {}, createdAt: '2026-11-22T00:00:00Z',
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const r = zkml(['quote', dir, '--json', '--engine', 'native'])
    assert.equal(r.status, 0, r.stderr)
    const got = JSON.parse(r.stdout)
    const want = quote(manifest as never, loadHardwareProfile(), { engines: { groth16: 'native' } })
    assert.equal(got.estimate.engine, 'native')
    assert.equal(got.minPrice, want.minPrice.toString())
    assert.ok(want.minPrice < quote(manifest as never, loadHardwareProfile()).minPrice)
    const bad = zkml(['quote', dir, '--engine', 'fpga'])
    assert.equal(bad.status, 1)
    assert.match(bad.stderr, /MARKET_QUOTE_INVALID/)
    assert.match(bad.stderr, /expected native, cuda or snarkjs, got fpga/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
