import { BaseError } from '../../errors/index.ts'
import { cliArgs, required } from '../args.ts'

const usage = 'zkml audit <feed-address> --rpc <url> [--manifest <circuit-dir>] [--json]'

/**
 * Prints each link of the feed's chain of custody as verified, broken or skipped (links after the
 * registry need `--manifest`); exits non-zero (AUDIT_LINK_BROKEN) when any link is broken.
 *
 * @example
 * ```sh
 * npx zkml audit 0x5FbDB2315678afecb367f032d93F642f64180aa3 --rpc http://127.0.0.1:8545 --manifest out/pool-risk
 * ```
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = cliArgs(argv, { rpc: { type: 'string' }, manifest: { type: 'string' }, json: { type: 'boolean' } }, usage)
  if (values.help) return console.log(usage), 0
  // After --help: the chain reader pulls in viem.
  const { auditFeed } = await import('../../chain/auditFeed.ts')
  if (positionals.length > 1)
    throw new BaseError('INPUT_INVALID', 'Too many arguments.', { details: `expected one feed address, got ${positionals.length}: usage: ${usage}` })
  const feed = required(positionals[0], 'the feed address', usage)
  const rpcUrl = required(values.rpc, '--rpc', usage)
  if (!/^https?:\/\/[^\s]+$/.test(rpcUrl))
    throw new BaseError('INPUT_INVALID', 'The --rpc value is not an http(s) URL.', { details: `expected http(s)://host:port, got ${JSON.stringify(rpcUrl).slice(0, 80)}` })
  const report = await auditFeed({ rpcUrl, feed, ...(values.manifest ? { manifestDir: values.manifest } : {}) })
  if (values.json) console.log(JSON.stringify(report, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
  else for (const l of report.links) console.log(`${l.status.padEnd(8)} ${l.link.padEnd(30)} ${l.detail}`)
  const broken = report.links.filter((l) => l.status === 'broken')
  if (broken.length > 0)
    throw new BaseError('AUDIT_LINK_BROKEN', `Feed ${feed}: ${broken.length} broken link(s): ${broken.map((l) => l.link).join(', ')}.`, {
      details: broken.map((l) => `${l.link}: ${l.detail}`).join('\n'),
    })
  return 0
}
