// The explorer's HTTP routes without a browser: the job list, proof download and re-verification,
// and the feed reader, first on an in-process API (real Redis, feed config files), then against the
// demo's real stack, where every number must equal what the chain or the job record holds.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { buildApi } from '../../src/api/index.ts'
import { freePort } from '../../src/dev/anvil.ts'
import { runDemo } from '../../src/demo/runDemo.ts'
import { feedsFromFile } from '../../src/explorer/index.ts'
import { connectRedis, JobStore, LocalArtifactStore, RECENT_JOBS_KEPT } from '../../src/network/index.ts'
import { gradeFor } from '../../models/pool-risk/grade.ts'
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

test('on the demo stack: feeds match latestRoundData, proofs download and re-verify, tampering is caught', { timeout: 600_000 }, async () => {
  await runDemo({
    workers: 2,
    rounds: 2, // a second, stressed pass: each feed has a two-round history
    hold: async ({ stack, pools }) => {
      const api = async (path: string, init?: RequestInit) => {
        const r = await fetch(`${stack.apiUrl}${path}`, init)
        return { status: r.status, headers: r.headers, body: (await r.json()) as any }
      }
      const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

      const feeds = (await api('/feeds?history=5')).body
      assert.equal(feeds.configured, true)
      assert.equal(feeds.rpcUrl, stack.rpcUrl)
      assert.deepEqual(feeds.feeds.map((f: { label: string }) => f.label), pools.map((p) => p.name))
      for (const p of pools) {
        const f = feeds.feeds.find((x: { label: string }) => x.label === p.name)
        assert.equal(f.address.toLowerCase(), p.feed.toLowerCase())
        assert.equal(p.roundId, 2n, p.name)
        assert.equal(f.latest.roundId, String(p.roundId))
        assert.equal(f.latest.answer, String(p.answer))
        assert.equal(f.latest.updatedAt, Number(p.updatedAt))
        assert.equal(f.stalenessS, feeds.chainTime - Number(p.updatedAt))
        assert.equal(f.stale, false)
        assert.equal(f.heartbeat, 3600)
        assert.equal(f.decimals, 8)
        assert.equal(f.grade, gradeFor(p.score))
        assert.equal(f.subject, p.pool.toLowerCase())
        assert.equal(f.history.length, 2)
        assert.equal(f.history[0].roundId, '1')
        assert.deepEqual(f.history[1], f.latest)
        assert.notEqual(f.history[0].answer, f.history[1].answer, `${p.name}: the stressed pass proved a different score`)
      }

      const list = (await api('/jobs?status=verified')).body.jobs
      assert.equal(list.length, 2 * pools.length)
      const [a, b] = list as { jobId: string; subject: string }[]
      const full = (await api(`/jobs/${a!.jobId}`)).body

      const dl = await api(`/jobs/${a!.jobId}/proof`)
      assert.equal(dl.status, 200)
      assert.equal(dl.headers.get('content-disposition'), `attachment; filename="proof-${a!.jobId}.json"`)
      assert.deepEqual(dl.body.proof, full.proof)
      assert.deepEqual(dl.body.publicSignals, full.publicSignals)
      assert.equal(dl.body.backend, 'groth16')
      assert.equal(dl.body.verifiedAt, full.timestamps.verified)

      const ok = await post(`/jobs/${a!.jobId}/verify`, {})
      assert.equal(ok.status, 200)
      assert.equal(ok.body.valid, true)
      assert.equal(ok.body.matchesJob, true)
      // No body at all is the same request.
      assert.equal((await api(`/jobs/${a!.jobId}/verify`, { method: 'POST' })).body.valid, true)

      // A changed output signal: the proof no longer verifies.
      const signals = [...full.publicSignals] as string[]
      signals[0] = String(BigInt(signals[0]!) + 1n)
      const forged = await post(`/jobs/${a!.jobId}/verify`, { proof: full.proof, publicSignals: signals })
      assert.equal(forged.body.valid, false)
      assert.match(forged.body.reason, /does not verify/)
      const short = await post(`/jobs/${a!.jobId}/verify`, { proof: full.proof, publicSignals: signals.slice(1) })
      assert.equal(short.body.valid, false)
      assert.match(short.body.reason, /^PUBLIC_SIGNALS_INVALID: expected \d+ public signals, got \d+/)
      // Job a's genuine proof checked as job b's: valid, but not for b's subject.
      const swapped = await post(`/jobs/${b!.jobId}/verify`, { proof: full.proof, publicSignals: full.publicSignals })
      assert.equal(swapped.body.valid, true)
      assert.equal(swapped.body.matchesJob, false)
    },
  })
})
