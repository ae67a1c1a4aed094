import { readFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/**
 * The installed version of a package, found by walking up from its entry point (some packages,
 * snarkjs among them, don't export ./package.json). Recorded in every manifest for reproducibility.
 *
 * @example
 * ```ts
 * packageVersion('snarkjs') // '0.7.6'
 * ```
 */
export function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name))
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === name && pkg.version) return pkg.version
    }
    dir = dirname(dir)
  }
  return 'unknown'
}

/** This project's own version. */
export function zkmlVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}
