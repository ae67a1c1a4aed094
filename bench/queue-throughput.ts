// End-to-end throughput of the prover network against proving in-process.
//
//   node --import tsx bench/queue-throughput.ts [--jobs 12] [--models tiny,pool-risk,lstm-forecast] [--engines snarkjs,native]
//     [--scale-jobs 24] [--scale-workers 2] [--scale-modes single,cluster,cluster-2coord] [--scale-only]
//
// For each circuit and engine: the baseline proves and verifies N inferences in this process
// (snarkjs: the compiler's proveInference/verifyInference; native: the native engine's load/prove
// with the key held, then its verify: the native pairing check, as `zkml serve` with the addon does), no queue; then `zkml serve` plus
// 1 and 2 `zkml worker --engine <engine>` processes on the real Redis prove N submitted jobs, timed
// from the first POST /jobs to the last job verified by the coordinator. Keys are warm in both (one
// job per worker first); the network's end is the last job's `verified` stamp, not the poll that saw it. Prints jobs/s, the ratio network/baseline, and the per-job network
// overhead (network seconds − baseline seconds, per job, 1 worker) in ms and as a share of the
// in-process time per job, and the CPU ms per job of each process (serve, workers, Redis, this bench)
// over the timed jobs, read from /proc: on a shared host the network's cost is CPU the prover loses.
//
// Then the scale-out rows (docs/scaling.md), on the first model and engine: the same network on
// (a) a private single redis-server (AOF on; the baseline), (b) a private 3-master + 3-replica Redis
// Cluster, (c) that cluster with two `zkml serve` coordinators (submissions alternate between
// them). Each row: jobs/s, p50/p99 latency (submitted → verified, from the job records), and the
// Redis commands and bytes (in + out) per job, counted on the masters (INFO stats deltas) over the
// timed jobs only; for the cluster also how those commands spread over its masters. Also the
// coordinator's re-verification alone (CPU ms per proof), the ceiling of one coordinator.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { bullPrefix, classOf, className, connectRedis, jobRequirements, proveQueueName, redisKeys, resultsQueueName } from '../src/network/index.ts'
import { loadCircuit, proveInference, verifyInference } from '../src/compiler/index.ts'
import { terminateSnark } from '../src/compiler/snark/index.ts'
import { loadNativeAddon, nativeEngine } from '../src/prover/engines/native/index.ts'
import { compileBundledModel, compileCached, deletePrefix, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from '../test/integration/prover-helpers.ts'
import { bundledModels } from '../models/lib/bundled.ts'
import { devGroth16Setup, makeDevPtau } from '../src/dev/devPtau.ts'
import { clusterCounters, startRedisCluster, startRedisServer, redisClusterMissing } from '../test/integration/cluster-helpers.ts'

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '12' }, models: { type: 'string', default: 'tiny,pool-risk' }, engines: { type: 'string', default: 'snarkjs,native' },
    'scale-jobs': { type: 'string', default: '24' }, 'scale-workers': { type: 'string', default: '2' }, 'scale-modes': { type: 'string', default: 'single,cluster,cluster-2coord' }, 'scale-only': { type: 'boolean' },
  },
})
const engines = values.engines!.split(',')
for (const e of engines) if (e !== 'snarkjs' && e !== 'native') throw new Error(`expected --engines of snarkjs,native, got ${e}`)
const { addon, reason } = engines.includes('native') ? await loadNativeAddon({ build: true }) : { addon: undefined, reason: undefined }
if (engines.includes('native') && !addon) throw new Error(`--engines native: no native addon (${reason})`)
const N = Number(values.jobs)
const redis = await connectRedis()
const dirs = tempDir('bench')
const rows: string[][] = [['circuit', 'constraints', 'mode', 'jobs', 'seconds', 'jobs/s', 'vs baseline', 'overhead ms/job', 'submit ms/job', 'CPU ms/job: serve + workers + redis + bench']]

type Counters = { cmds: number; bytes: number; perNode: number[]; cpuPerNode: number[] }
type NetOpts = { url?: string | undefined; coordinators?: number; jobs?: number; counters?: (() => Promise<Counters>) | undefined }
type NetResult = {
  s: number; submitMs: number; p50: number; p99: number; perJob?: { cmds: number; bytes: number; spread: number[]; cpuMs: number[] } | undefined; prefix: string
  /** CPU ms per job over the timed window, by process: where the network's time goes on a shared host. */
  cpu: { serve: number; workers: number; redis: number; bench: number }
}

/** A process's user + system CPU seconds so far (Linux /proc; 0 where it cannot be read). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop()!.trim().split(/\s+/)
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

/**
 * Network seconds for N jobs, and the ms per job spent only submitting them (sequential POST /jobs);
 * p50/p99 submitted → verified; Redis commands and bytes per job when `counters` is given.
 */
async function network(circuitDir: string, sample: (i: number) => number[], workers: number, engine: string, o: NetOpts = {}): Promise<NetResult> {
  const prefix = testPrefix('bench')
  const env = { ZKML_API_KEYS: 'bench', ZKML_STORE_DIR: `${dirs.dir}/store`, ZKML_PREFIX: prefix, ...(o.url ? { REDIS_URL: o.url } : {}) }
  const procs: Proc[] = []
  const n = o.jobs ?? N
  try {
    const servers = Array.from({ length: o.coordinators ?? 1 }, (_, i) => spawnZkml(['serve', '--allow-volatile-redis', '--port', '0'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-server${i}` }, `serve${i}`))
    procs.push(...servers)
    const bases = await Promise.all(servers.map(async (s) => (await s.waitFor(/^listening on /)).replace('listening on ', '').trim()))
    const base = bases[0]!
    let rr = 0
    const post = async (path: string, body: unknown) => (await fetch(bases[rr++ % bases.length] + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: JSON.stringify(body) })).json() as Promise<any>
    const id = (await post('/circuits', await registerBody(circuitDir))).circuit.id
    for (let w = 0; w < workers; w++) {
      const p = spawnZkml(['worker', '--allow-volatile-redis', '--poll-ms', '200', '--engine', engine], { ...env, ZKML_WORK_DIR: `${dirs.dir}/w-${w}` }, `w${w}`)
      procs.push(p)
      await p.waitFor(/"event":"started"/)
    }
    const done = (ids: string[]) => until(async () => {
      const recs = await Promise.all(ids.map(async (j) => (await fetch(`${base}/jobs/${j}`)).json() as Promise<any>))
      if (recs.some((r) => r.status === 'failed')) throw new Error('a job failed')
      return recs.every((r) => r.status === 'verified') && recs
    }, 600_000, 'jobs verified', 50)
    // Warm-up: one job per worker loads its keys.
    const warm = []
    for (let w = 0; w < workers; w++) warm.push((await post('/jobs', { circuitId: id, input: sample(w), subject: '1', round: String(w + 1) })).jobId)
    await done(warm)
    const verified0 = ((await (await fetch(`${base}/health`)).json()) as { stats: Record<string, number> }).stats.verified ?? 0
    const c0 = await o.counters?.()
    const redisPid = o.url ? undefined : Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
    const cpuNow = () => ({
      serve: servers.reduce((a, p) => a + cpuSeconds(p.child.pid), 0),
      workers: procs.filter((p) => !servers.includes(p)).reduce((a, p) => a + cpuSeconds(p.child.pid), 0),
      redis: cpuSeconds(redisPid),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    })
    const cpu0 = cpuNow()
    const t0 = performance.now()
    const t0Epoch = Date.now()
    const ids = []
    for (let i = 0; i < n; i++) ids.push((await post('/jobs', { circuitId: id, input: sample(i), subject: '2', round: String(i + 1) })).jobId)
    const submitMs = (performance.now() - t0) / n
    // Waits on GET /health (2 Redis commands a poll, every 100 ms), not on every job: the command count stays the jobs'.
    await until(async () => {
      const st = ((await (await fetch(`${base}/health`)).json()) as { stats: Record<string, number> }).stats
      if ((st.failed ?? 0) > 0) throw new Error('a job failed')
      return (st.verified ?? 0) >= verified0 + n
    }, 600_000, 'jobs verified', 100)
    const polled = (performance.now() - t0) / 1000
    const cpu1 = cpuNow()
    const c1 = await o.counters?.()
    const recs = (await done(ids)) as Array<{ timestamps: Record<string, number> }>
    // The end is the last job's own `verified` stamp (the coordinator's clock, this host), not the
    // poll that saw it: a 100 ms poll adds up to 100 ms / N to every job's overhead.
    const lastVerified = Math.max(...recs.map((r) => r.timestamps.verified!))
    const s = Number.isFinite(lastVerified) ? Math.min(polled, (lastVerified - t0Epoch) / 1000) : polled
    const lat = recs.map((r) => r.timestamps.verified! - r.timestamps.submitted!).sort((a, b) => a - b)
    const q = (f: number) => lat[Math.min(lat.length - 1, Math.ceil(f * lat.length) - 1)]!
    const perJob = c0 && c1 ? {
      cmds: (c1.cmds - c0.cmds) / n, bytes: (c1.bytes - c0.bytes) / n, spread: c1.perNode.map((x, i) => x - c0.perNode[i]!),
      cpuMs: c1.cpuPerNode.map((x, i) => (1000 * (x - c0.cpuPerNode[i]!)) / n),
    } : undefined
    const cpu = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, (1000 * (v - cpu0[k as keyof typeof cpu0])) / n])) as NetResult['cpu']
    return { s, submitMs, p50: q(0.5), p99: q(0.99), perJob, prefix, cpu }
  } finally {
    for (const p of procs) p.child.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
    if (!o.url) await deletePrefix(redis, prefix)
  }
}

/**
 * A bundled model compiled to Groth16; the bench-only ones (models/lib/bundled.ts PROVED_IN_BENCH:
 * lstm-forecast, 20,978 constraints) on a test-only dev ptau of their size with the native dev
 * setup, as test/integration/prove-large-models does, so the network is measured on a proof of
 * hundreds of ms too.
 */
async function compileModelForBench(name: string, outDir: string) {
  const big = bundledModels({ benchOnly: true }).find((m) => m.name === name)
  if (!big) return compileBundledModel(name, outDir)
  if (!addon) throw new Error(`--models ${name}: needs the native addon for its dev ptau and setup`)
  const ptau = await makeDevPtau({ power: 15, addon })
  await compileCached({ onnx: big.onnx, name, calibration: big.samples, backend: 'groth16', outDir, ptauPath: ptau.path, groth16Setup: devGroth16Setup(addon) })
  return { model: name, dir: outDir, backend: 'groth16' as const, sample: (i: number) => big.samples[i % big.samples.length]! }
}

const native = addon ? await nativeEngine(addon) : undefined
for (const name of values['scale-only'] ? [] : values.models!.split(',')) {
  const c = await compileModelForBench(name, `${dirs.dir}/${name}`)
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
    const cpuB = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < N; i++) await one(i)
    const base = (performance.now() - t0) / 1000
    const cpuBase = process.cpuUsage(cpuB)
    const k = String(circuit.manifest.constraints)
    rows.push([name, k, `in-process ${engine} (baseline)`, String(N), base.toFixed(2), (N / base).toFixed(2), '1.00', '', '', `${((cpuBase.user + cpuBase.system) / 1000 / N).toFixed(1)} (in process)`])
    for (const w of [1, 2]) {
      const { s, submitMs, cpu } = await network(c.dir, c.sample, w, engine)
      const cpuCol = `${(cpu.serve + cpu.workers + cpu.redis + cpu.bench).toFixed(1)} = ${cpu.serve.toFixed(1)} + ${cpu.workers.toFixed(1)} + ${cpu.redis.toFixed(1)} + ${cpu.bench.toFixed(1)}`
      // Per-job overhead is meaningful for one worker (two share this host's cores with each other).
      const over = w === 1 ? `${(((s - base) / N) * 1000).toFixed(0)} (${((100 * (s - base)) / base).toFixed(0)}%)` : ''
      rows.push([name, k, `network ${engine}, ${w} worker${w > 1 ? 's' : ''}`, String(N), s.toFixed(2), (N / s).toFixed(2), (base / s).toFixed(2), over, submitMs.toFixed(0), cpuCol])
    }
  }
}

// Scale-out rows: single Redis vs Redis Cluster vs two coordinators, same circuit, engine and load.
const modes = values['scale-modes']!.split(',').filter(Boolean)
if (modes.length) {
  const name = values.models!.split(',')[0]!
  const engine = engines[0]!
  const c = await compileModelForBench(name, `${dirs.dir}/${name}`)
  const circuit = await loadCircuit(c.dir)
  const SN = Number(values['scale-jobs'])
  const W = Number(values['scale-workers'])
  // The coordinator's own work per result, no queue: recompute the witness, then its checks (below).
  const p = await proveInference(circuit, c.sample(0), { subject: 2n, round: 1n })
  // As `zkml serve` judges: with the addon, the native engine's canonical and pairing checks.
  const judge = native ? { engine: native, c: await native.load(c.dir) } : undefined
  const check = async () => {
    circuit.computeWitness(c.sample(0), { subject: 2n, round: 1n })
    if (!judge) return verifyInference(circuit, p.proof, p.publicSignals)
    return judge.engine.verify(judge.c, judge.engine.canonicalProof(judge.c, p.proof), p.publicSignals)
  }
  if (!(await check())) throw new Error('the coordinator\'s check refused an honest proof')
  const tv = performance.now()
  for (let i = 0; i < 20; i++) await check()
  const verifyMs = (performance.now() - tv) / 20
  const srows: string[][] = [['redis', 'coordinators', 'workers', 'jobs', 'jobs/s', 'vs single', 'p50 ms', 'p99 ms', 'cmds/job', 'bytes/job', 'Redis CPU ms/job', 'cmds per master', 'CPU ms/job per master', 'slot groups per master']]
  let single: number | undefined
  const missing = redisClusterMissing()
  for (const mode of modes) {
    if (mode !== 'single' && missing) {
      srows.push([mode, '', '', '', `skipped: ${missing}`, '', '', '', '', '', ''])
      continue
    }
    const cl = mode === 'single' ? undefined : await startRedisCluster({ masters: 3, replicasPer: 1 })
    const srv = cl ? { ...cl, counters: clusterCounters(cl) } : await startRedisServer()
    try {
      const r = await network(c.dir, c.sample, W, engine, { url: srv.url, coordinators: mode === 'cluster-2coord' ? 2 : 1, jobs: SN, counters: srv.counters })
      if (mode === 'single') single = r.s
      // Which master holds the network state, the results queue and the (one) prove queue.
      const groups = cl ? cl.ports.filter((p) => cl.cli(p, 'role').split('\n')[0] === 'master').map((m) => [
        [redisKeys(r.prefix, true).stats, 'state'], [`${bullPrefix(r.prefix, resultsQueueName, true)}:x`, 'results'], [`${bullPrefix(r.prefix, proveQueueName(className(classOf(jobRequirements(circuit.manifest)))), true)}:x`, 'prove'],
      ].filter(([k]) => cl.masterOf(k!) === m).map(([, g]) => g).join('+') || '-').join('/') : ''
      const pj = r.perJob!
      srows.push([mode === 'single' ? 'single (baseline)' : 'cluster 3×2', mode === 'cluster-2coord' ? '2' : '1', String(W), String(SN), (SN / r.s).toFixed(2),
        single ? (single / r.s).toFixed(2) : '', r.p50.toFixed(0), r.p99.toFixed(0), pj.cmds.toFixed(0), pj.bytes.toFixed(0), pj.cpuMs.reduce((a, b) => a + b, 0).toFixed(2),
        mode === 'single' ? '' : pj.spread.map((x) => `${((100 * x) / Math.max(1, pj.spread.reduce((a, b) => a + b, 0))).toFixed(0)}%`).join('/'),
        mode === 'single' ? '' : pj.cpuMs.map((x) => x.toFixed(2)).join('/'), groups])
    } finally {
      await srv.stop()
    }
  }
  console.log(`\nscale-out: ${name} (${circuit.manifest.constraints} constraints), engine ${engine}; coordinator re-verification ${verifyMs.toFixed(1)} ms/proof (witness + ${judge ? 'native' : 'snarkjs'} checks) → ≈ ${(1000 / verifyMs).toFixed(0)} results/s per coordinator core`)
  const w2 = srows[0]!.map((_, i) => Math.max(...srows.map((r) => r[i]!.length)))
  for (const r of srows) console.log(r.map((x, i) => x.padEnd(w2[i]!)).join('  '))
  console.log('(cmds and bytes per job: counted on the masters over the timed jobs, including this bench\'s GET /health polling (2 commands every 100 ms) and the workers\' idle polls and heartbeats; replication traffic to replicas not included)\n')
}

const width = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i]!)).join('  '))
if (!values['scale-only']) console.log(`\n(ratio = baseline seconds / network seconds for the same ${N} jobs, same engine; overhead = (network − baseline)/job with 1 worker, and as % of the in-process time per job; submit = the sequential POST /jobs alone, per job: when it nears network seconds/job, the run measures submission, not proving; 2 workers share this host's cores)`)
await native?.terminate?.()
await terminateSnark()
redis.disconnect()
dirs.remove()
