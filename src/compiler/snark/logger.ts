/**
 * A quiet logger for snarkjs that keeps its warnings and errors. Several snarkjs entry points report
 * failure only by logging and returning -1 (setup) or by calling `logger.warn` unguarded (wtns.check),
 * so the adapter always passes one and turns what it caught into error details.
 *
 * @example
 * ```ts
 * import { captureLogger } from './src/compiler/snark/logger.ts'
 * const log = captureLogger()
 * log.error('circuit too big')
 * console.log(log.problems()) // 'circuit too big'
 * ```
 */
export function captureLogger(): {
  debug(m: string): void
  info(m: string): void
  warn(m: string): void
  error(m: string): void
  problems(): string
} {
  const lines: string[] = []
  return {
    debug() {},
    info() {},
    warn: (m) => void lines.push(String(m)),
    error: (m) => void lines.push(String(m)),
    problems: () => lines.join('\n'),
  }
}
