import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { BaseError } from '../../src/errors/index.ts'
import { installErrorHandling } from '../../src/api/index.ts'
import {
  priceAt, fitLine, fitBackend, nLogN, parseHardwareProfile, estimateProof, provingSize, quote, quoteToJson, offerFromQuote,
  loadHardwareProfile, type HardwareProfile,
} from '../../src/market/index.ts'
import { quoteRoute } from '../../src/api/quote.ts'
import type { CircuitManifest } from '../../src/compiler/manifest.ts'

test('priceAt: min before the ramp, max after, linear and rounded down between', () => {
  const o = { minPrice: 100n, maxPrice: 203n, rampStart: 1000n, rampLength: 10n }
  assert.equal(priceAt(o, 0n), 100n)
  assert.equal(priceAt(o, 1000n), 100n)
  assert.equal(priceAt(o, 1001n), 110n) // 100 + 103·1/10 = 110.3 → 110
  assert.equal(priceAt(o, 1009n), 192n) // 100 + 927/10
  assert.equal(priceAt(o, 1010n), 203n)
  assert.equal(priceAt(o, 10n ** 12n), 203n)
  assert.equal(priceAt({ ...o, rampLength: 0n }, 1001n), 203n)
  // Monotone non-decreasing over the ramp.
  let last = 0n
  for (let t = 990n; t < 1020n; t++) {
    const p = priceAt(o, t)
    assert.ok(p >= last)
    last = p
  }
})

test('fitLine recovers an exact line and clamps negative coefficients', () => {
  assert.deepEqual(fitLine([1, 2, 3], [3, 5, 7]), { a: 1, b: 2 })
  const through0 = fitLine([1, 2, 3], [0, 1, 2.5])
  assert.equal(through0.a, 0)
  assert.ok(through0.b > 0)
  assert.deepEqual(fitLine([1, 2, 3], [5, 4, 3]), { a: 4, b: 0 })
  assert.throws(() => fitLine([1], [1]), (e: unknown) => e instanceof BaseError && e.code === 'MARKET_PROFILE_INVALID')
})

test('fitBackend fits seconds ≈ a + b·n·log n and bytes ≈ c + d·n, reporting its worst relative error', () => {
  const truth = (n: number) => 0.3 + 2e-6 * nLogN(n)
  const points = [256, 1024, 4096, 16384].map((n) => ({ constraints: n, wires: n, seconds: truth(n), bytes: 5e7 + 3000 * n }))
  const fit = fitBackend(points)
  assert.ok(Math.abs(fit.time.a - 0.3) < 1e-9 && Math.abs(fit.time.b - 2e-6) < 1e-15, JSON.stringify(fit.time))
  assert.ok(Math.abs(fit.memory.c - 5e7) < 1e-3 && Math.abs(fit.memory.d - 3000) < 1e-9)
  assert.ok(fit.maxRelError < 1e-9)
})

const groth16Fit = { time: { a: 0.5, b: 1e-5 }, memory: { c: 1e8, d: 1e4 }, maxRelError: 0.1, points: [
  { constraints: 10, wires: 10, seconds: 0.5, bytes: 1e8 }, { constraints: 20, wires: 20, seconds: 0.5, bytes: 1e8 }] }
const profile: HardwareProfile = {
  profileVersion: 1,
  name: 'unit',
  machine: { cpuModel: 'test', cores: 2, memoryBytes: 8e9, platform: 'linux', arch: 'x64' },
  provenance: { bench: 'unit', measuredAt: '2026-01-01T00:00:00Z', tools: {}, repetitions: 1 },
  backends: { groth16: groth16Fit },
}

test('parseHardwareProfile rejects bad profiles with MARKET_PROFILE_INVALID and expected/got details', () => {
  assert.equal(parseHardwareProfile(structuredClone(profile)).name, 'unit')
  const bad = (p: unknown, re: RegExp) =>
    assert.throws(() => parseHardwareProfile(p), (e: unknown) => e instanceof BaseError && e.code === 'MARKET_PROFILE_INVALID' && re.test(e.details ?? ''))
  bad(null, /expected a JSON object/)
  bad({ ...profile, profileVersion: 2 }, /expected profileVersion 1, got 2/)
  bad({ ...profile, backends: {} }, /at least one backend/)
  bad({ ...profile, backends: { groth16: { ...profile.backends.groth16, time: { a: -1, b: 0 } } } }, /non-negative/)
  bad({ ...profile, backends: { groth16: { ...profile.backends.groth16, points: [] } } }, /at least 2 measured points/)
})

test('estimateProof and quote follow the profile; a missing backend fit is a clear error', () => {
  const n = 4096
  const e = estimateProof({ backend: 'groth16', constraints: n }, profile)
  assert.ok(Math.abs(e.seconds - (0.5 + 1e-5 * n * 12)) < 1e-12)
  assert.equal(e.bytes, 1e8 + 1e4 * n)
  assert.equal(e.fitsMemory, true)
  assert.throws(() => estimateProof({ backend: 'plonk', constraints: n }, profile), (err: unknown) =>
    err instanceof BaseError && err.code === 'MARKET_PROFILE_INVALID' && /expected a fit for plonk, got fits for groth16/.test(err.details ?? ''))

  const q = quote({ backend: 'groth16', constraints: n }, profile, { costPerSecondWei: 10n ** 12n, margin: 3, safetyFactor: 4, overheadSeconds: 30 })
  // break-even floor: 1e12 wei/s × 0.99152 s (+1 wei of rounding)
  assert.equal(q.minPrice, 991_520_000_000n + 1n)
  assert.equal(q.maxPrice, q.minPrice * 3n)
  assert.equal(q.rampLength, 10n) // max(10, 4 × 0.99)
  assert.equal(q.lockTimeout, 34n) // ceil(0.99 × 4 + 30)
  assert.equal(q.timeout, 10n + 34n + 68n)
  assert.equal(q.collateral, q.maxPrice * 4n)
  // Bigger circuits cost more and get longer lock timeouts.
  const big = quote({ backend: 'groth16', constraints: 1 << 20 }, profile)
  assert.ok(big.minPrice > q.minPrice && big.lockTimeout > q.lockTimeout)

  const terms = offerFromQuote(q, 1000n)
  assert.equal(terms.lockDeadline, 1000n + 10n + 34n)
  assert.equal(terms.deadline, 1000n + q.timeout)
  assert.ok(terms.deadline >= terms.lockDeadline)
  assert.equal(typeof quoteToJson(q).minPrice, 'string')
  assert.throws(() => quote({ backend: 'groth16', constraints: 1 }, profile, { margin: 0.5 }), (err: unknown) =>
    err instanceof BaseError && err.code === 'MARKET_QUOTE_INVALID' && /expected a number ≥ 1, got 0.5/.test(err.details ?? ''))
})

test('PLONK is priced by its gates, Groth16 by its constraints; old manifests fall back to constraints', () => {
  const plonkProfile = { ...profile, backends: { ...profile.backends, plonk: groth16Fit } }
  assert.equal(provingSize({ backend: 'groth16', constraints: 1000, plonkGates: 4000 }), 1000)
  assert.equal(provingSize({ backend: 'plonk', constraints: 1000, plonkGates: 4000 }), 4000)
  assert.equal(provingSize({ backend: 'plonk', constraints: 1000 }), 1000)
  const wide = estimateProof({ backend: 'plonk', constraints: 1000, plonkGates: 4000 }, plonkProfile)
  assert.equal(wide.size, 4000)
  assert.ok(Math.abs(wide.seconds - (0.5 + 1e-5 * nLogN(4000))) < 1e-12)
  assert.ok(wide.seconds > estimateProof({ backend: 'plonk', constraints: 1000 }, plonkProfile).seconds)
  assert.ok(quote({ backend: 'plonk', constraints: 1000, plonkGates: 4000 }, plonkProfile).minPrice > quote({ backend: 'plonk', constraints: 1000 }, plonkProfile).minPrice)
})

test('the committed profile was measured: provenance and raw points present, fit within its points', () => {
  const p = loadHardwareProfile()
  assert.ok(p.machine.cores >= 1 && p.machine.cpuModel.length > 0)
  assert.match(p.provenance.bench, /bench\/market\.ts/)
  assert.ok(p.provenance.tools.snarkjs)
  for (const backend of ['groth16', 'plonk'] as const) {
    const fit = p.backends[backend]
    assert.ok(fit, `fit for ${backend}`)
    assert.ok(fit.points.length >= 3)
    assert.ok(fit.time.b > 0, 'time grows with size')
    for (const pt of fit.points) assert.ok(pt.seconds > 0 && pt.bytes > 0)
  }
  assert.throws(() => loadHardwareProfile('no-such-profile'), (e: unknown) => e instanceof BaseError && e.code === 'MARKET_PROFILE_INVALID')
})

test('GET /quote (plugin with the API error handling): quotes a known circuit, 400 without circuitId, 404 for an unknown one', async () => {
  const ID = `0x${'c1'.repeat(32)}` // a registered circuitId (the fake manifest has none of its own)
  const manifest = { name: 'm', circuitHash: `0x${'11'.repeat(32)}`, backend: 'groth16', constraints: 2048 } as unknown as CircuitManifest
  const app = Fastify()
  installErrorHandling(app)
  await app.register(quoteRoute, { profile, getManifest: async (id) => (id === ID ? manifest : undefined) })
  try {
    const ok = await app.inject({ url: `/quote?circuitId=${ID}` })
    assert.equal(ok.statusCode, 200)
    const body = ok.json()
    assert.equal(body.minPrice, quote(manifest, profile).minPrice.toString())
    assert.equal(body.circuit.constraints, 2048)
    const missing = await app.inject({ url: '/quote' })
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().code, 'REQUEST_INVALID')
    assert.match(missing.json().details, /expected querystring\.circuitId to be present, got nothing/)
    const unknown = await app.inject({ url: '/quote?circuitId=0xdead' })
    assert.equal(unknown.statusCode, 404)
    assert.equal(unknown.json().code, 'MARKET_CIRCUIT_NOT_FOUND')
  } finally {
    await app.close()
  }
})
