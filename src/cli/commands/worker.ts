import { parseArgs } from 'node:util'
import type { Backend } from '../../compiler/manifest.ts'

export const summary = 'run a prover worker: take jobs this host can prove from Redis, prove, hand in'

const help = `usage: zkml worker [options]

  --redis <url>             Redis URL (env REDIS_URL, default redis://127.0.0.1:6379)
  --prefix <p>              network key prefix (env ZKML_PREFIX, default zkml)
  --store <kind>            artifact store: dir (default) or redis (env ZKML_STORE)
  --store-dir <dir>         artifact store directory (env ZKML_STORE_DIR)
  --id <id>                 worker id (default w-<host>-<pid>-<rand>)
  --backends <list>         backends offered, comma-separated (default groth16,plonk)
  --memory-mib <n>          advertise at most this much memory
  --no-gpu                  ignore GPUs even if nvidia-smi reports some
  --lock-ms <n>             job lock duration (default 30000); a killed worker's job is retaken after it
  --stalled-ms <n>          stalled-job check interval (default 15000)
  --heartbeat-ms <n>        advertisement heartbeat (default 5000; expires after 3x)
  --poll-ms <n>             idle poll period (default 1000)
  --cache-mib <n>           in-memory circuit cache budget (default 1024)
  --grace-ms <n>            on SIGTERM, let the current proof finish this long, then release it (default 30000)
  --test-tamper-proofs <n>  TEST ONLY: corrupt the first n proofs handed in (shows the server rejects them)

Logs one JSON object per line on stdout.`

/**
 * @example
 * ```sh
 * REDIS_URL=redis://127.0.0.1:6379 npx zkml worker --memory-mib 4096
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      'store-dir': { type: 'string' },
      store: { type: 'string' },
      id: { type: 'string' },
      backends: { type: 'string' },
      'memory-mib': { type: 'string' },
      'no-gpu': { type: 'boolean' },
      'lock-ms': { type: 'string' },
      'stalled-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'poll-ms': { type: 'string' },
      'cache-mib': { type: 'string' },
      'grace-ms': { type: 'string' },
      'test-tamper-proofs': { type: 'string' },
    },
  })
  if (v.help) {
    console.log(help)
    return 0
  }
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
  const { connectRedis, openArtifactStore, compilerEngine, detectHardware, ProverWorker } = await import('../../prover/index.ts')
  const redis = await connectRedis({ url: v.redis })
  const prefix = v.prefix ?? process.env.ZKML_PREFIX ?? 'zkml'
  const hardware = await detectHardware({
    memoryMiB: num(v['memory-mib']),
    noGpu: v['no-gpu'],
    backends: v.backends ? (v.backends.split(',').map((s) => s.trim()) as Backend[]) : undefined,
  })
  const engine = await compilerEngine()
  const worker = new ProverWorker({
    redis,
    prefix,
    store: openArtifactStore({ kind: v.store, dir: v['store-dir'], redis, prefix }),
    engine,
    hardware,
    id: v.id,
    lockDurationMs: num(v['lock-ms']),
    stalledIntervalMs: num(v['stalled-ms']),
    heartbeatMs: num(v['heartbeat-ms']),
    pollMs: num(v['poll-ms']),
    circuitCacheBytes: v['cache-mib'] ? Number(v['cache-mib']) * 2 ** 20 : undefined,
    shutdownGraceMs: num(v['grace-ms']),
    testTamperProofs: num(v['test-tamper-proofs']),
  })
  worker.on('log', (e) => console.log(JSON.stringify(e)))
  await worker.start()
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      worker.stop().finally(resolve)
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  await engine.terminate?.()
  redis.disconnect()
  return 0
}
