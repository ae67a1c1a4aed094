import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:http'
import { P } from '../../src/compiler/field.ts'
import { BaseError } from '../../src/errors/index.ts'
import { decidePost, movedBeyond, isProofDue } from '../../src/oracle/postingPolicy.ts'
import { toFeedAnswer } from '../../src/chain/feedAnswer.ts'
import { StateStore } from '../../src/oracle/stateStore.ts'
import { fileAdapter, httpAdapter, poolRiskFeatures, POOL_RISK_FEATURES, checkInputs } from '../../src/oracle/adapters/index.ts'
import { FEATURES } from '../../models/pool-risk/features.ts'
import { inProcessProverClient, waitForProof, httpProverClient } from '../../src/oracle/proverClient.ts'

test('toFeedAnswer: signed fixed point to feed decimals, truncating toward zero like Solidity', () => {
  assert.equal(toFeedAnswer(384n, 8, 8), 150_000_000n) // 1.5
  assert.equal(toFeedAnswer(P - 384n, 8, 8), -150_000_000n) // -1.5
  assert.equal(toFeedAnswer(1n, 8, 2), 0n) // 0.0039 → 0.00
  assert.equal(toFeedAnswer(P - 1n, 8, 2), 0n) // -0.0039 → -0.00, toward zero
  assert.equal(toFeedAnswer(3n, 1, 0), 1n)
  assert.throws(() => toFeedAnswer(P, 8, 8), RangeError)
})

test('posting policy: first round, heartbeat, deviation, within threshold', () => {
  const o = { heartbeatS: 3600, deviationBps: 50 }
  assert.deepEqual(decidePost(o, { lastAnswer: undefined, lastPostedAt: undefined, nowS: 0, answer: 1n }), { post: true, reason: 'first' })
  assert.deepEqual(decidePost(o, { lastAnswer: 1000n, lastPostedAt: 0, nowS: 3600, answer: 1000n }), { post: true, reason: 'heartbeat' })
  assert.deepEqual(decidePost(o, { lastAnswer: 1000n, lastPostedAt: 0, nowS: 10, answer: 1006n }), { post: true, reason: 'deviation' })
  assert.deepEqual(decidePost(o, { lastAnswer: 1000n, lastPostedAt: 0, nowS: 10, answer: 1005n }), { post: false, reason: 'within-threshold' })
  assert.equal(movedBeyond(-1000n, -1006n, 50), true)
  assert.equal(movedBeyond(0n, 1n, 50), true)
  assert.equal(movedBeyond(0n, 0n, 50), false)
  assert.equal(isProofDue(o, { lastPostedAt: 0, nowS: 10, inputsChanged: false }), false)
  assert.equal(isProofDue(o, { lastPostedAt: 0, nowS: 10, inputsChanged: true }), true)
  assert.equal(isProofDue(o, { lastPostedAt: undefined, nowS: 10, inputsChanged: false }), true)
})

test('StateStore persists bigints and pending jobs atomically, and refuses a corrupt file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oracle-state-'))
  try {
    const path = join(dir, 'state.json')
    const a = new StateStore(path)
    a.update('f', (s) => ({ ...s, lastRound: 7n, lastAnswer: -5n, pending: { round: 8n, jobId: 'j', attempt: 1, inputsKey: 'k' } }))
    const b = new StateStore(path)
    assert.deepEqual(b.get('f'), { lastRound: 7n, lastAnswer: -5n, pending: { round: 8n, jobId: 'j', attempt: 1, inputsKey: 'k' } })
    assert.deepEqual(b.get('other'), { lastRound: 0n })
    writeFileSync(path, '{"version":1,"feeds":{"f":{"lastRound":7}}}')
    assert.throws(() => new StateStore(path), (e: unknown) => e instanceof BaseError && e.code === 'ORACLE_STATE_CORRUPT')
    writeFileSync(path, 'not json')
    assert.throws(() => new StateStore(path), (e: unknown) => e instanceof BaseError && e.code === 'ORACLE_STATE_CORRUPT')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('poolRiskFeatures: the bundled model\'s 12 features, in its order and units, from a pool snapshot', () => {
  assert.deepEqual([...POOL_RISK_FEATURES], FEATURES.map((f) => f.name))
  const day = 86_400n
  const f = poolRiskFeatures({
    tvlUsd: 1_000_000n, tvlUsd30dAgo: 800_000n, apyBpsHistory: [500, 700, 600], rewardShareBps: 3000, utilizationBps: 8000,
    oraclePrice: 101_000_000n, referencePrice: 100_000_000n, oracleUpdatedAt: 1000n * day, auditScore: 90, deployedAt: 0n,
    top10ConcentrationBps: 4000, blockTimestamp: 1000n * day + 2n * 3600n + 1799n,
  })
  assert.equal(f.length, 12)
  const std = Math.sqrt(((0.05 - 0.06) ** 2 + (0.07 - 0.06) ** 2 + 0) / 3)
  const expected = [Math.log(1e6), 0.25, 0.06, 0.3, std / 0.06, 0.07 / 0.06, 0.8, 0.01, 2, 0.9, 1000 / 365, 0.4]
  expected.forEach((v, i) => assert.ok(Math.abs(f[i]! - v) < 1e-12, `${POOL_RISK_FEATURES[i]}: expected ${v}, got ${f[i]}`))
  FEATURES.forEach((feat, i) => assert.ok(f[i]! >= feat.range[0] && f[i]! <= feat.range[1], `${feat.name} ${f[i]} outside ${feat.range}`))
})

test('file and HTTP adapters read real sources and reject malformed inputs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oracle-adapter-'))
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/ok') res.end(JSON.stringify({ features: [1, 2, 3] }))
    else if (req.url === '/nan') res.end('{"features":[1,"x",3]}')
    else { res.statusCode = 503; res.end('{"error":"down"}') }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  try {
    const p = join(dir, 'in.json')
    writeFileSync(p, JSON.stringify({ inputs: [0.5, -1] }))
    assert.deepEqual(await fileAdapter(p, 2).read(), [0.5, -1])
    writeFileSync(p, JSON.stringify([0.5]))
    await assert.rejects(fileAdapter(p, 2).read(), (e: unknown) => e instanceof BaseError && e.code === 'ADAPTER_FAILED' && /expected 2 inputs, got 1/.test(e.details!))
    await assert.rejects(fileAdapter(join(dir, 'missing.json')).read(), (e: unknown) => e instanceof BaseError && e.code === 'ADAPTER_FAILED')
    const base = `http://127.0.0.1:${port}`
    assert.deepEqual(await httpAdapter({ url: `${base}/ok`, field: 'features', expectedLength: 3 }).read(), [1, 2, 3])
    await assert.rejects(httpAdapter({ url: `${base}/nan`, field: 'features' }).read(), (e: unknown) => e instanceof BaseError && e.code === 'ADAPTER_FAILED')
    await assert.rejects(httpAdapter({ url: `${base}/down` }).read(), (e: unknown) => e instanceof BaseError && e.code === 'ADAPTER_FAILED' && /503/.test(e.details!))
    assert.throws(() => checkInputs([Infinity], 1, 't'), (e: unknown) => e instanceof BaseError && e.code === 'ADAPTER_FAILED')
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

test('in-process prover client: idempotency keys dedupe, failures surface as PROVER_JOB_FAILED', async () => {
  let calls = 0
  const prover = inProcessProverClient(async (req) => {
    calls++
    if (req.round === '13') throw new Error('boom')
    return { proof: '0x00', publicSignals: [req.round] }
  })
  const a = await prover.submit({ circuitId: 'c', input: [1], subject: '1', round: '1', idempotencyKey: 'k1' })
  const b = await prover.submit({ circuitId: 'c', input: [1], subject: '1', round: '1', idempotencyKey: 'k1' })
  assert.equal(a.jobId, b.jobId)
  assert.deepEqual((await waitForProof(prover, a.jobId, { pollMs: 5 })).publicSignals, ['1'])
  assert.equal(calls, 1)
  const bad = await prover.submit({ circuitId: 'c', input: [1], subject: '1', round: '13' })
  await assert.rejects(waitForProof(prover, bad.jobId, { pollMs: 5 }), (e: unknown) => e instanceof BaseError && e.code === 'PROVER_JOB_FAILED' && /boom/.test(e.details!))
})

test('HTTP prover client speaks the jobs API: bearer on writes, errors as PROVER_API_ERROR, timeout as PROVER_TIMEOUT', async () => {
  const seen: { method: string | undefined; url: string | undefined; auth: string | undefined; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body })
      res.setHeader('content-type', 'application/json')
      if (req.method === 'POST' && req.url === '/jobs') {
        if (req.headers.authorization !== 'Bearer k') { res.statusCode = 401; return res.end('{"code":"UNAUTHORIZED"}') }
        res.statusCode = 202
        return res.end('{"jobId":"j1","status":"queued"}')
      }
      if (req.url === '/jobs/j1') return res.end('{"status":"proving"}')
      res.statusCode = 404
      return res.end('{"code":"JOB_NOT_FOUND"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  try {
    const c = httpProverClient({ baseUrl, apiKey: 'k' })
    const req = { circuitId: 'c', input: [0.5], subject: '9', round: '2', idempotencyKey: 'f:2:0' }
    assert.deepEqual(await c.submit(req), { jobId: 'j1' })
    assert.deepEqual(JSON.parse(seen[0]!.body), req)
    assert.equal(seen[0]!.auth, 'Bearer k')
    await assert.rejects(waitForProof(c, 'j1', { timeoutMs: 50, pollMs: 10 }), (e: unknown) => e instanceof BaseError && e.code === 'PROVER_TIMEOUT')
    await assert.rejects(c.get('nope'), (e: unknown) => e instanceof BaseError && e.code === 'PROVER_API_ERROR' && e.meta?.status === 404)
    await assert.rejects(httpProverClient({ baseUrl }).submit(req), (e: unknown) => e instanceof BaseError && e.code === 'PROVER_API_ERROR' && e.meta?.status === 401)
  } finally {
    server.close()
  }
})
