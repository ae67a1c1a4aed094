// The prover network end to end on the real Redis: `zkml serve` and `zkml worker` as separate
// processes, real snarkjs proofs of a tiny compiled model. One file so the circuit compiles once.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connectRedis, type JobEvent } from '../../src/network/index.ts'
import { loadCircuit, verifyInference } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { compiledTestCircuit, deletePrefix, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('net')
const dirs = tempDir('net')
const apiKey = 'net-test-key'
// Artifacts in the test's Redis prefix (RedisArtifactStore): the multi-host set-up, and cleaned up with the prefix.
const env = { ZKML_API_KEYS: apiKey, ZKML_STORE: 'redis', ZKML_PREFIX: prefix }
// Short lock and stalled check so a killed worker's job is retaken within seconds.
const workerArgs = ['worker', '--allow-volatile-redis', '--lock-ms', '3000', '--stalled-ms', '1000', '--poll-ms', '200', '--heartbeat-ms', '1000', '--grace-ms', '20000']
const procs: Proc[] = []
let base = ''
let circuit: Awaited<ReturnType<typeof compiledTestCircuit>>
let circuitId = ''
let A: Proc, B: Proc, weak: Proc

const spawnWorker = (tag: string, extra: string[] = []) => {
  const p = spawnZkml([...workerArgs, ...extra], { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-${tag}` }, tag)
  procs.push(p)
  return p
}
const workerId = async (p: Proc) => JSON.parse(await p.waitFor(/"event":"started"/)).worker as string
const api = async (path: string, init?: { method?: string; body?: unknown }) => {
  const r = await fetch(base + path, {
    method: init?.method ?? 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    ...(init?.body ? { body: JSON.stringify(init.body) } : {}),
  })
  return { status: r.status, json: (await r.json()) as any }
}
const submit = async (i: number, extra: object = {}) => {
  const r = await api('/jobs', { method: 'POST', body: { circuitId, input: circuit.sample(i), subject: String(1000 + i), round: String(i + 1), ...extra } })
  assert.equal(r.status, 202, JSON.stringify(r.json))
  return r.json.jobId as string
}
const job = async (id: string) => (await api(`/jobs/${id}`)).json
const waitDone = (ids: string[], ms = 120_000) =>
  until(async () => {
    const recs = await Promise.all(ids.map(job))
    const bad = recs.find((r) => r.status === 'failed')
    if (bad) throw new Error(`job ${bad.jobId} failed: ${bad.errorCode} ${bad.reason}`)
    return recs.every((r) => r.status === 'verified') && recs
  }, ms, `${ids.length} jobs verified`, 200)
const events = async (id: string): Promise<JobEvent[]> => (await redis.lrange(`${prefix}:net:events:${id}`, 0, -1)).map((s) => JSON.parse(s))
const stats = async () => (await api('/health')).json.stats as Record<string, number>
before(async () => {
  circuit = await compiledTestCircuit(dirs.dir)
  const server = spawnZkml(['serve', '--allow-volatile-redis', '--port', '0', '--backoff-ms', '300'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-server` }, 'serve')
  procs.push(server)
  base = (await server.waitFor(/^listening on /)).replace('listening on ', '').trim()
  const reg = await api('/circuits', { method: 'POST', body: await registerBody(circuit.dir) })
  assert.equal(reg.status, 201, JSON.stringify(reg.json))
  circuitId = reg.json.circuit.id
  A = spawnWorker('A')
  B = spawnWorker('B')
  // Advertises 512 MiB: below every class (the smallest is 1 GiB), so it must never take a job.
  weak = spawnWorker('weak', ['--memory-mib', '512'])
  await Promise.all([workerId(A), workerId(B), workerId(weak)])
})

after(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  await deletePrefix(redis, prefix)
  redis.disconnect()
  dirs.remove()
  await terminateSnark() // verifyInference above started snarkjs's thread pool
})

test('N jobs with 2 worker processes → N verified proofs, each checked independently', async () => {
  const n = 4
  const before = (await stats()).verified ?? 0
  const ids = []
  for (let i = 0; i < n; i++) ids.push(await submit(i))
  const recs = await waitDone(ids)
  for (const [i, r] of recs.entries()) {
    assert.ok(Array.isArray(r.publicSignals) && r.proof && Array.isArray(r.outputs))
    const c = await loadCircuit(circuit.dir)
    assert.equal(await verifyInference(c, r.proof, r.publicSignals), true)
    const expect = c.computeWitness(circuit.sample(i), { subject: BigInt(1000 + i), round: BigInt(i + 1) })
    assert.deepEqual(r.publicSignals, expect.publicSignals, 'proof is about this job\'s input, subject and round')
    assert.deepEqual(r.outputs, expect.outputs)
    assert.ok(r.timings.total >= r.timings.proving)
    assert.deepEqual(Object.keys(r.timestamps).sort(), ['proved', 'proving', 'queued', 'submitted', 'verified'])
  }
  assert.equal((await stats()).verified, before + n)
  const workers = (await api('/workers')).json.workers
  assert.equal(workers.length, 3)
  const ad = workers.find((w: any) => w.hardware.memoryMiB === 512)
  assert.deepEqual(ad.classes, [], 'the weak worker listens to no queue')
})

test('a worker lacking a requirement never takes the job', async () => {
  // GPU required: no worker here has one, so the job stays queued however long we wait.
  const gpuJob = await submit(9, { requirements: { gpu: true } })
  const plain = await submit(10)
  await waitDone([plain])
  const r = await job(gpuJob)
  assert.equal(r.status, 'queued')
  assert.equal(r.attempts, 0)
  assert.equal(r.className, `${circuit.backend}.gpu.m1`)
  const weakId = JSON.parse(await weak.waitFor(/"event":"started"/)).worker
  assert.equal(weak.lines.filter((l) => /"event":"(proving|requirements-not-met)"/.test(l)).length, 0, 'weak worker never touched a job')
  for (const id of [gpuJob, plain]) for (const e of await events(id)) assert.notEqual(e.workerId, weakId)
})

test('SIGKILL a worker mid-proof → the job still completes, exactly once', async () => {
  const before = await stats()
  const id = await submit(20)
  const holder = await until(async () => {
    const r = await job(id)
    return r.status === 'proving' && r.workerId
  }, 60_000, 'a worker to start proving', 20)
  const victim = [A, B].find((p) => p.lines.some((l) => l.includes(holder)))!
  victim.child.kill('SIGKILL')
  await victim.exited
  const [r] = await waitDone([id], 90_000)
  assert.notEqual(r.provedBy, holder)
  assert.ok(r.attempts >= 2, `attempts ${r.attempts}`)
  const evs = await events(id)
  assert.equal(evs.filter((e) => e.type === 'state' && e.to === 'verified').length, 1)
  assert.ok(evs.some((e) => e.type === 'state' && e.from === 'proving' && e.to === 'proving'), 'a take-over was recorded')
  const after = await stats()
  assert.equal(after.verified, (before.verified ?? 0) + 1)
  assert.equal(after.submitted, (before.submitted ?? 0) + 1)
  const c = await loadCircuit(circuit.dir)
  assert.equal(await verifyInference(c, r.proof, r.publicSignals), true)
})

test('a tampered proof is rejected by the server and the job retried; graceful SIGTERM', async () => {
  // Stop the surviving honest worker gracefully, so the tampering one is the only taker.
  const survivor = [A, B].find((p) => p.child.exitCode === null && p.child.signalCode === null)!
  survivor.child.kill('SIGTERM')
  assert.equal(await survivor.exited, 0)
  assert.ok(survivor.lines.some((l) => /"event":"stopped"/.test(l)))
  const T = spawnWorker('tamper', ['--test-tamper-proofs', '1'])
  const tid = await workerId(T)
  const before = await stats()
  const id = await submit(30)
  const [r] = await waitDone([id], 90_000)
  assert.equal(r.provedBy, tid)
  assert.equal(r.attempts, 2)
  assert.equal((await stats()).rejected, (before.rejected ?? 0) + 1)
  const evs = await events(id)
  const states = evs.filter((e) => e.type === 'state').map((e) => (e as { to: string }).to)
  assert.deepEqual(states, ['submitted', 'queued', 'proving', 'proved', 'queued', 'proving', 'proved', 'verified'])
  assert.ok(evs.some((e) => e.type === 'progress' && /^rejected: proof does not verify/.test(e.stage)))
  assert.ok(T.lines.some((l) => /"event":"test-tamper"/.test(l)))
  const c = await loadCircuit(circuit.dir)
  assert.equal(await verifyInference(c, r.proof, r.publicSignals), true)
  const listed = (await api('/workers')).json.workers
  assert.equal(listed.find((w: any) => w.id === tid)?.rejectedProofs, 1, "the coordinator's rejection shows on the tampering worker")
  const workers = listed.map((w: any) => w.id)
  assert.ok(!workers.some((w: string) => survivor.lines.some((l) => l.includes(`"worker":"${w}"`))), 'a stopped worker withdraws its advertisement')
})
