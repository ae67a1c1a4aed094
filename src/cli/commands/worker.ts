import { parseArgs } from 'node:util'
import type { Backend } from '../../compiler/manifest.ts'

const help = `usage: zkml worker [options]

  --redis <url>             Redis URL (env REDIS_URL, default redis://127.0.0.1:6379)
  --allow-volatile-redis    run even though Redis has no persistence (AOF or RDB): a Redis restart
                            then loses every job; tests and throw-away networks only
  --prefix <p>              network key prefix (env ZKML_PREFIX, default zkml)
  --store <kind>            artifact store: dir (default) or redis (env ZKML_STORE)
  --store-dir <dir>         artifact store directory (env ZKML_STORE_DIR)
  --id <id>                 worker id (default w-<host>-<pid>-<rand>)
  --backends <list>         backends offered, comma-separated (default groth16,plonk)
  --engine <name>           native (arkworks addon, Groth16; PLONK stays on snarkjs), cuda (the
                            same with GPU MSMs: addon built with node scripts/build-native.mjs --cuda;
                            native CPU with a warning when no GPU) or snarkjs;
                            default native when the addon builds/loads, else snarkjs with a warning
  --memory-mib <n>          advertise at most this much memory
  --no-gpu                  ignore GPUs even if nvidia-smi reports some
  --lock-ms <n>             job lock duration (default 30000); a killed worker's job is retaken after it
  --stalled-ms <n>          stalled-job check interval (default 15000)
  --heartbeat-ms <n>        advertisement heartbeat (default 5000; expires after 3x)
  --poll-ms <n>             idle poll period (default 1000)
  --cache-mib <n>           in-memory circuit cache budget (default 1024)
  --grace-ms <n>            on SIGTERM, let the current proof finish this long, then release it (default 30000)
  --test-tamper-proofs <n>  TEST ONLY: corrupt the first n proofs handed in (shows the server rejects them)
  --market <address>        take part in the ProofMarket at this address: lock each job's request
                            (posting collateral) before proving, fulfil it once the server verified
  --rpc <url>               JSON-RPC URL of the market's chain (env ZKML_RPC_URL); needed with --market

With --market the prover key comes from the environment only: ZKML_PROVER_KEY=0x<64 hex>.
Logs one JSON object per line on stdout; market steps as {"event":"market-<step>",…}.`

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
      'allow-volatile-redis': { type: 'boolean' },
      prefix: { type: 'string' },
      'store-dir': { type: 'string' },
      store: { type: 'string' },
      id: { type: 'string' },
      backends: { type: 'string' },
      engine: { type: 'string' },
      'memory-mib': { type: 'string' },
      'no-gpu': { type: 'boolean' },
      'lock-ms': { type: 'string' },
      'stalled-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'poll-ms': { type: 'string' },
      'cache-mib': { type: 'string' },
      'grace-ms': { type: 'string' },
      'test-tamper-proofs': { type: 'string' },
      market: { type: 'string' },
      rpc: { type: 'string' },
    },
  })
  if (v.help) {
    console.log(help)
    return 0
  }
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
  const { connectRedis, requireDurableRedis, openArtifactStore } = await import('../../network/index.ts')
  const { detectHardware, ProverWorker } = await import('../../prover/index.ts')
  const { selectEngine } = await import('../../prover/engines/native/index.ts')
  // First: a bad --engine fails before anything connects; the line says which engine runs.
  const picked = await selectEngine(v.engine, (line) => console.error(line))
  const { backendEngine } = await import('../../prover/index.ts')
  const redis = await connectRedis({ url: v.redis })
  // Refuse a Redis that forgets the network on restart (REDIS_NOT_DURABLE), unless told otherwise.
  await requireDurableRedis(redis, { allowVolatile: v['allow-volatile-redis'], who: 'zkml worker', warn: (l) => console.error(l) }).catch((e) => {
    redis.disconnect()
    throw e
  })
  const prefix = v.prefix ?? process.env.ZKML_PREFIX ?? 'zkml'
  const hardware = await detectHardware({
    memoryMiB: num(v['memory-mib']),
    noGpu: v['no-gpu'],
    backends: v.backends ? (v.backends.split(',').map((s) => s.trim()) as Backend[]) : undefined,
    engines: { groth16: picked.name, plonk: 'snarkjs' },
    gpus: picked.gpus,
  })
  const store = openArtifactStore({ kind: v.store, dir: v['store-dir'], redis, prefix })
  // Before the engine starts: a market misconfiguration should fail fast, not after warming up.
  const market = v.market === undefined ? undefined : await workerMarket({ market: v.market, rpc: v.rpc, redis, prefix, store })
  // Groth16 through the picked engine (native or snarkjs), PLONK through snarkjs, ezkl through its bridge.
  const engine = backendEngine({ r1cs: async () => picked.engine })
  const worker = new ProverWorker({
    redis,
    prefix,
    store,
    engine,
    hardware,
    id: v.id,
    hooks: market?.hooks,
    lockDurationMs: num(v['lock-ms']),
    stalledIntervalMs: num(v['stalled-ms']),
    heartbeatMs: num(v['heartbeat-ms']),
    pollMs: num(v['poll-ms']),
    circuitCacheBytes: v['cache-mib'] ? Number(v['cache-mib']) * 2 ** 20 : undefined,
    shutdownGraceMs: num(v['grace-ms']),
    testTamperProofs: num(v['test-tamper-proofs']),
  })
  worker.on('log', (e) => console.log(JSON.stringify(e)))
  if (market) {
    market.onEvent = (e) => console.log(JSON.stringify({ at: new Date().toISOString(), worker: worker.id, ...e, event: `market-${e.event}` }, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)))
    market.onEvent({ event: 'configured', market: market.address, prover: market.prover, chainId: market.chainId })
  }
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

/**
 * The market side of `zkml worker --market`: connects to the chain with the key from ZKML_PROVER_KEY
 * and builds the ProofMarket hooks, the backend of each job's circuit read from its registered manifest.
 * `onEvent` is set by the caller once the worker (and its id, for the log lines) exists.
 */
async function workerMarket(o: { market: string; rpc: string | undefined; redis: import('ioredis').Redis; prefix: string; store: import('../../network/index.ts').ArtifactStore }) {
  const { BaseError } = await import('../../errors/index.ts')
  const { connectMarket, marketHooks, inputsCommitment, inputSignalsOf } = await import('../../market/index.ts')
  const { CircuitRegistry } = await import('../../network/index.ts')
  const key = process.env.ZKML_PROVER_KEY
  if (!key) throw new BaseError('MARKET_CONFIG_INVALID', 'No prover key.', { details: 'expected ZKML_PROVER_KEY=0x<64 hex> in the environment with --market, got nothing' })
  const conn = await connectMarket({ rpcUrl: o.rpc ?? process.env.ZKML_RPC_URL, market: o.market, privateKey: key })
  const registry = new CircuitRegistry(o.redis, o.prefix, o.store)
  const out = {
    address: conn.market,
    prover: conn.wallet!.account.address,
    chainId: conn.chain.id,
    onEvent: undefined as ((e: Record<string, unknown> & { event: string }) => void) | undefined,
    hooks: undefined as unknown as ReturnType<typeof marketHooks>,
  }
  out.hooks = marketHooks({
    wallet: conn.wallet!,
    client: conn.client,
    market: conn.market,
    backendOf: async (job) => (await registry.require(job.circuitId)).manifest.backend,
    inputsHashOf: async (job) => inputsCommitment(inputSignalsOf((await registry.require(job.circuitId)).manifest, job.input)),
    onEvent: (e) => out.onEvent?.(e),
  })
  return out
}
