import { parseArgs } from 'node:util'
import { BaseError } from '../../errors/index.ts'

const usage = `usage: zkml reputation --market <address> [--rpc <url>] <prover-address…> [options]

  --market <address>   the ProofMarket
  --rpc <url>          JSON-RPC URL of its chain (env ZKML_RPC_URL)
  --redis <url>        also read the coordinator's rejected-proof counts from this network's Redis
                       (env REDIS_URL; without either, rejected proofs are not counted)
  --prefix <p>         network key prefix (env ZKML_PREFIX, default zkml)
  --json               print JSON instead of a table`

/**
 * `zkml reputation` prints one row per prover from the market's events (and, given the network's Redis,
 * the proofs its coordinator rejected): the same numbers as `GET /provers/:address/reputation`.
 *
 * @example
 * ```sh
 * npx zkml reputation --rpc http://127.0.0.1:8545 --market 0x5FbD… 0x7099…
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      market: { type: 'string' },
      rpc: { type: 'string' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (v.help) {
    console.log(usage)
    return 0
  }
  const bad = positionals.find((p) => !/^0x[0-9a-fA-F]{40}$/.test(p))
  if (positionals.length === 0 || bad !== undefined)
    throw new BaseError('MARKET_CONFIG_INVALID', 'Bad prover address.', { details: `expected one or more 0x-prefixed 20-byte addresses, got ${bad === undefined ? 'none' : JSON.stringify(bad)}\n${usage}` })
  const { connectMarket, proverReputation } = await import('../../market/index.ts')
  const conn = await connectMarket({ rpcUrl: v.rpc ?? process.env.ZKML_RPC_URL, market: v.market })
  const redisUrl = v.redis ?? process.env.REDIS_URL
  const { connectRedis, badProofCount } = await import('../../network/index.ts')
  const redis = redisUrl ? await connectRedis({ url: redisUrl }) : undefined
  const prefix = v.prefix ?? process.env.ZKML_PREFIX ?? 'zkml'
  try {
    const reps = await proverReputation(conn.client, conn.market, positionals as `0x${string}`[], (p) => (redis ? badProofCount(redis, prefix, p) : 0))
    if (v.json) {
      console.log(JSON.stringify(reps, null, 2))
      return 0
    }
    const head = ['prover', 'locks', 'on-time', 'late', 'slashed', 'bad proofs', 'on-time rate', 'score']
    const rows = reps.map((r) => [r.prover, r.locks, r.onTime, r.late, r.slashed, redis ? r.badProofs : '-', r.onTimeRate.toFixed(2), r.score.toFixed(2)].map(String))
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
    console.log(`market ${conn.market} on chain ${conn.chain.id}${redis ? '' : ' (bad proofs not counted: no --redis)'}`)
    console.log(line(head))
    for (const r of rows) console.log(line(r))
    return 0
  } finally {
    redis?.disconnect()
  }
}
