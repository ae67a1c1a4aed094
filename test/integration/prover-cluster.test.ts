// The prover network on a real Redis Cluster: 3 masters + 3 replicas (redis-server, AOF on) on
// loopback ports, started here and torn down after. Two `zkml serve` (two coordinators) and three
// `zkml worker` processes share it. A worker is SIGKILLed mid-proof and the master holding the
// network's state is failed over to its replica while jobs run: every job must end verified exactly
// once (one `verified` transition, counted once), none lost.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connectRedis, JobStore, redisKeys, requireDurableRedis, type JobEvent } from '../../src/network/index.ts'
import { loadCircuit, verifyInference } from '../../src/compiler/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { compiledTestCircuit, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from './prover-helpers.ts'
import { redisClusterMissing, startRedisCluster, type LocalCluster } from './cluster-helpers.ts'

const missing = redisClusterMissing()
const prefix = testPrefix('cluster')
const dirs = tempDir('cluster')
const apiKey = 'cluster-test-key'
const procs: Proc[] = []
let cl: LocalCluster | undefined
let redis: Awaited<ReturnType<typeof connectRedis>> | undefined
let bases: string[] = []
let circuit: Awaited<ReturnType<typeof compiledTestCircuit>>
let circuitId = ''
const workers: Proc[] = []

const api = async (base: string, path: string, body?: unknown) => {
  const r = await fetch(base + path, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

before(async () => {
  if (missing) return
  const [c, compiled] = await Promise.all([startRedisCluster({ masters: 3, replicasPer: 1 }), compiledTestCircuit(dirs.dir)])
  cl = c
  circuit = compiled
  redis = await connectRedis({ url: cl.url })
  // AOF is on on every node, replicas included: no --allow-volatile-redis needed.
  const env = { REDIS_URL: cl.url, ZKML_API_KEYS: apiKey, ZKML_STORE: 'redis', ZKML_PREFIX: prefix }
  const serves = [0, 1].map((i) => spawnZkml(['serve', '--port', '0', '--backoff-ms', '300', '--sweep-ms', '1000', '--sweep-stale-ms', '4000'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/serve-${i}` }, `serve${i}`))
  procs.push(...serves)
  for (let i = 0; i < 3; i++) {
    const w = spawnZkml(['worker', '--lock-ms', '3000', '--stalled-ms', '1000', '--poll-ms', '200', '--heartbeat-ms', '1000'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-${i}` }, `w${i}`)
    workers.push(w)
    procs.push(w)
  }
  bases = await Promise.all(serves.map(async (s) => (await s.waitFor(/^listening on /, 90_000)).replace('listening on ', '').trim()))
  const reg = await api(bases[0]!, '/circuits', await registerBody(circuit.dir))
  assert.equal(reg.status, 201, JSON.stringify(reg.json))
  circuitId = (reg.json.circuit as { id: string }).id
  await Promise.all(workers.map((w) => w.waitFor(/"event":"started"/, 90_000)))
})

after(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  redis?.disconnect()
  await cl?.stop()
  dirs.remove()
  await terminateSnark()
})

test('every node of the cluster is checked for persistence', { skip: missing }, async () => {
  const p = await requireDurableRedis(redis!, { who: 'test' })
  assert.equal(p.nodes?.length, 6, 'masters and replicas')
  assert.ok(p.nodes!.every((n) => n.aof))
})

test('3 workers, 2 coordinators, a worker SIGKILLed mid-proof, a master failed over: each job verified exactly once', { skip: missing }, async () => {
  const n = 6
  const ids: string[] = []
  // Alternate the two APIs; the same idempotency key through the other API is the same job.
  for (let i = 0; i < n; i++) {
    const body = { circuitId, input: circuit.sample(i), subject: String(500 + i), round: String(i + 1), idempotencyKey: `cluster-${i}` }
    const r = await api(bases[i % 2]!, '/jobs', body)
    assert.equal(r.status, 202, JSON.stringify(r.json))
    ids.push(r.json.jobId as string)
    const again = await api(bases[(i + 1) % 2]!, '/jobs', body)
    assert.equal(again.json.jobId, r.json.jobId)
    assert.equal(again.json.duplicate, true)
  }
  const jobs = new JobStore(redis!, prefix)
  // SIGKILL the worker holding the first job that reaches `proving`.
  const [held, holder] = await until(async () => {
    for (const id of ids) {
      const r = await jobs.get(id)
      if (r?.status === 'proving' && r.workerId) return [id, r.workerId] as const
    }
    return undefined
  }, 20_000, 'a worker proving', 20)
  const victim = workers.find((w) => w.lines.some((l) => l.includes(`"worker":"${holder}"`)))!
  const killedAt = Date.now()
  victim.child.kill('SIGKILL')
  // Fail the master holding the network's state ({prefix}) over to its replica, jobs in flight.
  const stateKey = redisKeys(prefix, true).stats
  const oldMaster = cl!.masterOf(stateKey)
  const replica = cl!.replicasOf(oldMaster)[0]!
  assert.equal(cl!.cli(replica, 'cluster', 'failover'), 'OK')
  await until(async () => cl!.cli(replica, 'role').split('\n')[0] === 'master' && cl!.masterOf(stateKey) === replica, 10_000, 'the replica promoted')

  let seen: string[] = []
  const recs = await until(async () => {
    const rs = await Promise.all(ids.map((id) => jobs.get(id)))
    seen = rs.map((r) => `${r?.id}:${r?.status}:${r?.attempts}`)
    const bad = rs.find((r) => r?.status === 'failed')
    if (bad) throw new Error(`job ${bad.id} failed: ${bad.errorCode} ${bad.reason}`)
    return rs.every((r) => r?.status === 'verified') && rs
  }, 60_000, `${n} jobs verified`, 200).catch((e) => {
    throw new Error(`${(e as Error).message}; jobs ${seen.join(' ')}; last lines:\n${procs.map((p) => p.lines.slice(-6).join('\n')).join('\n--\n')}`)
  })

  const c = await loadCircuit(circuit.dir)
  for (const [i, r] of recs.entries()) {
    const evs: JobEvent[] = await jobs.events(r!.id)
    assert.equal(evs.filter((e) => e.type === 'state' && e.to === 'verified').length, 1, `job ${i} verified once`)
    assert.notEqual(r!.result!.provedBy, undefined)
    const expect = c.computeWitness(circuit.sample(i), { subject: BigInt(500 + i), round: BigInt(i + 1) })
    assert.deepEqual(r!.result!.publicSignals, expect.publicSignals)
    assert.equal(await verifyInference(c, r!.result!.proof as Parameters<typeof verifyInference>[1], r!.result!.publicSignals), true)
  }
  const stats = await jobs.stats()
  assert.equal(stats.submitted, n, 'each idempotent submission counted once')
  assert.equal(stats.verified, n, 'verified (and payable) once per job, across both coordinators')
  // Both APIs read the same network.
  for (const base of bases) assert.equal((await api(base, `/jobs/${ids[0]}`)).json.status, 'verified')
  // A proof takes milliseconds here: the holder may have handed its result in between our read of
  // `proving` and the kill. Then that result is the one judged, and must have been handed in first;
  // otherwise another worker took the job over.
  const taken = recs.find((r) => r!.id === held)!
  if (taken.result!.provedBy === holder) {
    const handedIn = (await jobs.events(held)).find((e) => e.type === 'state' && e.to === 'proved' && e.workerId === holder)
    assert.ok(handedIn && handedIn.at <= killedAt + 50, `the killed worker's result was handed in before the kill (${handedIn?.at} vs ${killedAt})`)
  } else assert.ok(taken.attempts >= 2, 'taken over: a second attempt')
})
