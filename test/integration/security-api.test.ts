// Issue 11, items 1, 7, 8, 9: the API boundary as a hostile model owner, requester or stranger would try it.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { buildApi, apiErrorCodes } from '../../src/api/index.ts'
import { CircuitCache, CircuitRegistry, connectRedis, LocalArtifactStore, sha256Hex } from '../../src/network/index.ts'
import { snarkjsEngine } from '../../src/prover/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { b64, deletePrefix, syntheticCircuit, tempDir, testPrefix } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('secapi')
const store = tempDir('secapi-store')
const { app, ctx } = await buildApi({ redis, prefix, store: new LocalArtifactStore(store.dir), apiKeys: ['k1', 'k2'] })
after(async () => {
  await app.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  store.remove()
  await terminateSnark() // POST /jobs/:id/verify started snarkjs's thread pool
})
const auth = (k = 'k1') => ({ authorization: `Bearer ${k}` })
const bodyOf = (c: ReturnType<typeof syntheticCircuit>) => ({ manifest: c.manifest, artifacts: Object.fromEntries(Object.entries(c.artifacts).map(([k, v]) => [k, b64(v)])) })
const postCircuit = (payload: object) => app.inject({ method: 'POST', url: '/circuits', headers: auth(), payload })
const codeOk = (r: { json(): { code: string; message: string } }) => {
  assert.ok(apiErrorCodes.includes(r.json().code as never), `documented code, got ${r.json().code}`)
  assert.equal(typeof r.json().message, 'string')
}

test('item 1: POST /circuits refuses artifact file names that are not plain file names (path traversal)', async () => {
  for (const file of ['../../x', '../x', '/tmp/x', 'a/b', 'a\\b', '..', '.', '', 'x'.repeat(200), 'manifest.json', 'a\0b']) {
    const c = syntheticCircuit()
    const payload = bodyOf(c)
    ;(payload.manifest.artifacts as Record<string, { file: string }>).zkey!.file = file
    const r = await postCircuit(payload)
    assert.equal(r.statusCode, 400, `${JSON.stringify(file)}: ${r.body}`)
    assert.equal(r.json().code, 'MANIFEST_INVALID', JSON.stringify(file))
    assert.match(r.json().details, /expected artifacts\.zkey\.file to be a plain file name/)
  }
  // Two artifacts under one name would overwrite each other in a worker's directory.
  const c = syntheticCircuit()
  const payload = bodyOf(c)
  ;(payload.manifest.artifacts as Record<string, { file: string }>).zkey!.file = 'vkey.bin'
  const r = await postCircuit(payload)
  assert.equal(r.json().code, 'MANIFEST_INVALID')
  assert.match(r.json().details, /unique/)
})

test('item 1: a malformed artifact hash, size or name is a 400 MANIFEST_INVALID, not a 500', async () => {
  const cases: Array<[string, (a: Record<string, Record<string, unknown>>) => void]> = [
    ['upper-case hash', (a) => { a.zkey!.sha256 = (a.zkey!.sha256 as string).toUpperCase().replace('0X', '0x') }],
    ['short hash', (a) => { a.zkey!.sha256 = '0x1234' }],
    ['hash with a path', (a) => { a.zkey!.sha256 = '0x../../etc/passwd' }],
    ['negative size', (a) => { a.vkey!.bytes = -1 }],
    ['artifact named with a path', (a) => { a['../zkey'] = a.zkey!; delete a.zkey }],
  ]
  for (const [what, edit] of cases) {
    const c = syntheticCircuit()
    const payload = bodyOf(c)
    edit(payload.manifest.artifacts as unknown as Record<string, Record<string, unknown>>)
    const r = await postCircuit(payload)
    assert.equal(r.statusCode, 400, `${what}: ${r.body}`)
    assert.equal(r.json().code, 'MANIFEST_INVALID', what)
  }
})

test('item 1: the circuit cache writes artifacts by content hash inside its work directory, whatever a stored manifest says', async () => {
  // A manifest that reached Redis before names were validated (or by another path) must still not escape.
  const work = tempDir('secapi-work')
  try {
    const c = syntheticCircuit()
    const escapeName = `escaped-${process.pid}-${Date.now()}`
    const m = structuredClone(c.manifest) as unknown as { artifacts: Record<string, { file: string }> }
    m.artifacts.zkey!.file = `../../../${escapeName}`
    const registry = new CircuitRegistry(redis, prefix, ctx.registry.store)
    for (const bytes of Object.values(c.artifacts)) await ctx.registry.store.put(bytes)
    const id = sha256Hex(`stored-before-validation-${escapeName}`)
    await redis.set(registry.keys.circuit(id), JSON.stringify(m))
    const engine = await snarkjsEngine()
    const cache = new CircuitCache({ registry, store: ctx.registry.store, engine, workDir: join(work.dir, 'a', 'b') })
    await cache.load(id).catch(() => {}) // random bytes are no real circuit; what matters is where they were written
    assert.equal(existsSync(join(work.dir, escapeName)), false, 'nothing written outside the work directory')
    const files = readdirSync(join(work.dir, 'a', 'b', id.slice(2))).sort()
    assert.ok(files.includes(c.manifest.artifacts.zkey.sha256.slice(2)), `zkey stored under its hash, got ${files}`)
  } finally {
    work.remove()
  }
})

let circuitId = ''
test('setup: register a synthetic circuit', async () => {
  const r = await postCircuit(bodyOf(syntheticCircuit({ inputs: 4 })))
  assert.equal(r.statusCode, 201, r.body)
  circuitId = r.json().circuit.id
})

test('item 9: the API key is checked before the body is parsed', async () => {
  for (const payload of ['{not json', `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, JSON.stringify({ circuitId, input: [1, 2, 3, 4], subject: '1', round: '1' })]) {
    for (const url of ['/jobs', '/circuits']) {
      const r = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
      assert.equal(r.statusCode, 401, `${url}: ${r.body.slice(0, 200)}`)
      assert.equal(r.json().code, 'UNAUTHORIZED')
    }
  }
  // A body far over the job route's limit: refused as too large (with a key) without being parsed.
  const big = JSON.stringify({ circuitId, input: [1, 2, 3, 4], subject: '1', round: '1', idempotencyKey: 'x'.repeat(9 * 2 ** 20) })
  const r = await app.inject({ method: 'POST', url: '/jobs', headers: { ...auth(), 'content-type': 'application/json' }, payload: big })
  assert.equal(r.statusCode, 413, r.body.slice(0, 200))
  assert.equal(r.json().code, 'PAYLOAD_TOO_LARGE')
  assert.match(r.json().details, /expected at most 8388608 bytes/)
})

test('item 9: deeply nested JSON never reaches the stack (unauthenticated verify route included)', async () => {
  const rec = await ctx.queue.submit({ circuitId, input: [1, 2, 3, 4], subject: '1', round: '1' })
  for (const [url, headers] of [[`/jobs/${rec.jobId}/verify`, {}], ['/jobs', auth()]] as const) {
    for (const open of ['[', '{"a":']) {
      const close = open === '[' ? ']' : '}'
      const payload = `{"proof":${open.repeat(20_000)}${open === '[' ? '' : '1'}${close.repeat(20_000)}}`
      const r = await app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload })
      assert.equal(r.statusCode, 400, `${url}: ${r.body.slice(0, 200)}`)
      assert.equal(r.json().code, 'REQUEST_INVALID')
      assert.match(r.json().details, /expected JSON nested at most 64 levels deep, got deeper/)
    }
  }
  // Nesting within the limit still parses.
  const ok = await app.inject({ method: 'POST', url: '/jobs', headers: auth(), payload: { circuitId, input: [1, 2, 3, 4], subject: '1', round: '2', requirements: {} } })
  assert.equal(ok.statusCode, 202, ok.body)
})

test('item 9: every fastify error gets a documented code and the error shape', async () => {
  let r = await app.inject({ url: `/jobs/${'a'.repeat(300)}` })
  assert.equal(r.statusCode, 414, r.body)
  assert.equal(r.json().code, 'URL_TOO_LONG')
  assert.match(r.json().details, /expected each path parameter to be at most 200 characters/)
  codeOk(r)
  for (const url of ['/jobs/%zz', '/jobs/%E0%A4%A', '/circuits/%']) {
    r = await app.inject({ url })
    assert.equal(r.statusCode, 400, `${url}: ${r.body}`)
    assert.equal(r.json().code, 'URL_INVALID')
    codeOk(r)
  }
  r = await app.inject({ method: 'POST', url: '/jobs', headers: { ...auth(), 'content-type': 'text/plain' }, payload: 'hello' })
  assert.equal(r.statusCode, 415, r.body)
  assert.equal(r.json().code, 'MEDIA_TYPE_UNSUPPORTED')
  codeOk(r)
  r = await app.inject({ method: 'POST', url: '/jobs', headers: { ...auth(), 'content-type': 'application/json' }, payload: '' })
  assert.equal(r.statusCode, 400, r.body)
  assert.equal(r.json().code, 'REQUEST_INVALID')
  r = await app.inject({ method: 'POST', url: '/jobs', headers: { ...auth(), 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' })
  assert.equal(r.statusCode, 400, r.body)
  assert.equal(r.json().code, 'REQUEST_INVALID')
})

test('item 9: an input outside the circuit\'s fixed-point range is refused at submission as QUANTIZATION_OVERFLOW', async () => {
  // synthetic circuit: scale 2^8, 24-bit activations → |x| < 2^15
  for (const x of [1e308, -1e308, 1e5, 32768]) {
    const r = await app.inject({ method: 'POST', url: '/jobs', headers: auth(), payload: { circuitId, input: [0, x, 0, 0], subject: '1', round: '3' } })
    assert.equal(r.statusCode, 400, `${x}: ${r.body}`)
    assert.equal(r.json().code, 'QUANTIZATION_OVERFLOW')
    assert.match(r.json().details, /expected input\[1\] within \[-32768, 32768\) \(a signed 24-bit integer at scale 2\^8\), got /)
  }
  const ok = await app.inject({ method: 'POST', url: '/jobs', headers: auth(), payload: { circuitId, input: [0, 32767.99, -32767.99, 0], subject: '1', round: '3' } })
  assert.equal(ok.statusCode, 202, ok.body)
})

test('item 7: idempotency keys are scoped per API key: another key holder cannot take a feed\'s next key', async () => {
  const job = { circuitId, input: [1, 2, 3, 4], subject: '77', round: '5', idempotencyKey: 'feed-a:5:0' }
  // The squatter (k2) takes the key first, with another request.
  const squat = await app.inject({ method: 'POST', url: '/jobs', headers: auth('k2'), payload: { ...job, input: [0, 0, 0, 0] } })
  assert.equal(squat.statusCode, 202, squat.body)
  const real = await app.inject({ method: 'POST', url: '/jobs', headers: auth('k1'), payload: job })
  assert.equal(real.statusCode, 202, real.body)
  assert.equal(real.json().duplicate, false)
  assert.notEqual(real.json().jobId, squat.json().jobId)
  // Within one API key the key still deduplicates and still conflicts.
  const again = await app.inject({ method: 'POST', url: '/jobs', headers: auth('k1'), payload: job })
  assert.equal(again.json().jobId, real.json().jobId)
  assert.equal(again.json().duplicate, true)
  const conflict = await app.inject({ method: 'POST', url: '/jobs', headers: auth('k1'), payload: { ...job, round: '6' } })
  assert.equal(conflict.statusCode, 409)
  assert.equal(conflict.json().code, 'IDEMPOTENCY_CONFLICT')
})

test('item 8: POST /jobs/:id/verify does not vouch for another job\'s proof with the same subject and round', async () => {
  // A circuit whose public signals carry its inputs (as compiled circuits do), with a parseable vkey.
  const c = syntheticCircuit({ inputs: 2 })
  const vkey = new TextEncoder().encode(JSON.stringify({ protocol: 'groth16', curve: 'bn128', nPublic: 5 }))
  c.artifacts.vkey = vkey
  const m = c.manifest as unknown as { artifacts: Record<string, { sha256: string; bytes: number }>; publicSignals: unknown[] }
  m.artifacts.vkey = { ...m.artifacts.vkey!, sha256: sha256Hex(vkey), bytes: vkey.length }
  m.publicSignals = [
    { kind: 'output', name: 'y', index: 0, scaleBits: 8 },
    { kind: 'input', name: 'x[0]', index: 0, scaleBits: 8 }, { kind: 'input', name: 'x[1]', index: 1, scaleBits: 8 },
    { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' },
  ]
  const reg = await postCircuit(bodyOf(c))
  assert.equal(reg.statusCode, 201, reg.body)
  const cid = reg.json().circuit.id as string
  const proof = { pi_a: ['1', '2', '1'], pi_b: [['1', '2'], ['3', '4'], ['1', '0']], pi_c: ['1', '2', '1'], protocol: 'groth16', curve: 'bn128' }
  const make = async (input: number[], signals: string[]) => {
    const { jobId } = await ctx.queue.submit({ circuitId: cid, input, subject: '9', round: '4' })
    await ctx.jobs.transition(jobId, 'proving', { workerId: 'w' })
    await ctx.jobs.transition(jobId, 'proved', { workerId: 'w' })
    const result = { proof, publicSignals: signals, outputs: [Number(signals[0]) / 256], provedBy: 'w' }
    const t = await ctx.jobs.transition(jobId, 'verified', { workerId: 'w', fields: { result: JSON.stringify(result) } })
    assert.ok(t.applied)
    return jobId
  }
  const a = await make([1, 2], ['300', '256', '512', '9', '4'])
  const b = await make([3, 4], ['700', '768', '1024', '9', '4'])
  const verify = async (id: string, body?: object) => (await app.inject({ method: 'POST', url: `/jobs/${id}/verify`, ...(body ? { payload: body } : {}) })).json()
  // A's proof and signals, presented for B: same subject and round, other inputs and outputs.
  const swapped = await verify(b, { proof, publicSignals: ['300', '256', '512', '9', '4'] })
  assert.equal(swapped.matchesJob, false, JSON.stringify(swapped))
  assert.match(swapped.reason, /public signal 0 \(output y\) is 300, the job's is 700/)
  // Each job's own statement still matches (validity aside: the synthetic key verifies nothing).
  assert.equal((await verify(b, { proof, publicSignals: ['700', '768', '1024', '9', '4'] })).matchesJob, true)
  assert.equal((await verify(a)).matchesJob, true)
  // The same values spelled in hex are the same statement; one signal short is not.
  assert.equal((await verify(b, { proof, publicSignals: ['0x2bc', '768', '1024', '9', '4'] })).matchesJob, true)
  assert.equal((await verify(b, { proof, publicSignals: ['700', '768', '1024', '9'] })).matchesJob, false)
})
