// A worker may take a job's BullMQ carrier the instant it is added. It must then find a record it
// can move to `proving`; before the fix the submitter added the carrier first and marked the
// record `queued` second, so a fast idle worker found it still `submitted`, treated the carrier as
// stale and completed it, and the job sat `queued` with no live carrier until the sweeper
// re-enqueued it 30–40 s later (the stall seen in bench/queue-throughput.ts with one worker).
//
// In-process worker + coordinator on the real Redis with a stand-in proving engine (no snarkjs):
// the race is forced deterministically by holding the submitter back right after its enqueue.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ProverWorker } from '../../src/prover/index.ts'
import { CircuitCache, CircuitRegistry, Coordinator, connectRedis, LocalArtifactStore, ProverQueue, type Hardware, type LoadedCircuit, type ProvingEngine } from '../../src/network/index.ts'
import { deletePrefix, syntheticCircuit, tempDir, testPrefix, until } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('race')
const dirs = tempDir('race')
const store = new LocalArtifactStore(`${dirs.dir}/store`)
const registry = new CircuitRegistry(redis, prefix, store)
const queue = new ProverQueue({ redis, prefix, registry })
const c = syntheticCircuit({ inputs: 2 })
let circuitId = ''
let warm: { className: string; requirements: import('../../src/network/index.ts').JobRequirements }

// Stand-in engine: every "proof" verifies and its public signals are whatever the witness says.
const witness = (input: number[], ctx: { subject: bigint; round: bigint }) => ({
  wtns: new Uint8Array(), publicSignals: [String(input[0]), String(ctx.subject), String(ctx.round)], outputs: [input[0]!],
})
const engine: ProvingEngine = {
  load: async (dir) => ({ dir, manifest: c.manifest, computeWitness: witness }) as LoadedCircuit,
  // Subject 777: a "long" proof whose stages last input[1] ms (witness) and 10 ms (prove), to see
  // which stage events the worker publishes.
  prove: async (_c, input, ctx, o) => {
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
    o?.onProgress?.({ stage: 'witness', fraction: 0 })
    if (ctx.subject === 777n) await pause(input[1]!)
    o?.onProgress?.({ stage: 'prove', fraction: 0.1 })
    if (ctx.subject === 777n) await pause(10)
    o?.onProgress?.({ stage: 'proved', fraction: 1 })
    return { proof: { pi_a: ['1'] }, ...witness(input, ctx) }
  },
  verify: async () => true,
  canonicalProof: (_c, proof) => proof,
}
const hardware: Hardware = { hostname: 'test', cpuModel: 'test', cpuCores: 2, memoryMiB: 4096, gpus: [], backends: ['groth16', 'plonk'] }
let coordinator: Coordinator
let worker: ProverWorker
const log: Array<Record<string, unknown>> = []

before(async () => {
  circuitId = (await registry.register(c.manifest, c.artifacts)).id
  coordinator = new Coordinator({ redis, prefix, engine, circuits: new CircuitCache({ registry, store, engine, workDir: `${dirs.dir}/coord` }) })
  coordinator.start()
  process.env.ZKML_WORK_DIR = `${dirs.dir}/worker`
  worker = new ProverWorker({ redis, prefix, store, engine, hardware, pollMs: 100 })
  worker.on('log', (e) => log.push(e))
  await worker.start()
  // Let the worker open its class listener on a first job.
  const { jobId } = await queue.submit({ circuitId, input: [0, 0], subject: '1', round: '1' })
  await verified(jobId)
  warm = (await queue.jobs.get(jobId))!
})

after(async () => {
  await worker.stop()
  await coordinator.close()
  await queue.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  dirs.remove()
})

/** Resolves once the record is verified; fails if that takes more than `ms` (no sweeper runs here). */
const verified = (jobId: string, ms = 5000) =>
  until(async () => (await queue.jobs.get(jobId))?.status === 'verified', ms, `job ${jobId} verified within ${ms} ms`, 20)

test('a carrier taken the instant it is added finds its record queued and is proved at once', async () => {
  // A slow submitter: after adding the carrier it does nothing more until a worker has taken it.
  const enqueue = queue.enqueue.bind(queue)
  queue.enqueue = async (data, bullJobId) => {
    await enqueue(data, bullJobId)
    await until(async () => (await (await queue.queue(data.className).getJob(bullJobId))?.getState()) !== 'waiting', 5000, 'the worker to take the carrier', 5)
  }
  try {
    const t0 = Date.now()
    const { jobId } = await queue.submit({ circuitId, input: [7, 1], subject: '2', round: '1' })
    await verified(jobId)
    assert.ok(Date.now() - t0 < 5000)
    const states = (await queue.jobs.events(jobId)).filter((e) => e.type === 'state').map((e) => (e as { to: string }).to)
    assert.deepEqual(states, ['submitted', 'queued', 'proving', 'proved', 'verified'])
    assert.equal(log.filter((e) => e.event === 'skip').length, 0, 'the worker never dropped a live job')
  } finally {
    queue.enqueue = enqueue
  }
})

test('a carrier whose record is still submitted (an older submitter) is adopted, not dropped', async () => {
  // The old order: record created, carrier added, the `queued` step not yet written.
  const data = {
    jobId: 'jlegacy1', circuitId, input: [3, 4], subject: '5', round: '6',
    requirements: warm.requirements, className: warm.className,
  }
  await queue.jobs.create({ id: data.jobId, circuitId, className: data.className, requirements: data.requirements, input: data.input, subject: data.subject, round: data.round, requestHash: 'x' })
  await queue.enqueue(data, data.jobId)
  await verified(data.jobId)
  const states = (await queue.jobs.events(data.jobId)).filter((e) => e.type === 'state').map((e) => (e as { to: string }).to)
  assert.deepEqual(states, ['submitted', 'queued', 'proving', 'proved', 'verified'])
  // The submitter's own late `queued` step must not undo the worker's progress.
  const late = await queue.jobs.transition(data.jobId, 'queued', { from: ['submitted'] })
  assert.equal(late.applied, false)
})

test("a worker's late hand-back (release, retry) cannot undo another worker's proving", async () => {
  const data = { id: 'jhandback1', circuitId, className: warm.className, requirements: warm.requirements, input: [1, 2], subject: '8', round: '8', requestHash: 'x' }
  await queue.jobs.create(data)
  await queue.jobs.transition(data.id, 'queued')
  await queue.jobs.transition(data.id, 'proving', { workerId: 'w-a' })
  // w-a's carrier lock lapsed; w-b took the job over (proving → proving is a takeover).
  assert.equal((await queue.jobs.transition(data.id, 'proving', { workerId: 'w-b' })).applied, true)
  // w-a now hands the job back: refused, the record stays w-b's.
  const late = await queue.jobs.transition(data.id, 'queued', { workerId: 'w-a', from: ['proving'], ifOwner: 'w-a' })
  assert.deepEqual(late, { applied: false, from: 'proving' })
  const rec = await queue.jobs.get(data.id)
  assert.equal(rec!.status, 'proving')
  assert.equal(rec!.workerId, 'w-b')
  // The owner's own hand-back applies.
  assert.equal((await queue.jobs.transition(data.id, 'queued', { workerId: 'w-b', from: ['proving'], ifOwner: 'w-b' })).applied, true)
})

test('stage events: none for a fast proof, the stages that last 200 ms or more for a long one', async () => {
  const stages = async (jobId: string) => {
    await verified(jobId).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await queue.jobs.get(jobId))} ${JSON.stringify(log.slice(-5))}`) })
    const evs = await queue.jobs.events(jobId)
    const proving = (evs.find((e) => e.type === 'state' && (e as { to: string }).to === 'proving') as { at: number }).at
    return evs.filter((e) => e.type === 'progress').map((e) => ({ stage: (e as { stage: string }).stage, after: e.at - proving }))
  }
  // Fast (the stand-in proves at once): only the worker's own closing step.
  const fast = await stages((await queue.submit({ circuitId, input: [7, 0], subject: '2', round: '40' })).jobId)
  assert.deepEqual(fast.map((e) => e.stage), ['self-verified'])
  // Done in 60 ms: the witness stage's event was due at 200 ms and never went out.
  const short = await stages((await queue.submit({ circuitId, input: [7, 50], subject: '777', round: '41' })).jobId)
  assert.deepEqual(short.map((e) => e.stage), ['self-verified'])
  // A witness stage of 1 s: published at about 200 ms (a loaded machine may fire the timer late,
  // hence the wide bound), then the prove stage when it starts.
  const long = await stages((await queue.submit({ circuitId, input: [7, 1000], subject: '777', round: '42' })).jobId)
  assert.deepEqual(long.map((e) => e.stage), ['witness', 'prove', 'self-verified'])
  assert.ok(long[0]!.after >= 150 && long[0]!.after < 990, `the witness event ~200 ms in, got ${long[0]!.after} ms`)
  assert.ok(long[1]!.after >= 990, `the prove event once the 1 s witness stage ended, got ${long[1]!.after} ms`)
})

test('an idempotent re-submission finishes an enqueue the first submitter never did', async () => {
  const req = { circuitId, input: [9, 9], subject: '7', round: '7', idempotencyKey: 'race-resubmit' }
  await worker.stop() // nobody takes the carrier while we remove it
  const first = await queue.submit(req)
  const carrier = await queue.queue(first.className).getJob(first.jobId)
  await carrier!.remove()
  assert.equal((await queue.jobs.get(first.jobId))!.status, 'queued')
  const again = await queue.submit(req)
  assert.equal(again.duplicate, true)
  assert.equal(await (await queue.queue(first.className).getJob(first.jobId))?.getState(), 'waiting')
})
