// End-to-end throughput of the prover network against proving in-process.
//
//   node --import tsx bench/queue-throughput.ts [--jobs 6] [--models tiny,pool-risk] [--engines snarkjs,native]
//
// For each circuit and engine: the baseline proves and verifies N inferences in this process
// (snarkjs: the compiler's proveInference/verifyInference; native: the native engine's load/prove
// with the key held, then snarkjs verify, as the coordinator does), no queue; then `zkml serve` plus
// 1 and 2 `zkml worker --engine <engine>` processes on the real Redis prove N submitted jobs, timed
// from the first POST /jobs to the last job verified by the coordinator. Keys are warm in both (one
// job per worker first). Prints jobs/s, the ratio network/baseline, and the per-job network
// overhead (network seconds − baseline seconds, per job, 1 worker) in ms and as a share of the
// in-process time per job.
import { parseArgs } from 'node:util'
import { connectRedis } from '../src/network/index.ts'
import { loadCircuit, proveInference, verifyInference } from '../src/compiler/index.ts'
import { terminateSnark } from '../src/compiler/snark/index.ts'
import { loadNativeAddon, nativeEngine } from '../src/prover/engines/native/index.ts'
import { compileBundledModel, deletePrefix, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from '../test/integration/prover-helpers.ts'

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '6' }, models: { type: 'string', default: 'tiny,pool-risk' }, engines: { type: 'string', default: 'snarkjs,native' } } })
const engines = values.engines!.split(',')
for (const e of engines) if (e !== 'snarkjs' && e !== 'native') throw new Error(`expected --engines of snarkjs,native, got ${e}`)
const { addon, reason } = engines.includes('native') ? await loadNativeAddon({ build: true }) : { addon: undefined, reason: undefined }
if (engines.includes('native') && !addon) throw new Error(`--engines native: no native addon (${reason})`)
const N = Number(values.jobs)
const redis = await connectRedis()
const dirs = tempDir('bench')
const rows: string[][] = [['circuit', 'constraints', 'mode', 'jobs', 'seconds', 'jobs/s', 'vs baseline', 'overhead ms/job', 'submit ms/job']]

/** Network seconds for N jobs, and the ms per job spent only submitting them (sequential POST /jobs). */
async function network(circuitDir: string, sample: (i: number) => number[], workers: number, engine: string): Promise<{ s: number; submitMs: number }> {
  const prefix = testPrefix('bench')
  const env = { ZKML_API_KEYS: 'bench', ZKML_STORE_DIR: `${dirs.dir}/store`, ZKML_PREFIX: prefix }
  const procs: Proc[] = []
  try {
    const server = spawnZkml(['serve', '--allow-volatile-redis', '--port', '0'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-server` }, 'serve')
    procs.push(server)
    const base = (await server.waitFor(/^listening on /)).replace('listening on ', '').trim()
    const post = async (path: string, body: unknown) => (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: JSON.stringify(body) })).json() as Promise<any>
    const id = (await post('/circuits', await registerBody(circuitDir))).circuit.id
    for (let w = 0; w < workers; w++) {
      const p = spawnZkml(['worker', '--allow-volatile-redis', '--poll-ms', '200', '--engine', engine], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-${w}` }, `w${w}`)
      procs.push(p)
      await p.waitFor(/"event":"started"/)
    }
    const done = (ids: string[]) => until(async () => {
      const recs = await Promise.all(ids.map(async (j) => (await fetch(`${base}/jobs/${j}`)).json() as Promise<any>))
      if (recs.some((r) => r.status === 'failed')) throw new Error('a job failed')
      return recs.every((r) => r.status === 'verified')
    }, 600_000, 'jobs verified', 50)
    // Warm-up: one job per worker loads its keys.
    const warm = []
    for (let w = 0; w < workers; w++) warm.push((await post('/jobs', { circuitId: id, input: sample(w), subject: '1', round: String(w + 1) })).jobId)
    await done(warm)
    const t0 = performance.now()
    const ids = []
    for (let i = 0; i < N; i++) ids.push((await post('/jobs', { circuitId: id, input: sample(i), subject: '2', round: String(i + 1) })).jobId)
    const submitMs = (performance.now() - t0) / N
    await done(ids)
    return { s: (performance.now() - t0) / 1000, submitMs }
  } finally {
    for (const p of procs) p.child.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
    await deletePrefix(redis, prefix)
  }
}

const native = addon ? await nativeEngine(addon) : undefined
for (const name of values.models!.split(',')) {
  const c = await compileBundledModel(name, `${dirs.dir}/${name}`)
  const circuit = await loadCircuit(c.dir)
  const ctx = { subject: 2n, round: 1n }
  for (const engine of engines) {
    let one: (i: number) => Promise<void>
    if (engine === 'native') {
      const nc = await native!.load(c.dir)
      one = async (i) => {
        const p = await native!.prove(nc, c.sample(i), ctx)
        if (!(await native!.verify(nc, p.proof, p.publicSignals))) throw new Error('baseline native proof did not verify')
      }
    } else {
      one = async (i) => {
        const p = await proveInference(circuit, c.sample(i), ctx)
        if (!(await verifyInference(circuit, p.proof, p.publicSignals))) throw new Error('baseline proof did not verify')
      }
    }
    await one(0)
    const t0 = performance.now()
    for (let i = 0; i < N; i++) await one(i)
    const base = (performance.now() - t0) / 1000
    const k = String(circuit.manifest.constraints)
    rows.push([name, k, `in-process ${engine} (baseline)`, String(N), base.toFixed(2), (N / base).toFixed(2), '1.00', '', ''])
    for (const w of [1, 2]) {
      const { s, submitMs } = await network(c.dir, c.sample, w, engine)
      // Per-job overhead is meaningful for one worker (two share this host's cores with each other).
      const over = w === 1 ? `${(((s - base) / N) * 1000).toFixed(0)} (${((100 * (s - base)) / base).toFixed(0)}%)` : ''
      rows.push([name, k, `network ${engine}, ${w} worker${w > 1 ? 's' : ''}`, String(N), s.toFixed(2), (N / s).toFixed(2), (base / s).toFixed(2), over, submitMs.toFixed(0)])
    }
  }
}

const width = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i]!)).join('  '))
console.log(`\n(ratio = baseline seconds / network seconds for the same ${N} jobs, same engine; overhead = (network − baseline)/job with 1 worker, and as % of the in-process time per job; submit = the sequential POST /jobs alone, per job: when it nears network seconds/job, the run measures submission, not proving; 2 workers share this host's cores)`)
await native?.terminate?.()
await terminateSnark()
redis.disconnect()
dirs.remove()
