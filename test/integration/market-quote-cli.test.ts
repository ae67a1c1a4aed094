import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadHardwareProfile, quote } from '../../src/market/index.ts'

const zkml = (args: string[]) => spawnSync(process.execPath, ['bin/zkml.js', ...args], { encoding: 'utf8' })

test('zkml quote <dir> --json prints the library quote; missing and bad input fail with codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-quote-'))
  try {
    const manifest = {
      manifestVersion: 1, name: 'tiny', modelHash: `0x${'ab'.repeat(32)}`, circuitHash: `0x${'cd'.repeat(32)}`, backend: 'groth16',
      curve: 'bn128', quantization: { scaleBits: 8, activationBits: 24, sigmoid: 'outside', target: 'accuracy' },
      inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 1] }],
      publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 8 }, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
      constraints: 3000, wires: 3100, fidelity: {}, artifacts: {}, tools: {}, createdAt: '2026-11-22T00:00:00Z',
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const r = zkml(['quote', dir, '--json', '--margin', '2'])
    assert.equal(r.status, 0, r.stderr)
    const got = JSON.parse(r.stdout)
    const want = quote(manifest as never, loadHardwareProfile(), { margin: 2 })
    assert.equal(got.minPrice, want.minPrice.toString())
    assert.equal(got.maxPrice, want.maxPrice.toString())
    assert.equal(got.lockTimeout, want.lockTimeout.toString())

    const human = zkml(['quote', join(dir, 'manifest.json')])
    assert.equal(human.status, 0, human.stderr)
    assert.match(human.stdout, /tiny \(groth16, 3000 constraints\)/)
    assert.match(human.stdout, /lock timeout/)

    const none = zkml(['quote'])
    assert.equal(none.status, 1)
    assert.match(none.stderr, /MARKET_QUOTE_INVALID/)
    const missing = zkml(['quote', join(dir, 'nope')])
    assert.match(missing.stderr, /MARKET_CIRCUIT_NOT_FOUND/)
    const badMargin = zkml(['quote', dir, '--margin', '0.5'])
    assert.match(badMargin.stderr, /expected a number ≥ 1, got 0.5[\s\S]*MARKET_QUOTE_INVALID/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
