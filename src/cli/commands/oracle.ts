import { mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import type { PublicClient } from 'viem'
import { BaseError } from '../../errors/index.ts'

const usage = `usage: zkml oracle --config <oracle.json> [--once]

  --config   oracle config (rpcUrl, privateKeyEnv, prover.baseUrl, statePath, feeds[]; see src/oracle/config.ts)
  --once     run one tick over every feed, print outcomes as JSON, exit (1 if any feed failed)

Secrets come from the environment: the reporter key from privateKeyEnv (default ZKML_ORACLE_KEY),
the prover API key from prover.apiKeyEnv. Logs are JSON lines on stderr.`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help || !values.config) {
    console.log(usage)
    return values.help ? 0 : 2
  }
  // After --help: the oracle and viem are the heavy part of this command.
  const o = await import('../../oracle/index.ts')
  const { createPublicClient, createWalletClient, http } = await import('viem')
  const { privateKeyToAccount } = await import('viem/accounts')
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(values.config, 'utf8'))
  } catch (e) {
    throw new BaseError('ORACLE_CONFIG_INVALID', `Cannot read ${values.config}.`, { details: `expected a JSON file, got: ${(e as Error).message}`, cause: e })
  }
  const cfg = o.parseOracleConfig(raw)
  const key = process.env[cfg.privateKeyEnv]
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new BaseError('ORACLE_CONFIG_INVALID', `No reporter key in $${cfg.privateKeyEnv}.`, { details: `expected 0x + 64 hex digits in $${cfg.privateKeyEnv}, got ${key ? 'a malformed value' : 'nothing'}` })
  const publicClient = createPublicClient({ transport: http(cfg.rpcUrl) }) as PublicClient
  const chain = { id: await publicClient.getChainId().catch((e) => { throw new BaseError('CHAIN_UNAVAILABLE', `No chain at ${cfg.rpcUrl}.`, { details: (e as Error).message.split('\n')[0], cause: e }) }), name: 'zkml', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [cfg.rpcUrl] } } }
  const wallet = createWalletClient({ account: privateKeyToAccount(key as `0x${string}`), chain, transport: http(cfg.rpcUrl) })
  const log = o.jsonLogger()
  const feeds = cfg.feeds.map((f) => ({
    id: f.id,
    address: f.address,
    circuitId: f.circuitId,
    backend: f.backend,
    orders: { heartbeatS: f.heartbeatS, deviationBps: f.deviationBps },
    adapter:
      f.adapter.kind === 'chain-pool' ? o.chainPoolAdapter(publicClient, f.adapter.pool)
      : f.adapter.kind === 'file' ? o.fileAdapter(f.adapter.path, f.adapter.length)
      : o.httpAdapter({ url: f.adapter.url, ...(f.adapter.field ? { field: f.adapter.field } : {}), ...(f.adapter.length ? { expectedLength: f.adapter.length } : {}) }),
  }))
  mkdirSync(dirname(cfg.statePath), { recursive: true })
  const apiKey = cfg.prover.apiKeyEnv ? process.env[cfg.prover.apiKeyEnv] : undefined
  const oracle = new o.Oracle({
    feeds,
    prover: o.httpProverClient({ baseUrl: cfg.prover.baseUrl, ...(apiKey ? { apiKey } : {}) }),
    chain: { publicClient, wallet },
    store: new o.StateStore(cfg.statePath),
    log,
    proveTimeoutMs: cfg.proveTimeoutMs,
  })
  if (values.once) {
    const outcomes = await oracle.tick()
    console.log(JSON.stringify(outcomes, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
    return outcomes.some((x) => x.status === 'error') ? 1 : 0
  }
  const server = cfg.roundApiPort !== undefined ? o.createRoundServer((id) => oracle.latestProved(id)) : undefined
  if (server) {
    await server.listen({ host: '127.0.0.1', port: cfg.roundApiPort! })
    log.info('round-api.listening', { port: cfg.roundApiPort })
  }
  oracle.start(cfg.intervalMs)
  log.info('oracle.started', { feeds: feeds.map((f) => f.id), intervalMs: cfg.intervalMs })
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await oracle.stop()
  await server?.close()
  log.info('oracle.stopped')
  return 0
}
