import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Queue } from 'bullmq'
import { buildApi, apiErrorCodes } from '../../src/api/index.ts'
import { connectRedis, LocalArtifactStore, proveQueueName } from '../../src/network/index.ts'
import { b64, deletePrefix, syntheticCircuit, tempDir, testPrefix } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('api')
const store = tempDir('api-store')
const { app, ctx } = await buildApi({ redis, prefix, store: new LocalArtifactStore(store.dir), apiKeys: ['k1', 'k2'] })
after(async () => {
  await app.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  store.remove()
})
const auth = { authorization: 'Bearer k2' }
const circuit = syntheticCircuit({ inputs: 4 })
const body = { manifest: circuit.manifest, artifacts: Object.fromEntries(Object.entries(circuit.artifacts).map(([k, v]) => [k, b64(v)])) }
let circuitId = ''

test('every error code the API can answer with is documented in docs/errors.md and in the OpenAPI document', async () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const documented = new Set([...doc.matchAll(/^### ([A-Z0-9_]+)$/gm)].map((m) => m[1]))
  assert.deepEqual(apiErrorCodes.filter((c) => !documented.has(c)), [])
  const openapi = (await app.inject({ url: '/openapi.json' })).json()
  assert.deepEqual(openapi.components.schemas.Error.properties.code.enum, apiErrorCodes)
  assert.equal(openapi.openapi, '3.1.0')
  for (const p of ['/circuits', '/circuits/{id}', '/jobs', '/jobs/{id}', '/jobs/{id}/events', '/workers', '/health']) assert.ok(openapi.paths[p], p)
  assert.deepEqual(openapi.paths['/jobs'].post.security, [{ bearer: [] }])
  assert.deepEqual(openapi.paths['/jobs'].post.requestBody.content['application/json'].schema.required, ['circuitId', 'input', 'subject', 'round'])
})

test('writes need an API key; reads do not', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'k1' }]) {
    const r = await app.inject({ method: 'POST', url: '/circuits', headers, payload: body })
    assert.equal(r.statusCode, 401)
    assert.equal(r.json().code, 'UNAUTHORIZED')
  }
  assert.equal((await app.inject({ url: '/circuits' })).statusCode, 200)
})

test('POST /circuits registers once, checks every artifact against the manifest', async () => {
  const r = await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: body })
  assert.equal(r.statusCode, 201, r.body)
  const c = r.json().circuit
  assert.match(c.id, /^0x[0-9a-f]{64}$/)
  assert.equal(c.inputLength, 4)
  assert.equal(c.className, 'groth16.cpu.m1')
  circuitId = c.id
  assert.equal((await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: body })).statusCode, 200)

  const wrong = { ...body, artifacts: { ...body.artifacts, zkey: b64(new Uint8Array([9, 9, 9])) } }
  const rw = await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: wrong })
  assert.equal(rw.statusCode, 400)
  assert.equal(rw.json().code, 'CIRCUIT_ARTIFACT_MISMATCH')
  assert.match(rw.json().details, /^expected sha256 0x[0-9a-f]{64} and 256 bytes, got sha256 0x[0-9a-f]{64} and 3 bytes$/)

  const other = syntheticCircuit()
  const { zkey: _z, ...withoutZkey } = other.artifacts
  const rm = await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: { manifest: other.manifest, artifacts: Object.fromEntries(Object.entries(withoutZkey).map(([k, v]) => [k, b64(v)])) } })
  assert.equal(rm.json().code, 'CIRCUIT_ARTIFACT_MISMATCH')
  assert.match(rm.json().details, /expected the bytes of "zkey"/)

  const extra = await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: { ...body, artifacts: { ...body.artifacts, evil: 'AAAA' } } })
  assert.equal(extra.json().code, 'CIRCUIT_ARTIFACT_MISMATCH')

  const bad = await app.inject({ method: 'POST', url: '/circuits', headers: auth, payload: { manifest: { ...body.manifest, manifestVersion: 2 }, artifacts: body.artifacts } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().code, 'MANIFEST_INVALID')

  const list = (await app.inject({ url: '/circuits' })).json().circuits
  assert.deepEqual(list.map((x: { id: string }) => x.id), [circuitId])
  const one = (await app.inject({ url: `/circuits/${circuitId}` })).json()
  assert.equal(one.manifest.name, circuit.manifest.name)
  const missing = await app.inject({ url: `/circuits/0x${'ab'.repeat(32)}` })
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().code, 'CIRCUIT_NOT_FOUND')
})

test('POST /jobs: bad input gets 4xx naming what was expected and what came', async () => {
  const post = (payload: object) => app.inject({ method: 'POST', url: '/jobs', headers: auth, payload })
  const job = { circuitId, input: [1, 2, 3, 4], subject: '0x1234', round: '1' }

  let r = await post({ ...job, input: [1, 2, 3] })
  assert.equal(r.statusCode, 400)
  assert.equal(r.json().code, 'INPUT_INVALID')
  assert.match(r.json().details, /^expected 4 numbers \(inputs x\[1x4\]\), got 3$/)

  r = await post({ ...job, circuitId: `0x${'cd'.repeat(32)}` })
  assert.equal(r.statusCode, 404)
  assert.equal(r.json().code, 'CIRCUIT_NOT_FOUND')
  assert.match(r.json().details, /expected the id of a registered circuit .* got "0xcdcd/)

  r = await post({ ...job, input: [1, 2, '3', 4] })
  assert.equal(r.statusCode, 400)
  assert.equal(r.json().code, 'REQUEST_INVALID')
  assert.match(r.json().details, /expected body\.input\.2 to be number, got string "3"/)

  r = await post({ ...job, input: 'abcd' })
  assert.match(r.json().details, /expected body\.input to be array, got string "abcd"/)

  r = await post({ input: job.input, subject: '1', round: '1' })
  assert.equal(r.json().code, 'REQUEST_INVALID')
  assert.match(r.json().details, /expected body\.circuitId to be present, got nothing/)

  r = await post({ ...job, extra: 1 })
  assert.match(r.json().details, /expected no property body\.extra/)

  r = await post({ ...job, subject: '-5' })
  assert.equal(r.json().code, 'INPUT_INVALID')
  assert.match(r.json().details, /expected subject as a decimal or 0x-hex unsigned integer below the BN254 field order, got "-5"/)

  r = await post({ ...job, round: (2n ** 254n).toString() })
  assert.equal(r.json().code, 'INPUT_INVALID')

  r = await post({ ...job, requirements: { minMemoryMiB: 2 ** 31 } })
  assert.equal(r.statusCode, 422)
  assert.equal(r.json().code, 'NO_ELIGIBLE_WORKER')

  r = await app.inject({ method: 'POST', url: '/jobs', headers: { ...auth, 'content-type': 'application/json' }, payload: '{not json' })
  assert.equal(r.statusCode, 400)
  assert.equal(r.json().code, 'REQUEST_INVALID')

  r = await app.inject({ url: '/nope' })
  assert.equal(r.statusCode, 404)
  assert.equal(r.json().code, 'ROUTE_NOT_FOUND')
  r = await app.inject({ url: '/jobs/nope' })
  assert.equal(r.statusCode, 404)
  assert.equal(r.json().code, 'JOB_NOT_FOUND')
})

test('idempotency key: concurrent and repeated submissions make one job, counted once', async () => {
  const before = (await ctx.jobs.stats()).submitted ?? 0
  const job = { circuitId, input: [1, 2, 3, 4], subject: '4660', round: '9', idempotencyKey: 'pool-7-round-9' }
  const rs = await Promise.all(Array.from({ length: 6 }, () => app.inject({ method: 'POST', url: '/jobs', headers: auth, payload: job })))
  for (const r of rs) assert.equal(r.statusCode, 202, r.body)
  const ids = new Set(rs.map((r) => r.json().jobId))
  assert.equal(ids.size, 1)
  assert.equal(rs.filter((r) => r.json().duplicate === false).length, 1)
  // The same request spelled differently (hex subject) is the same request.
  const again = await app.inject({ method: 'POST', url: '/jobs', headers: auth, payload: { ...job, subject: '0x1234' } })
  assert.equal(again.json().jobId, [...ids][0])
  assert.equal(again.json().duplicate, true)
  assert.equal((await ctx.jobs.stats()).submitted, before + 1)
  const q = new Queue(proveQueueName('groth16.cpu.m1'), { connection: redis, prefix })
  const counts = await q.getJobCounts('wait', 'active', 'delayed')
  assert.equal(counts.wait! + counts.active! + counts.delayed!, 1)
  await q.close()

  const conflict = await app.inject({ method: 'POST', url: '/jobs', headers: auth, payload: { ...job, round: '10' } })
  assert.equal(conflict.statusCode, 409)
  assert.equal(conflict.json().code, 'IDEMPOTENCY_CONFLICT')

  const view = (await app.inject({ url: `/jobs/${[...ids][0]}` })).json()
  assert.equal(view.status, 'queued')
  assert.equal(view.subject, '4660')
  assert.equal(view.attempts, 0)
  assert.ok(view.timestamps.submitted <= view.timestamps.queued)
})

test('GET /jobs/:id/events streams history then live events, ending at a terminal state', async () => {
  const r = await app.inject({ method: 'POST', url: '/jobs', headers: auth, payload: { circuitId, input: [0, 0, 0, 0], subject: '1', round: '1' } })
  const { jobId } = r.json()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${addr.port}/jobs/${jobId}/events`)
  assert.equal(res.headers.get('content-type'), 'text/event-stream')
  setTimeout(() => void ctx.jobs.transition(jobId, 'failed', { reason: 'test: cancelled', errorCode: 'INTERNAL_ERROR' }), 200)
  const text = await res.text()
  const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)))
  assert.deepEqual(events.map((e) => e.to), ['submitted', 'queued', 'failed'])
  assert.equal(events[2].reason, 'test: cancelled')
})

test('GET /health pings Redis; GET /workers lists live advertisements only', async () => {
  const h = (await app.inject({ url: '/health' })).json()
  assert.equal(h.status, 'ok')
  assert.equal(h.redis, 'PONG')
  assert.ok(h.stats.submitted >= 2)
  await redis.set(`${prefix}:net:worker:wA`, JSON.stringify({ id: 'wA', hardware: { cpuCores: 2, gpus: [] } }), 'PX', 5000)
  await redis.zadd(`${prefix}:net:workers`, Date.now(), 'wA', Date.now(), 'wDead')
  const w = (await app.inject({ url: '/workers' })).json().workers
  assert.deepEqual(w.map((x: { id: string }) => x.id), ['wA'])
  assert.equal(await redis.zscore(`${prefix}:net:workers`, 'wDead'), null, 'expired entries are pruned')
})
