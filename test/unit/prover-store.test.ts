import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LocalArtifactStore, LruCache, sha256Hex, canonicalJson, circuitId } from '../../src/network/index.ts'
import { findError } from '../../src/errors/index.ts'
import { tempDir, syntheticCircuit } from '../integration/prover-helpers.ts'

test('artifact store: put returns the sha256 and get returns the same bytes', async () => {
  const t = tempDir('store')
  try {
    const s = new LocalArtifactStore(t.dir)
    const bytes = new TextEncoder().encode('hello')
    const h = await s.put(bytes)
    assert.equal(h, '0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')
    assert.equal(await s.put(bytes), h, 'put is idempotent')
    assert.equal(await s.has(h), true)
    assert.deepEqual(await s.get(h), bytes)
    assert.equal(await s.has(sha256Hex('other')), false)
  } finally {
    t.remove()
  }
})

test('artifact store: tampered bytes are ARTIFACT_CORRUPT, absent ones ARTIFACT_NOT_FOUND', async () => {
  const t = tempDir('store')
  try {
    const s = new LocalArtifactStore(t.dir)
    const h = await s.put(new Uint8Array([1, 2, 3]))
    const sub = join(t.dir, h.slice(2, 4))
    writeFileSync(join(sub, readdirSync(sub)[0]!), new Uint8Array([1, 2, 4]))
    await assert.rejects(s.get(h), (e) => {
      const be = findError(e, 'ARTIFACT_CORRUPT')
      assert.ok(be)
      assert.match(be.details!, new RegExp(`expected sha256 ${h}, got 0x`))
      return true
    })
    await assert.rejects(s.get(sha256Hex('absent')), (e) => !!findError(e, 'ARTIFACT_NOT_FOUND'))
    await assert.rejects(s.get('0xnothex' as `0x${string}`), (e) => !!findError(e, 'ARTIFACT_NOT_FOUND'))
  } finally {
    t.remove()
  }
})

test('LRU cache evicts least recently used by bytes and refuses oversize entries', () => {
  const c = new LruCache<string>(10)
  c.set('a', 'A', 4)
  c.set('b', 'B', 4)
  assert.equal(c.get('a'), 'A') // a is now most recent
  c.set('c', 'C', 4) // 12 > 10: evicts b
  assert.deepEqual(c.keys(), ['a', 'c'])
  assert.equal(c.bytes, 8)
  c.set('huge', 'H', 11)
  assert.equal(c.has('huge'), false)
  assert.equal(c.bytes, 8)
  c.set('a', 'A2', 2)
  assert.equal(c.bytes, 6)
  assert.equal(c.delete('a'), true)
  assert.equal(c.bytes, 4)
})

test('canonical JSON and circuit id ignore key order', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined }), '{"a":[{"c":3,"d":2}],"b":1}')
  const { manifest } = syntheticCircuit()
  const reordered = Object.fromEntries(Object.entries(manifest).reverse()) as typeof manifest
  assert.equal(circuitId(reordered), circuitId(manifest))
  assert.match(circuitId(manifest), /^0x[0-9a-f]{64}$/)
  assert.notEqual(circuitId({ ...manifest, constraints: 101 }), circuitId(manifest))
})

import { tamperProof } from '../../src/prover/index.ts'

test('tamperProof (test-only helper) changes exactly one coordinate of a copy', () => {
  const proof = { pi_a: ['11', '22', '1'], pi_b: [['3', '4']], protocol: 'groth16' }
  const t = tamperProof(proof) as typeof proof
  assert.deepEqual(t, { pi_a: ['12', '22', '1'], pi_b: [['3', '4']], protocol: 'groth16' })
  assert.equal(proof.pi_a[0], '11', 'the original is untouched')
})
