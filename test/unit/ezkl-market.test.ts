import { test } from 'node:test'
import assert from 'node:assert/strict'
import { estimateProof, loadHardwareProfile, provingSize, quote } from '../../src/market/index.ts'
import type { EzklManifestSection } from '../../src/compiler/manifest.ts'

const ezkl = (logrows: number) => ({ settings: { logrows, inputScale: 12, paramScale: 13, outputScales: [13], inputVisibility: 'public', outputVisibility: 'public', paramVisibility: 'fixed' } }) as EzklManifestSection

test('market: an ezkl circuit is sized by its domain (2^logrows) and priced from the profile\'s ezkl fit points', () => {
  assert.equal(provingSize({ backend: 'ezkl', constraints: 1232, ezkl: ezkl(12) }), 4096)
  const profile = loadHardwareProfile()
  const fit = profile.backends.ezkl
  assert.ok(fit && fit.points.length >= 2, 'the default profile carries measured ezkl points (bench/market-ezkl.ts)')
  const small = estimateProof({ backend: 'ezkl', constraints: 1232, ezkl: ezkl(12) }, profile)
  const large = estimateProof({ backend: 'ezkl', constraints: 1232, ezkl: ezkl(14) }, profile)
  assert.ok(small.seconds > 0 && large.seconds > small.seconds, `${small.seconds} < ${large.seconds}`)
  // Within the fit's own error of what was measured at that size.
  const measured = fit.points.find((p) => p.constraints === 4096)
  if (measured) assert.ok(Math.abs(small.seconds / measured.seconds - 1) <= fit.maxRelError + 1e-9)
  const q = quote({ backend: 'ezkl', constraints: 1232, ezkl: ezkl(12) }, profile)
  assert.equal(q.circuit.backend, 'ezkl')
  assert.ok(q.minPrice > 0n && q.maxPrice >= q.minPrice)
})
