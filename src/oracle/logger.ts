/** Structured log lines: one event name plus facts. */
export type OracleLogger = {
  info(event: string, meta?: Record<string, unknown>): void
  warn(event: string, meta?: Record<string, unknown>): void
  error(event: string, meta?: Record<string, unknown>): void
}

/**
 * A logger writing one JSON line per event to stderr (bigints as strings).
 *
 * @example
 * ```ts
 * import { jsonLogger } from './src/oracle/index.ts'
 * jsonLogger().info('round.posted', { feed: 'pool-1', round: 3n })
 * ```
 */
export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): OracleLogger {
  const line = (level: string) => (event: string, meta: Record<string, unknown> = {}) =>
    write(JSON.stringify({ t: new Date().toISOString(), level, event, ...meta }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
  return { info: line('info'), warn: line('warn'), error: line('error') }
}

/**
 * A logger that keeps entries in memory (tests assert on what was logged).
 *
 * @example
 * ```ts
 * const log = memoryLogger(); log.warn('tx.nonce-clash'); log.entries[0].event // 'tx.nonce-clash'
 * ```
 */
export function memoryLogger(): OracleLogger & { entries: { level: string; event: string; meta: Record<string, unknown> }[] } {
  const entries: { level: string; event: string; meta: Record<string, unknown> }[] = []
  const push = (level: string) => (event: string, meta: Record<string, unknown> = {}) => void entries.push({ level, event, meta })
  return { entries, info: push('info'), warn: push('warn'), error: push('error') }
}
