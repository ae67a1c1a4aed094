// Shared by the prover/API tests (not itself a test file).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import type { CircuitManifest } from '../../src/compiler/manifest.ts'
import { sha256Hex } from '../../src/prover/index.ts'

/** A unique key prefix per test run: the Redis is shared with other people's tests. */
export function testPrefix(tag: string): string {
  return `zkmltest-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500)
    cursor = next
    if (keys.length) await redis.del(...keys)
  } while (cursor !== '0')
}

export function tempDir(tag: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `zkml-${tag}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A structurally valid manifest whose artifacts are random bytes: enough for registry, routing,
 * validation and idempotency tests, which never prove.
 */
export function syntheticCircuit(opts: { inputs?: number; backend?: 'groth16' | 'plonk'; zkeyBytes?: number } = {}) {
  const names = ['r1cs', 'witnessProgram', 'zkey', 'vkey'] as const
  const artifacts: Record<string, Uint8Array> = {}
  const entries: Record<string, { file: string; sha256: `0x${string}`; bytes: number }> = {}
  for (const n of names) {
    const b = new Uint8Array(randomBytes(n === 'zkey' ? opts.zkeyBytes ?? 256 : 64))
    artifacts[n] = b
    entries[n] = { file: `${n}.bin`, sha256: sha256Hex(b), bytes: b.length }
  }
  const k = opts.inputs ?? 3
  const manifest = {
    manifestVersion: 1,
    name: `synthetic-${randomBytes(2).toString('hex')}`,
    modelHash: sha256Hex('model'),
    circuitHash: sha256Hex(artifacts.r1cs!),
    backend: opts.backend ?? 'groth16',
    curve: 'bn128',
    quantization: { scaleBits: 8, activationBits: 24, sigmoid: 'outside', target: 'accuracy' },
    inputs: [{ name: 'x', shape: [1, k] }],
    outputs: [{ name: 'y', shape: [1, 1] }],
    publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 8 }, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
    constraints: 100,
    wires: 120,
    fidelity: { reference: 'none', samples: 0, maxAbsError: 0, meanAbsError: 0, tolerance: 0 },
    artifacts: entries,
    tools: {},
    createdAt: '2026-01-01T00:00:00Z',
  } as unknown as CircuitManifest
  return { manifest, artifacts }
}

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
