import { parseArgs } from 'node:util'
import { BaseError } from '../../errors/index.ts'

const help = `usage: zkml serve [options]

  --port <n>          listen port (env ZKML_PORT, default 8080; 0 = any free port)
  --host <addr>       listen address (default 127.0.0.1)
  --redis <url>       Redis URL (env REDIS_URL, default redis://127.0.0.1:6379)
  --allow-volatile-redis  run even though Redis has no persistence (AOF or RDB): a Redis
                      restart then loses every job and circuit; tests and throw-away networks only
  --prefix <p>        network key prefix (env ZKML_PREFIX, default zkml)
  --store <kind>      artifact store: dir (default) or redis (env ZKML_STORE)
  --store-dir <dir>   artifact store directory (env ZKML_STORE_DIR)
  --attempts <n>      proving attempts per job (default 4)
  --backoff-ms <n>    first retry delay, doubled each attempt (default 1000)
  --body-limit <n>    largest request body in bytes (default 67108864)
  --artifact-limit <n> largest artifact PUT /artifacts/:hash streams in, bytes (default 4294967296)
  --no-coordinator    serve the API only (run the coordinator elsewhere)
  --sweep-ms <n>      how often to look for jobs whose queue entry was lost (default 10000)
  --sweep-stale-ms <n> only jobs open longer than this (default 30000)
  --feeds <file>      feeds for the explorer (env ZKML_FEEDS): JSON { "rpcUrl": "http://…",
                      "feeds": [{ "label": "…", "address": "0x…", "grade": "pool-risk"? }] };
                      re-read when it changes, may be written after start-up
  --market <address>  serve GET /provers/:address/reputation from this ProofMarket
  --rpc <url>         JSON-RPC URL of the market's chain (env ZKML_RPC_URL); needed with --market

The explorer page is served at <url>/explorer.

Write routes need "authorization: Bearer <key>" with a key from ZKML_API_KEYS (comma-separated).
Prints "listening on <url>" once ready.`

/**
 * @example
 * ```sh
 * ZKML_API_KEYS=secret npx zkml serve --port 8080
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      host: { type: 'string' },
      redis: { type: 'string' },
      'allow-volatile-redis': { type: 'boolean' },
      prefix: { type: 'string' },
      'store-dir': { type: 'string' },
      store: { type: 'string' },
      attempts: { type: 'string' },
      'backoff-ms': { type: 'string' },
      'body-limit': { type: 'string' },
      'artifact-limit': { type: 'string' },
      'no-coordinator': { type: 'boolean' },
      'sweep-ms': { type: 'string' },
      'sweep-stale-ms': { type: 'string' },
      feeds: { type: 'string' },
      market: { type: 'string' },
      rpc: { type: 'string' },
    },
  })
  if (v.help) {
    console.log(help)
    return 0
  }
  // Every numeric flag is a non-negative integer: "abc" or "1e400" is refused, not run as NaN.
  const num = (s: string | undefined) => {
    if (s === undefined) return undefined
    if (!/^\d{1,16}$/.test(s))
      throw new BaseError('INPUT_INVALID', 'A numeric option is not a number.', { details: `expected a non-negative integer, got ${JSON.stringify(s).slice(0, 40)}; see zkml serve --help` })
    return Number(s)
  }
  const { connectRedis, requireDurableRedis, openArtifactStore, CircuitRegistry, CircuitCache, Coordinator, JobSweeper } = await import('../../network/index.ts')
  const { backendEngine } = await import('../../prover/index.ts')
  const { buildApi, apiKeysFromEnv } = await import('../../api/index.ts')
  const { feedsFromFile } = await import('../../explorer/index.ts')
  const feedsFile = v.feeds ?? process.env.ZKML_FEEDS
  const redis = await connectRedis({ url: v.redis })
  // Refuse a Redis that forgets the network on restart (REDIS_NOT_DURABLE), unless told otherwise.
  await requireDurableRedis(redis, { allowVolatile: v['allow-volatile-redis'], who: 'zkml serve', warn: (l) => console.error(l) }).catch((e) => {
    redis.disconnect()
    throw e
  })
  const prefix = v.prefix ?? process.env.ZKML_PREFIX ?? 'zkml'
  const store = openArtifactStore({ kind: v.store, dir: v['store-dir'], redis, prefix })
  const apiKeys = apiKeysFromEnv()
  if (apiKeys.length === 0) console.error('zkml serve: ZKML_API_KEYS is empty: write routes will refuse every request')
  const { app, ctx } = await buildApi({
    redis, prefix, store, apiKeys,
    attempts: num(v.attempts), backoffMs: num(v['backoff-ms']), bodyLimit: num(v['body-limit']), artifactLimit: num(v['artifact-limit']),
    feeds: feedsFile ? feedsFromFile(feedsFile) : undefined,
    market: v.market === undefined ? undefined : { address: v.market, rpcUrl: v.rpc ?? process.env.ZKML_RPC_URL },
  })
  let coordinator: InstanceType<typeof Coordinator> | undefined
  let engine: ReturnType<typeof backendEngine> | undefined
  if (!v['no-coordinator']) {
    // The coordinator verifies every hand-in: Groth16 with the native pairing check when the addon is
    // built (never built here: a coordinator does not run cargo), else snarkjs's; all other checks alike.
    const { loadNativeAddon, withNativeVerify } = await import('../../prover/engines/native/index.ts')
    const { snarkjsEngine } = await import('../../prover/index.ts')
    const { addon } = await loadNativeAddon()
    engine = backendEngine({ r1cs: async () => (addon ? withNativeVerify(await snarkjsEngine(), addon) : snarkjsEngine()) })
    console.error(`zkml serve: coordinator verifies Groth16 with ${addon?.verifyGroth16 ? 'the native pairing check' : 'snarkjs'}`)
    const circuits = new CircuitCache({ registry: new CircuitRegistry(redis, prefix, store), store, engine })
    coordinator = new Coordinator({ redis, prefix, circuits, engine })
    coordinator.start()
    // Re-enqueues jobs whose BullMQ carrier was lost (see docs/network.md, "No lost jobs").
    new JobSweeper({ redis, queue: ctx.queue, staleMs: num(v['sweep-stale-ms']) }).start(num(v['sweep-ms']) ?? 10_000)
  }
  const url = await app.listen({ port: num(v.port) ?? Number(process.env.ZKML_PORT ?? 8080), host: v.host ?? '127.0.0.1' })
  console.log(`listening on ${url}`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
  await app.close()
  await coordinator?.close()
  await engine?.terminate?.()
  redis.disconnect()
  return 0
}
