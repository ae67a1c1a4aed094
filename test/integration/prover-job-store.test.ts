import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { connectRedis, JobStore } from '../../src/network/index.ts'
import { findError } from '../../src/errors/index.ts'
import { deletePrefix, testPrefix } from './prover-helpers.ts'

// JobStore and the artifact store on a real Redis (moved from test/unit/prover-state.test.ts: unit tests need no Redis).
const redis = await connectRedis()
const prefix = testPrefix('state')
after(async () => {
  await deletePrefix(redis, prefix)
  redis.disconnect()
})

const base = { circuitId: `0x${'1'.repeat(64)}`, className: 'groth16.cpu.m1', requirements: { backend: 'groth16' as const, memoryMiB: 300, gpu: false }, input: [1, 2], subject: '7', round: '1', requestHash: 'h' }

test('JobStore records timestamps, attempts and events, and refuses illegal steps', async () => {
  const jobs = new JobStore(redis, prefix)
  assert.deepEqual(await jobs.create({ ...base, id: 'a1' }, 1000), { created: true, requestHash: 'h' })
  assert.deepEqual(await jobs.create({ ...base, id: 'a1', requestHash: 'other' }), { created: false, requestHash: 'h' })
  assert.deepEqual(await jobs.transition('a1', 'queued', {}, 1001), { applied: true, from: 'submitted' })
  assert.deepEqual(await jobs.transition('a1', 'proved', {}, 1002), { applied: false, from: 'queued' })
  await jobs.transition('a1', 'proving', { workerId: 'w1', attempt: true }, 1003)
  await jobs.progress('a1', { stage: 'witness', fraction: 0.5, workerId: 'w1' })
  await jobs.transition('a1', 'queued', { reason: 'boom', errorCode: 'INTERNAL_ERROR' }, 1004)
  await jobs.transition('a1', 'proving', { workerId: 'w2', attempt: true }, 1005)
  await jobs.transition('a1', 'proved', { workerId: 'w2' }, 1006)
  await jobs.transition('a1', 'verified', { workerId: 'w2', fields: { result: JSON.stringify({ proof: {}, publicSignals: ['1'], outputs: [0.5], provedBy: 'w2' }) } }, 1007)
  assert.deepEqual(await jobs.transition('a1', 'proving', { workerId: 'w3' }), { applied: false, from: 'verified' })
  const ttl = await redis.pttl(jobs.keys.job('a1'))
  assert.ok(ttl > 6 * 86_400_000 && ttl <= 7 * 86_400_000, `terminal records expire after the retention (${ttl})`)
  const r = (await jobs.get('a1'))!
  assert.equal(r.status, 'verified')
  assert.equal(r.attempts, 2)
  assert.deepEqual(r.timestamps, { submitted: 1000, queued: 1004, proving: 1005, proved: 1006, verified: 1007 })
  assert.deepEqual(r.result?.outputs, [0.5])
  const evs = await jobs.events('a1')
  assert.deepEqual(evs.map((e) => (e.type === 'state' ? `${e.from ?? ''}>${e.to}` : `progress:${e.stage}`)), [
    '>submitted', 'submitted>queued', 'queued>proving', 'progress:witness', 'proving>queued', 'queued>proving', 'proving>proved', 'proved>verified',
  ])
  assert.equal(await jobs.get('nope'), undefined)
  assert.deepEqual(await jobs.transition('nope', 'queued'), { applied: false, from: undefined })
})

test('two racing results: exactly one verified transition applies', async () => {
  const jobs = new JobStore(redis, prefix)
  await jobs.create({ ...base, id: 'race' })
  await jobs.transition('race', 'queued')
  await jobs.transition('race', 'proving')
  await jobs.transition('race', 'proved')
  const before = (await jobs.stats()).verified ?? 0
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => jobs.transition('race', 'verified', { workerId: `w${i}`, count: 'verified' })))
  assert.equal(results.filter((r) => r.applied).length, 1)
  assert.equal((await jobs.stats()).verified, before + 1)
})

test('connectRedis fails fast with REDIS_UNAVAILABLE when nothing listens', async () => {
  const t0 = Date.now()
  await assert.rejects(connectRedis({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 1500 }), (e) => {
    const be = findError(e, 'REDIS_UNAVAILABLE')!
    assert.match(be.details!, /expected a Redis server answering PING within 1500 ms, got/)
    return true
  })
  assert.ok(Date.now() - t0 < 3000, 'does not hang on retries')
})

import { RedisArtifactStore, sha256Hex } from '../../src/network/index.ts'

test('Redis artifact store: content-addressed, verified on read', async () => {
  const s = new RedisArtifactStore(redis, prefix)
  const bytes = new Uint8Array([0, 1, 2, 255])
  const h = await s.put(bytes)
  assert.equal(h, sha256Hex(bytes))
  assert.deepEqual(await s.get(h), bytes)
  assert.equal(await s.has(h), true)
  await redis.set(`${prefix}:net:blob:${h.slice(2)}`, Buffer.from([9]))
  await assert.rejects(s.get(h), (e) => !!findError(e, 'ARTIFACT_CORRUPT'))
  await assert.rejects(s.get(sha256Hex('none')), (e) => !!findError(e, 'ARTIFACT_NOT_FOUND'))
})
