import { basename, join } from 'node:path'
import type { CircuitManifest } from '../compiler/manifest.ts'
import { BaseError } from '../errors/index.ts'

/** Longest artifact file name accepted (well under every filesystem's 255-byte limit). */
export const MAX_ARTIFACT_FILE_LENGTH = 128

// A plain file name: starts with a letter or digit, then letters, digits, '.', '_' or '-'. No
// separators of any platform, no NUL, and never '.' or '..' (they cannot start with a dot).
const fileRe = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const artifactNameRe = /^[A-Za-z][A-Za-z0-9]{0,63}$/
const hashRe = /^0x[0-9a-f]{64}$/

/**
 * Whether `name` is a plain file name an artifact may have: 1–128 characters of
 * `[A-Za-z0-9._-]`, starting with a letter or digit, no `..`, and not `manifest.json` (the circuit
 * directory's own manifest).
 *
 * @example
 * ```ts
 * import { isPlainArtifactFile } from './src/network/index.ts'
 * isPlainArtifactFile('circuit.zkey') // true
 * isPlainArtifactFile('../../x')      // false
 * ```
 */
export function isPlainArtifactFile(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_ARTIFACT_FILE_LENGTH && fileRe.test(name) && !name.includes('..') && name !== 'manifest.json'
}

/**
 * Checks every artifact entry of a manifest at the boundary (registration, reading a circuit
 * directory): a name like `zkey`, a plain unique file name ({@link isPlainArtifactFile}), a sha256
 * as `0x` + 64 lowercase hex digits and a non-negative integer size. Throws `MANIFEST_INVALID`
 * naming the entry, what was expected and what came.
 *
 * @example
 * ```ts
 * import { checkManifestArtifacts } from './src/network/index.ts'
 * checkManifestArtifacts(parseManifest(json)) // throws MANIFEST_INVALID for { zkey: { file: '../../x', … } }
 * ```
 */
export function checkManifestArtifacts(m: Pick<CircuitManifest, 'artifacts'>): void {
  const fail = (at: string, expected: string, got: unknown) =>
    new BaseError('MANIFEST_INVALID', `Circuit manifest is invalid: ${at}.`, {
      details: `expected ${at} to be ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}`,
      meta: { at },
    })
  const seen = new Map<string, string>()
  for (const [name, entry] of Object.entries(m.artifacts as Record<string, unknown>)) {
    if (!artifactNameRe.test(name)) throw fail(`artifact name ${JSON.stringify(name.slice(0, 80))}`, 'a name of letters and digits (like "zkey")', name)
    const e = entry as { file?: unknown; sha256?: unknown; bytes?: unknown } | null
    if (!e || typeof e !== 'object') throw fail(`artifacts.${name}`, 'an object { file, sha256, bytes }', e)
    if (!isPlainArtifactFile(e.file))
      throw fail(`artifacts.${name}.file`, `a plain file name (1-${MAX_ARTIFACT_FILE_LENGTH} characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, no "..", not manifest.json)`, e.file)
    const other = seen.get(e.file)
    if (other !== undefined) throw fail(`artifacts.${name}.file`, `unique (artifacts.${other}.file has the same name)`, e.file)
    seen.set(e.file, name)
    if (typeof e.sha256 !== 'string' || !hashRe.test(e.sha256)) throw fail(`artifacts.${name}.sha256`, '0x + 64 lowercase hex digits', e.sha256)
    if (typeof e.bytes !== 'number' || !Number.isSafeInteger(e.bytes) || e.bytes < 0) throw fail(`artifacts.${name}.bytes`, 'a non-negative integer', e.bytes)
  }
}

/**
 * `join(dir, name)` for a name that must stay a plain file directly inside `dir`: the last line of
 * defence where a path is built, whatever validated (or failed to validate) the name earlier.
 * Throws `MANIFEST_INVALID` otherwise.
 *
 * @example
 * ```ts
 * import { joinPlainFile } from './src/network/index.ts'
 * joinPlainFile('/work/c1', 'circuit.zkey') // '/work/c1/circuit.zkey'
 * joinPlainFile('/work/c1', '../x')         // throws MANIFEST_INVALID
 * ```
 */
export function joinPlainFile(dir: string, name: string): string {
  if (!isPlainArtifactFile(name) || basename(name) !== name)
    throw new BaseError('MANIFEST_INVALID', 'Refusing to write outside the circuit directory.', {
      details: `expected a plain file name inside ${dir}, got ${JSON.stringify(name).slice(0, 80)}`,
    })
  return join(dir, name)
}
