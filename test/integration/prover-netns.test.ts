// Several hosts, for real: three Linux network namespaces joined by veth pairs. Redis and `zkml
// serve` run in one ("hub"), a `zkml worker` in each of the two others, so every Redis command a
// worker sends crosses a real interface. Mid-proof the proving worker's link is cut (`ip link set
// down`): its job lock expires, the other worker takes the job over, and it is verified once.
// Linux and root only (network namespaces); skipped, saying why, elsewhere. Namespaces are removed
// in `after` whatever happens (deleting a namespace removes its veth ends).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connectRedis, JobStore, type JobEvent } from '../../src/network/index.ts'
import { loadCircuit, verifyInference } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { compiledTestCircuit, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from './prover-helpers.ts'

const tag = `z${process.pid % 100000}`
const ns = { hub: `${tag}-hub`, w1: `${tag}-w1`, w2: `${tag}-w2` }
const made: string[] = []
const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`)
}

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (platform ${process.platform})`
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (run as uid 0)'
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'redis-server is not installed'
  const r = spawnSync('ip', ['netns', 'add', `${tag}-probe`], { encoding: 'utf8' })
  if (r.status !== 0) return `ip netns add failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`
  spawnSync('ip', ['netns', 'del', `${tag}-probe`])
  return undefined
}
const skip = whyNot()

const prefix = testPrefix('netns')
const dirs = tempDir('netns')
const apiKey = 'netns-key'
const procs: Proc[] = []
let redisProc: ChildProcess | undefined
let redis: Awaited<ReturnType<typeof connectRedis>> | undefined
let base = ''
let circuit: Awaited<ReturnType<typeof compiledTestCircuit>>
let circuitId = ''
const workers: Record<'w1' | 'w2', Proc> = {} as never

/** A veth pair from the root namespace (or `from`) to `to`: `<a>/24` on the first end, `<b>/24` on the second. */
function link(name: string, from: string | undefined, to: string, a: string, b: string) {
  ip('link', 'add', `${name}a`, 'type', 'veth', 'peer', 'name', `${name}b`)
  if (from) ip('link', 'set', `${name}a`, 'netns', from)
  ip('link', 'set', `${name}b`, 'netns', to)
  const inA = from ? ['netns', 'exec', from, 'ip'] : []
  ip(...inA, 'addr', 'add', `${a}/24`, 'dev', `${name}a`)
  ip(...inA, 'link', 'set', `${name}a`, 'up')
  ip('netns', 'exec', to, 'ip', 'addr', 'add', `${b}/24`, 'dev', `${name}b`)
  ip('netns', 'exec', to, 'ip', 'link', 'set', `${name}b`, 'up')
}

before(async () => {
  if (skip) return
  const compiling = compiledTestCircuit(dirs.dir)
  for (const n of Object.values(ns)) {
    ip('netns', 'add', n)
    made.push(n)
    ip('netns', 'exec', n, 'ip', 'link', 'set', 'lo', 'up')
  }
  const o = 10 + (process.pid % 200) // third octet per run: 10.<o>.x.y stays off other runs' subnets
  link(`${tag}r`, undefined, ns.hub, `10.${o}.0.1`, `10.${o}.0.2`) // this test process ↔ hub
  link(`${tag}1`, ns.hub, ns.w1, `10.${o}.1.1`, `10.${o}.1.2`)
  link(`${tag}2`, ns.hub, ns.w2, `10.${o}.2.1`, `10.${o}.2.2`)
  redisProc = spawn('ip', ['netns', 'exec', ns.hub, 'redis-server', '--port', '6379', '--bind', '0.0.0.0', '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', dirs.dir], { stdio: 'ignore' })
  redis = await until(() => connectRedis({ url: `redis://10.${o}.0.2:6379` }).catch(() => undefined), 10_000, 'Redis in the hub namespace')
  const env = { ZKML_API_KEYS: apiKey, ZKML_STORE: 'redis', ZKML_PREFIX: prefix }
  const server = spawnZkml(['serve', '--allow-volatile-redis', '--host', '0.0.0.0', '--port', '8080', '--redis', 'redis://127.0.0.1:6379'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/serve` }, 'serve', ['ip', 'netns', 'exec', ns.hub])
  procs.push(server)
  // Each worker reaches Redis only through its own veth pair.
  for (const [k, sub] of [['w1', 1], ['w2', 2]] as const) {
    const w = spawnZkml(['worker', '--allow-volatile-redis', '--redis', `redis://10.${o}.${sub}.1:6379`, '--id', `${tag}-${k}`, '--lock-ms', '3000', '--stalled-ms', '1000', '--poll-ms', '200', '--heartbeat-ms', '1000'],
      { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-${k}` }, k, ['ip', 'netns', 'exec', ns[k]])
    workers[k] = w
    procs.push(w)
  }
  await server.waitFor(/^listening on /, 90_000)
  base = `http://10.${o}.0.2:8080`
  circuit = await compiling
  const reg = await fetch(`${base}/circuits`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify(await registerBody(circuit.dir)) })
  assert.equal(reg.status, 201)
  circuitId = ((await reg.json()) as { circuit: { id: string } }).circuit.id
  await Promise.all(Object.values(workers).map((w) => w.waitFor(/"event":"started"/, 90_000)))
})

after(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  redis?.disconnect()
  if (redisProc && redisProc.exitCode === null) {
    redisProc.kill('SIGKILL')
    await new Promise((r) => redisProc!.once('exit', r))
  }
  for (const n of made) spawnSync('ip', ['netns', 'del', n])
  dirs.remove()
  await terminateSnark()
})

test('workers in other namespaces prove across veth links; a link cut mid-proof → the job is recovered, verified once', { skip }, async () => {
  const post = async (i: number) => {
    const r = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ circuitId, input: circuit.sample(i), subject: String(70 + i), round: String(i + 1) }) })
    assert.equal(r.status, 202)
    return ((await r.json()) as { jobId: string }).jobId
  }
  const jobs = new JobStore(redis!, prefix)
  const ids = [await post(0), await post(1)]
  // Cut the link of the first worker seen proving.
  const [held, holder] = await until(async () => {
    for (const id of ids) {
      const r = await jobs.get(id)
      if (r?.status === 'proving' && r.workerId) return [id, r.workerId] as const
    }
    return undefined
  }, 30_000, 'a worker proving', 20)
  const cut = holder === `${tag}-w1` ? 'w1' : 'w2'
  ip('netns', 'exec', ns[cut], 'ip', 'link', 'set', `${tag}${cut === 'w1' ? 1 : 2}b`, 'down')
  const recs = await until(async () => {
    const rs = await Promise.all(ids.map((id) => jobs.get(id)))
    const bad = rs.find((r) => r?.status === 'failed')
    if (bad) throw new Error(`job ${bad.id} failed: ${bad.errorCode} ${bad.reason}`)
    return rs.every((r) => r?.status === 'verified') && rs
  }, 60_000, 'both jobs verified')
  const taken = recs.find((r) => r!.id === held)!
  assert.notEqual(taken.result!.provedBy, holder, 'the job of the cut-off worker was proved by the other one')
  const evs: JobEvent[] = await jobs.events(held)
  assert.equal(evs.filter((e) => e.type === 'state' && e.to === 'verified').length, 1)
  assert.ok(evs.some((e) => e.type === 'state' && e.to === 'proving' && e.workerId !== holder), 'taken over by the other worker')
  assert.equal((await jobs.stats()).verified, 2)
  const c = await loadCircuit(circuit.dir)
  for (const r of recs) assert.equal(await verifyInference(c, r!.result!.proof as Parameters<typeof verifyInference>[1], r!.result!.publicSignals), true)
})
