import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'bullmq'
import { CircuitRegistry, connectRedis, JobSweeper, LocalArtifactStore, ProverQueue, proveQueueName } from '../../src/network/index.ts'
import { deletePrefix, syntheticCircuit, tempDir, testPrefix } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('sweep')
const store = tempDir('sweep')
const registry = new CircuitRegistry(redis, prefix, new LocalArtifactStore(store.dir))
const queue = new ProverQueue({ redis, prefix, registry })
const sweeper = new JobSweeper({ redis, queue })
const c = syntheticCircuit({ inputs: 2 })
const { id: circuitId } = await registry.register(c.manifest, c.artifacts)
after(async () => {
  await queue.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  store.remove()
})

test('a job whose BullMQ entry was completed without an accepted result is re-enqueued', async () => {
  const { jobId, className } = await queue.submit({ circuitId, input: [1, 2], subject: '1', round: '1' })
  // A dishonest worker: takes the BullMQ job and completes it without handing in anything.
  const w = new Worker(proveQueueName(className), null, { connection: redis, prefix, autorun: false })
  const taken = await w.getNextJob('liar', { block: false })
  assert.equal(taken?.id, jobId)
  await queue.jobs.transition(jobId, 'proving', { workerId: 'liar', attempt: true })
  await taken!.moveToCompleted({ lie: true }, 'liar', false)
  assert.deepEqual(await sweeper.sweep(60_000), { checked: 0, requeued: [], failed: [] }, 'not stale yet')
  const report = await sweeper.sweep(0)
  assert.deepEqual(report.requeued, [jobId])
  const rec = (await queue.jobs.get(jobId))!
  assert.equal(rec.status, 'queued')
  assert.equal(rec.bullJobId, `${jobId}-r1`)
  const again = await w.getNextJob('honest', { block: false })
  assert.equal(again?.id, `${jobId}-r1`)
  assert.equal(again?.data.jobId, jobId, 'the new carrier names the same job record')
  await again!.moveToWait('honest')
  assert.deepEqual((await sweeper.sweep(0)).requeued, [], 'a live carrier is left alone')
  await w.close()
})

test('a record whose enqueue never happened is enqueued; terminal records leave the index', async () => {
  await queue.jobs.create({
    id: 'orphan1', circuitId, className: 'groth16.cpu.m1', requirements: { backend: 'groth16', memoryMiB: 300, gpu: false },
    input: [3, 4], subject: '1', round: '2', requestHash: 'x',
  })
  assert.deepEqual((await sweeper.sweep(0)).requeued, ['orphan1'])
  assert.equal((await queue.jobs.get('orphan1'))!.status, 'queued')
  await queue.jobs.transition('orphan1', 'failed', { reason: 'test' })
  assert.equal(await redis.zscore(queue.jobs.keys.open, 'orphan1'), null)
})
