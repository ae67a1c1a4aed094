import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'

/**
 * sha256 over every `contracts/*.sol`, then every `contracts/test/*.sol` as `test/<name>` (name, NUL,
 * content, NUL; names sorted): what the generated modules record, so a test can tell when they are stale.
 *
 * @example
 * ```ts
 * import { contractSourcesHash } from './src/chain/contracts/sourcesHash.ts'
 * console.log(contractSourcesHash()) // 64 hex digits
 * ```
 */
export function contractSourcesHash(dir: URL = new URL('../../../contracts/', import.meta.url)): string {
  const h = createHash('sha256')
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sol')).sort()) h.update(f).update('\0').update(readFileSync(new URL(f, dir))).update('\0')
  const testDir = new URL('test/', dir)
  if (existsSync(testDir))
    for (const f of readdirSync(testDir).filter((f) => f.endsWith('.sol')).sort()) h.update(`test/${f}`).update('\0').update(readFileSync(new URL(f, testDir))).update('\0')
  return h.digest('hex')
}
