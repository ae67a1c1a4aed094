// The explorer's HTTP routes without a browser: the job list, proof download and re-verification,
// and the feed reader, on an in-process API (real Redis, feed config files). The same routes against
// the demo's real stack are in demo-stack.test.ts.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { buildApi } from '../../src/api/index.ts'
import { freePort } from '../../src/dev/anvil.ts'
import { feedsFromFile } from '../../src/explorer/index.ts'
import { connectRedis, JobStore, LocalArtifactStore, RECENT_JOBS_KEPT } from '../../src/network/index.ts'
import { deletePrefix, tempDir, testPrefix } from './prover-helpers.ts'

let redis: Redis
let app: FastifyInstance
let jobs: JobStore
const prefix = testPrefix('explorer')
const tmp = tempDir('explorer')
const feedsFile = join(tmp.dir, 'feeds.json')

before(async () => {
  redis = await connectRedis()
  ;({ app } = await buildApi({ redis, prefix, store: new LocalArtifactStore(join(tmp.dir, 'store')), apiKeys: ['k'], feeds: feedsFromFile(feedsFile) }))
  jobs = new JobStore(redis, prefix)
})

after(async () => {
  await app.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  tmp.remove()
})

const job = (id: string) => ({ id, circuitId: `0x${'ab'.repeat(32)}`, className: 'groth16.cpu.m1', requirements: { backend: 'groth16' as const, memoryMiB: 512, gpu: false }, input: [1, 2, 3], subject: '7', round: '1', requestHash: `0x${'00'.repeat(32)}` })

test('GET /jobs lists recent jobs newest first, bounded, filterable, without inputs or proofs', async () => {
  const t0 = Date.now()
  for (let i = 0; i < 5; i++) await jobs.create(job(`j${i}`), t0 + i)
  await jobs.transition('j1', 'queued')
  const r = await app.inject({ url: '/jobs?limit=3' })
  assert.equal(r.statusCode, 200)
  const list = r.json().jobs
  assert.deepEqual(list.map((j: { jobId: string }) => j.jobId), ['j4', 'j3', 'j2'])
  assert.equal(list[0].status, 'submitted')
  assert.equal(list[0].hasProof, false)
  assert.equal('input' in list[0], false)
  assert.deepEqual(r.json().jobs[0].timestamps, { submitted: t0 + 4 })
  assert.deepEqual((await app.inject({ url: '/jobs?status=queued' })).json().jobs.map((j: { jobId: string }) => j.jobId), ['j1'])
  assert.equal((await app.inject({ url: '/jobs' })).json().jobs.length, 5)

  for (const bad of ['0', '201', 'abc', '-1']) {
    const e = await app.inject({ url: `/jobs?limit=${bad}` })
    assert.equal(e.statusCode, 400, bad)
    assert.equal(e.json().code, 'REQUEST_INVALID')
    assert.match(e.json().details, /^expected querystring\.limit/)
  }
  assert.equal((await app.inject({ url: '/jobs?status=done' })).json().code, 'REQUEST_INVALID')
})

test('the recent-jobs index keeps only the newest RECENT_JOBS_KEPT ids', async () => {
  const t0 = Date.now() + 1000
  for (let i = 0; i < RECENT_JOBS_KEPT + 3; i++) await jobs.create(job(`bulk${i}`), t0 + i)
  assert.equal(await redis.zcard(jobs.keys.recent), RECENT_JOBS_KEPT)
  assert.equal(await redis.zscore(jobs.keys.recent, 'bulk0'), null)
  assert.deepEqual((await jobs.recent(2)).map((j) => j.id), [`bulk${RECENT_JOBS_KEPT + 2}`, `bulk${RECENT_JOBS_KEPT + 1}`])
})

test('proof routes: 404 for an unknown job, 409 JOB_HAS_NO_PROOF for one not verified', async () => {
  for (const [method, url] of [['GET', '/jobs/nope/proof'], ['POST', '/jobs/nope/verify']] as const) {
    const r = await app.inject({ method, url })
    assert.equal(r.statusCode, 404, url)
    assert.equal(r.json().code, 'JOB_NOT_FOUND')
  }
  for (const [method, url] of [['GET', '/jobs/j1/proof'], ['POST', '/jobs/j1/verify']] as const) {
    const r = await app.inject({ method, url })
    assert.equal(r.statusCode, 409, url)
    assert.equal(r.json().code, 'JOB_HAS_NO_PROOF')
    assert.equal(r.json().details, 'expected a verified job, got one in state queued')
    assert.equal(r.json().meta.status, 'queued')
  }
})

test('GET /feeds: not configured without the file, FEEDS_CONFIG_INVALID for a bad one, per-feed errors for a dead chain', async () => {
  assert.deepEqual((await app.inject({ url: '/feeds' })).json(), { configured: false, feeds: [] })

  writeFileSync(feedsFile, '{"rpcUrl": "http://127.0.0.1:1", "feeds": [{"label": "x", "address": "0x12"}]}')
  let r = await app.inject({ url: '/feeds' })
  assert.equal(r.statusCode, 500)
  assert.equal(r.json().code, 'FEEDS_CONFIG_INVALID')
  assert.equal(r.json().details, 'expected feeds[0].address to be 0x + 40 hex digits, got "0x12"')
  writeFileSync(feedsFile, 'not json')
  assert.equal((await app.inject({ url: '/feeds' })).json().code, 'FEEDS_CONFIG_INVALID')

  // A valid config whose chain does not answer: the answer says so instead of failing.
  const rpcUrl = `http://127.0.0.1:${await freePort()}`
  writeFileSync(feedsFile, JSON.stringify({ rpcUrl, feeds: [{ label: 'a', address: `0x${'11'.repeat(20)}` }] }))
  r = await app.inject({ url: '/feeds' })
  assert.equal(r.statusCode, 200)
  assert.equal(r.json().configured, true)
  assert.equal(r.json().rpcUrl, rpcUrl)
  assert.ok(r.json().error, 'top-level error for an unreachable chain')
  assert.equal(r.json().feeds[0].label, 'a')
  assert.ok(r.json().feeds[0].error)
  assert.equal((await app.inject({ url: '/feeds?history=51' })).json().code, 'REQUEST_INVALID')
})

test('GET /explorer serves the page; the new routes are in the OpenAPI document', async () => {
  const r = await app.inject({ url: '/explorer' })
  assert.equal(r.statusCode, 200)
  assert.match(r.headers['content-type'] as string, /^text\/html/)
  assert.match(r.body, /^<!doctype html>/)
  for (const id of ['feeds-section', 'circuits-section', 'jobs-section', 'workers-section', 'proofs-section']) assert.ok(r.body.includes(`data-testid="${id}"`), id)
  const root = await app.inject({ url: '/' })
  assert.equal(root.statusCode, 302)
  assert.equal(root.headers.location, '/explorer')
  const doc = (await app.inject({ url: '/openapi.json' })).json()
  assert.ok(doc.paths['/jobs'].get && doc.paths['/jobs'].post)
  assert.ok(doc.paths['/jobs/{id}/proof'].get)
  assert.ok(doc.paths['/jobs/{id}/verify'].post)
  assert.ok(doc.paths['/feeds'].get)
  assert.ok(doc.paths['/explorer'].get.responses['200'].content['text/html'])
  assert.ok(doc['x-error-codes'].includes('JOB_HAS_NO_PROOF') && doc['x-error-codes'].includes('FEEDS_CONFIG_INVALID'))
})
