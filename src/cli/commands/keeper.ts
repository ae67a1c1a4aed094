import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import type { Address, PublicClient } from 'viem'
import { BaseError } from '../../errors/index.ts'

const usage = `usage: zkml keeper --vault <addr> --circuit <circuitId> [--rpc <url>] [--prover <url>] [--state <path>]
                   [--interval <ms>] [--min-change-bps <bps>] [--once]

  --vault           a ProvedAllocationVault
  --circuit         the pool-allocator circuit id registered with the prover network
  --rpc             JSON-RPC endpoint (default http://127.0.0.1:8545)
  --prover          prover network API (default http://127.0.0.1:8080)
  --state           state file: the round and the pending job survive restarts (default .zkml/keeper-<vault>.json)
  --interval        ms between ticks (default 60000)
  --min-change-bps  rebalance only when the proved allocation moves at least this much (default 500)
  --once            one tick, print its outcome as JSON, exit (1 on error)

The caller's key comes from $ZKML_KEEPER_KEY (rebalance is permissionless: any funded key), the prover
API key from $ZKML_API_KEY. Logs are JSON lines on stderr.`

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      vault: { type: 'string' }, circuit: { type: 'string' }, rpc: { type: 'string' }, prover: { type: 'string' }, state: { type: 'string' },
      interval: { type: 'string' }, 'min-change-bps': { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.vault || !values.circuit) {
    console.log(usage)
    return values.help ? 0 : 2
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(values.vault))
    throw new BaseError('ORACLE_CONFIG_INVALID', 'Bad --vault.', { details: `expected 0x + 40 hex digits, got ${values.vault}` })
  const num = (name: string, v: string | undefined, dflt: number) => {
    if (v === undefined) return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0) throw new BaseError('ORACLE_CONFIG_INVALID', `Bad --${name}.`, { details: `expected a whole number ≥ 0, got ${v}` })
    return n
  }
  const intervalMs = num('interval', values.interval, 60_000)
  const minChangeBps = num('min-change-bps', values['min-change-bps'], 500)
  const o = await import('../../oracle/index.ts')
  const { createPublicClient, createWalletClient, http } = await import('viem')
  const { privateKeyToAccount } = await import('viem/accounts')
  const key = process.env.ZKML_KEEPER_KEY
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new BaseError('ORACLE_CONFIG_INVALID', 'No keeper key in $ZKML_KEEPER_KEY.', { details: `expected 0x + 64 hex digits, got ${key ? 'a malformed value' : 'nothing'}` })
  const rpcUrl = values.rpc ?? 'http://127.0.0.1:8545'
  const publicClient = createPublicClient({ transport: http(rpcUrl) }) as PublicClient
  const id = await publicClient.getChainId().catch((e) => {
    throw new BaseError('CHAIN_UNAVAILABLE', `No chain at ${rpcUrl}.`, { details: (e as Error).message.split('\n')[0], cause: e })
  })
  const chain = { id, name: 'zkml', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } }
  const wallet = createWalletClient({ account: privateKeyToAccount(key as `0x${string}`), chain, transport: http(rpcUrl) })
  const statePath = values.state ?? `.zkml/keeper-${values.vault.toLowerCase()}.json`
  mkdirSync(dirname(statePath), { recursive: true })
  const log = o.jsonLogger()
  const apiKey = process.env.ZKML_API_KEY
  const keeper = new o.VaultKeeper({
    vault: values.vault as Address,
    circuitId: values.circuit,
    prover: o.httpProverClient({ baseUrl: values.prover ?? 'http://127.0.0.1:8080', ...(apiKey ? { apiKey } : {}) }),
    chain: { publicClient, wallet },
    store: new o.StateStore(statePath),
    log,
    minChangeBps,
  })
  if (values.once) {
    const outcome = await keeper.tick()
    console.log(JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
    return outcome.status === 'error' ? 1 : 0
  }
  keeper.start(intervalMs)
  log.info('keeper.started', { vault: values.vault, intervalMs, minChangeBps })
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  await keeper.stop()
  log.info('keeper.stopped')
  return 0
}
