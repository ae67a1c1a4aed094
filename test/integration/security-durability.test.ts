// Issue 11, items 9 and 10: what a Redis without persistence, a Redis that goes away and a Redis
// restart do to the network. Each test runs its own private redis-server (free port, temp dir):
// the shared one at 6379 is never stopped or reconfigured.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { redisPidOn, startPrivateRedisServer } from '../../src/dev/redisServer.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { buildApi } from '../../src/api/index.ts'
import { connectRedis, redisPersistence, RedisArtifactStore, type JobEvent } from '../../src/network/index.ts'
import { b64, compiledTestCircuit, registerBody, spawnZkml, syntheticCircuit, tempDir, until, type Proc } from './prover-helpers.ts'

const dirs = tempDir('secdur')
const live = new Set<ChildProcess>()
const procs: Proc[] = []
after(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  for (const c of live) c.kill('SIGKILL')
  dirs.remove()
  await terminateSnark() // compiling the test circuit started snarkjs's thread pool
})

/** A private redis-server; `restart()` starts it again on the same port and directory (its AOF). */
async function privateRedis(tag: string, args: string[]) {
  const dir = join(dirs.dir, tag)
  await import('node:fs').then((fs) => fs.mkdirSync(dir, { recursive: true }))
  // The first start picks a free port and checks the server answering there is this child.
  const first = await startPrivateRedisServer(['--dir', dir, ...args])
  const port = first.port
  let child: ChildProcess = first.child
  const track = (c: ChildProcess) => {
    live.add(c)
    c.once('exit', () => live.delete(c))
  }
  track(child)
  const restart = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: 'ignore' })
    track(child)
    // The same port again (clients reconnect to it): it must be this child that answers.
    await until(async () => (await redisPidOn(port, 300)) === child.pid, 10_000, `redis-server on ${port} restarted`, 100)
  }
  return {
    url: first.url,
    /** Kills it without a chance to flush anything (what a crash or an OOM kill does). */
    kill: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    }),
    restart,
  }
}
const volatileArgs = ['--save', '', '--appendonly', 'no']
// fsync on every write: a SIGKILL then loses nothing that was acknowledged.
const aofArgs = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']

test('item 10: redisPersistence reads AOF, RDB and an unreadable CONFIG', async () => {
  const cases: Array<[string, string[], { aof: boolean; rdbSave: string | undefined; durable: boolean }]> = [
    ['volatile', volatileArgs, { aof: false, rdbSave: '', durable: false }],
    ['aof', aofArgs, { aof: true, rdbSave: '', durable: true }],
    ['rdb', ['--save', '60 1', '--appendonly', 'no'], { aof: false, rdbSave: '60 1', durable: true }],
    ['no-config', [...volatileArgs, '--rename-command', 'CONFIG', ''], { aof: false, rdbSave: undefined, durable: false }],
  ]
  for (const [tag, args, want] of cases) {
    const r = await privateRedis(`p-${tag}`, args)
    const c = await connectRedis({ url: r.url })
    const got = await redisPersistence(c)
    c.disconnect()
    await r.kill()
    assert.deepEqual({ aof: got.aof, rdbSave: got.rdbSave, durable: got.durable }, want, tag)
    if (tag === 'no-config') assert.match(got.rdbUnknownBecause ?? '', /unknown command|ERR/i)
  }
})

test('item 10: zkml serve and zkml worker refuse a Redis without persistence unless --allow-volatile-redis', { timeout: 120_000 }, async () => {
  const r = await privateRedis('volatile', volatileArgs)
  const env = { REDIS_URL: r.url, ZKML_API_KEYS: 'k', ZKML_STORE: 'redis' }
  for (const cmd of ['serve', 'worker']) {
    const p = spawnZkml([cmd, ...(cmd === 'serve' ? ['--port', '0'] : [])], env, `${cmd}-refused`)
    procs.push(p)
    assert.equal(await p.exited, 1, p.lines.join('\n'))
    const out = p.lines.join('\n')
    assert.match(out, /Code: REDIS_NOT_DURABLE/)
    assert.match(out, /expected AOF \(appendonly yes\) or RDB snapshots .* got AOF off \(aof_enabled:0\) and RDB snapshots off \(save ""\)/)
  }
  const s = spawnZkml(['serve', '--allow-volatile-redis', '--port', '0', '--no-coordinator'], env, 'serve-volatile')
  procs.push(s)
  await s.waitFor(/^listening on /, 60_000)
  assert.ok(s.lines.some((l) => /WARNING: Redis has no persistence/.test(l)), 'a loud warning')
  s.child.kill('SIGTERM')
  await s.exited
  await r.kill()
})

test('item 9: POST /jobs answers 503 REDIS_UNAVAILABLE at once while Redis is down, and works again after', { timeout: 120_000 }, async () => {
  const r = await privateRedis('down', aofArgs)
  const redis = await connectRedis({ url: r.url })
  const { app } = await buildApi({ redis, prefix: 'zkml', store: new RedisArtifactStore(redis, 'zkml'), apiKeys: ['k'] })
  try {
    const c = syntheticCircuit({ inputs: 2 })
    const reg = await app.inject({ method: 'POST', url: '/circuits', headers: { authorization: 'Bearer k' }, payload: { manifest: c.manifest, artifacts: Object.fromEntries(Object.entries(c.artifacts).map(([k, v]) => [k, b64(v)])) } })
    assert.equal(reg.statusCode, 201, reg.body)
    const job = { circuitId: reg.json().circuit.id, input: [1, 2], subject: '1', round: '1', idempotencyKey: 'while-down' }
    const post = () => app.inject({ method: 'POST', url: '/jobs', headers: { authorization: 'Bearer k' }, payload: job })
    await r.kill()
    const t0 = Date.now()
    const res = await Promise.race([post(), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))])
    assert.notEqual(res, 'hung', 'POST /jobs hung while Redis was down')
    if (res === 'hung') return
    assert.ok(Date.now() - t0 < 6000, `answered within the deadline, took ${Date.now() - t0} ms`)
    assert.equal(res.statusCode, 503, res.body)
    assert.equal(res.json().code, 'REDIS_UNAVAILABLE')
    await r.restart()
    const ok = await until(async () => {
      const x = await post()
      return x.statusCode === 202 && x
    }, 15_000, 'POST /jobs accepted after Redis came back', 200)
    assert.equal(ok.json().status, 'queued')
  } finally {
    await app.close()
    redis.disconnect()
    await r.kill().catch(() => {})
  }
})

test('item 10: an AOF Redis restarted mid-queue and mid-proof loses nothing: every job is proved once', { timeout: 600_000 }, async () => {
  const r = await privateRedis('restart', aofArgs)
  // Artifacts in Redis too: the registration must survive the restart with the jobs.
  const env = { REDIS_URL: r.url, ZKML_API_KEYS: 'k', ZKML_STORE: 'redis', ZKML_PREFIX: 'zkml' }
  const circuit = await compiledTestCircuit(dirs.dir)
  const server = spawnZkml(['serve', '--port', '0', '--backoff-ms', '300', '--sweep-ms', '1000', '--sweep-stale-ms', '5000'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-server` }, 'serve')
  procs.push(server)
  const base = (await server.waitFor(/^listening on /, 60_000)).replace('listening on ', '').trim()
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(base + path, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, ...(body ? { body: JSON.stringify(body) } : {}) })
    return { status: res.status, json: (await res.json()) as any }
  }
  const reg = await api('/circuits', await registerBody(circuit.dir))
  assert.equal(reg.status, 201, JSON.stringify(reg.json))
  const circuitId = reg.json.circuit.id as string
  const worker = spawnZkml(['worker', '--lock-ms', '5000', '--stalled-ms', '1000', '--poll-ms', '200', '--heartbeat-ms', '1000'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-worker` }, 'worker')
  procs.push(worker)
  await worker.waitFor(/"event":"started"/, 60_000)

  const n = 4
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const s = await api('/jobs', { circuitId, input: circuit.sample(i), subject: String(500 + i), round: String(i + 1) })
    assert.equal(s.status, 202, JSON.stringify(s.json))
    ids.push(s.json.jobId)
  }
  // One worker, one job at a time: wait until one is proving while the others wait in the queue.
  await until(async () => {
    const recs = await Promise.all(ids.map(async (id) => (await api(`/jobs/${id}`)).json))
    return recs.some((x) => x.status === 'proving') && recs.filter((x) => x.status === 'queued').length >= 2
  }, 120_000, 'one job proving, two queued', 50)
  await r.kill()
  await new Promise((res) => setTimeout(res, 1000))
  await r.restart()

  const redis = await connectRedis({ url: r.url })
  try {
    await until(async () => {
      const recs = await Promise.all(ids.map(async (id) => (await api(`/jobs/${id}`)).json))
      const bad = recs.find((x) => x.status === 'failed')
      if (bad) throw new Error(`job ${bad.jobId} failed: ${bad.errorCode} ${bad.reason}`)
      return recs.every((x) => x.status === 'verified')
    }, 300_000, `${n} jobs verified after the restart`, 300)
    for (const id of ids) {
      const evs = (await redis.lrange(`zkml:net:events:${id}`, 0, -1)).map((s) => JSON.parse(s) as JobEvent)
      assert.equal(evs.filter((e) => e.type === 'state' && e.to === 'verified').length, 1, `${id} verified exactly once`)
      assert.equal(evs.filter((e) => e.type === 'state' && e.to === 'submitted').length, 1, `${id} submitted once`)
      const view = (await api(`/jobs/${id}`)).json
      assert.equal(view.publicSignals.length > 0, true)
    }
    const stats = (await api('/health')).json.stats
    assert.equal(stats.verified, n, `verified once each: ${JSON.stringify(stats)}`)
    assert.equal(stats.submitted, n)
    assert.deepEqual((await api('/circuits')).json.circuits.map((c: { id: string }) => c.id), [circuitId], 'the registration survived')
  } finally {
    redis.disconnect()
    server.child.kill('SIGTERM')
    worker.child.kill('SIGTERM')
    await Promise.all([server.exited, worker.exited])
    await r.kill().catch(() => {})
  }
})
