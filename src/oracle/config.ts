import { isAddress, type Address } from 'viem'
import { BaseError } from '../errors/index.ts'

export type AdapterConfig =
  | { kind: 'chain-pool'; pool: Address }
  | { kind: 'file'; path: string; length?: number }
  | { kind: 'http'; url: string; field?: string; length?: number }

export type FeedConfig = {
  id: string
  address: Address
  /** The circuit the feed is proved with: its circuitId, 0x + 64 hex (docs/identity.md). */
  circuitId: string
  backend: 'groth16' | 'plonk' | 'ezkl'
  heartbeatS: number
  deviationBps: number
  adapter: AdapterConfig
}

/** `zkml oracle` config file. Secrets are named by environment variable, never stored in the file. */
export type OracleConfig = {
  rpcUrl: string
  /** Environment variable holding the reporter's private key. */
  privateKeyEnv: string
  prover: { baseUrl: string; apiKeyEnv?: string }
  statePath: string
  intervalMs: number
  proveTimeoutMs: number
  /** Serve GET /feeds/:id/latest (for the Functions source) on this port; omitted = no server. */
  roundApiPort?: number
  feeds: FeedConfig[]
}

/**
 * Parses and checks an oracle config at the boundary; every problem is `ORACLE_CONFIG_INVALID` naming the field.
 *
 * @example
 * ```ts
 * import { parseOracleConfig } from './src/oracle/index.ts'
 * const cfg = parseOracleConfig(JSON.parse(readFileSync('oracle.json', 'utf8')))
 * ```
 */
export function parseOracleConfig(json: unknown): OracleConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new BaseError('ORACLE_CONFIG_INVALID', `Oracle config field ${field} is invalid.`, {
      details: `expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80)}`,
    })
  }
  const c = (json ?? {}) as Record<string, unknown>
  if (typeof json !== 'object' || json === null) fail('(root)', 'a JSON object', json)
  const str = (o: Record<string, unknown>, k: string, at: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : fail(`${at}${k}`, 'a non-empty string', o[k]))
  const num = (o: Record<string, unknown>, k: string, at: string, min: number, dflt?: number) => {
    const v = o[k] ?? dflt
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fail(`${at}${k}`, `a number >= ${min}`, v)
  }
  const prover = (c.prover ?? fail('prover', 'an object { baseUrl, apiKeyEnv? }', c.prover)) as Record<string, unknown>
  if (!Array.isArray(c.feeds) || c.feeds.length === 0) fail('feeds', 'a non-empty array', c.feeds)
  const feeds = (c.feeds as Record<string, unknown>[]).map((f, i): FeedConfig => {
    const at = `feeds[${i}].`
    const address = str(f, 'address', at)
    if (!isAddress(address)) fail(`${at}address`, 'a 0x address', address)
    const backend = f.backend === 'groth16' || f.backend === 'plonk' || f.backend === 'ezkl' ? f.backend : fail(`${at}backend`, '"groth16", "plonk" or "ezkl"', f.backend)
    const a = (f.adapter ?? {}) as Record<string, unknown>
    let adapter: AdapterConfig
    if (a.kind === 'chain-pool') {
      const pool = str(a, 'pool', `${at}adapter.`)
      if (!isAddress(pool)) fail(`${at}adapter.pool`, 'a 0x address', pool)
      adapter = { kind: 'chain-pool', pool: pool as Address }
    } else if (a.kind === 'file') adapter = { kind: 'file', path: str(a, 'path', `${at}adapter.`), ...(a.length !== undefined ? { length: num(a, 'length', `${at}adapter.`, 1) } : {}) }
    else if (a.kind === 'http')
      adapter = { kind: 'http', url: str(a, 'url', `${at}adapter.`), ...(typeof a.field === 'string' ? { field: a.field } : {}), ...(a.length !== undefined ? { length: num(a, 'length', `${at}adapter.`, 1) } : {}) }
    else adapter = fail(`${at}adapter.kind`, '"chain-pool", "file" or "http"', a.kind)
    return {
      id: str(f, 'id', at),
      address: address as Address,
      circuitId: /^0x[0-9a-fA-F]{64}$/.test(String(f.circuitId)) ? (f.circuitId as string) : fail(`${at}circuitId`, 'a circuit id: 0x + 64 hex digits (sha256 of the canonical manifest, as `zkml register` prints it)', f.circuitId),
      backend,
      heartbeatS: num(f, 'heartbeatS', at, 1),
      deviationBps: num(f, 'deviationBps', at, 0),
      adapter,
    }
  })
  return {
    rpcUrl: str(c, 'rpcUrl', ''),
    privateKeyEnv: typeof c.privateKeyEnv === 'string' ? c.privateKeyEnv : 'ZKML_ORACLE_KEY',
    prover: { baseUrl: str(prover, 'baseUrl', 'prover.'), ...(typeof prover.apiKeyEnv === 'string' ? { apiKeyEnv: prover.apiKeyEnv } : {}) },
    statePath: typeof c.statePath === 'string' ? c.statePath : '.zkml/oracle-state.json',
    intervalMs: num(c, 'intervalMs', '', 100, 15_000),
    proveTimeoutMs: num(c, 'proveTimeoutMs', '', 100, 300_000),
    ...(c.roundApiPort !== undefined ? { roundApiPort: num(c, 'roundApiPort', '', 0) } : {}),
    feeds,
  }
}
