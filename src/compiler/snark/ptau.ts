import { open } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { BaseError } from '../../errors/index.ts'

/**
 * The prepared powers-of-tau file bundled for tests and the demo (power 15, made by scripts/make-ptau.sh).
 * Not a trusted setup: production should pass a public ceremony file (e.g. Hermez/Polygon's) instead.
 *
 * @example
 * ```ts
 * import { DEFAULT_PTAU_PATH, ptauPower } from './src/compiler/snark/index.ts'
 * console.log(await ptauPower(DEFAULT_PTAU_PATH)) // 15
 * ```
 */
export const DEFAULT_PTAU_PATH: string = fileURLToPath(new URL('../../../fixtures/ptau/pot15_final.ptau', import.meta.url))

/**
 * What the header of a `.ptau` file says. `prepared` = it has phase-2 Lagrange points (section 12).
 *
 * @example
 * ```ts
 * import { readPtauHeader, DEFAULT_PTAU_PATH, type PtauHeader } from './src/compiler/snark/index.ts'
 * const h: PtauHeader = await readPtauHeader(DEFAULT_PTAU_PATH) // { power: 15, ceremonyPower: 15, prepared: true }
 * ```
 */
export type PtauHeader = { power: number; ceremonyPower: number; prepared: boolean }

/**
 * The name the test-only generator (`zkml dev-ptau`, src/dev/devPtau.ts) gives its one contribution.
 * A file whose contributions carry it was made from a PUBLIC tau: `readPtauProvenance` marks it
 * `testOnly`, and `zkml compile --production` refuses it.
 *
 * @example
 * ```ts
 * import { DEV_PTAU_MARKER } from './src/compiler/snark/index.ts'
 * console.log(DEV_PTAU_MARKER.startsWith('zkml dev-ptau INSECURE')) // true
 * ```
 */
export const DEV_PTAU_MARKER = 'zkml dev-ptau INSECURE TEST-ONLY: tau is public'

/**
 * Everything this project reads from a `.ptau` without loading its points: the header, whether it is
 * prepared for phase 2, its contributors (section 7) and its size.
 *
 * @example
 * ```ts
 * import { readPtauFile, DEFAULT_PTAU_PATH, type PtauFile } from './src/compiler/snark/index.ts'
 * const f: PtauFile = await readPtauFile(DEFAULT_PTAU_PATH)
 * ```
 */
export type PtauFile = PtauHeader & {
  /** The contributions section (7), in order: snarkjs's name for each, and whether it was a random beacon. */
  contributors: { name: string; beacon: boolean; nextChallenge: `0x${string}` }[]
  size: number
}

// Section 7 of a bn128 ptau, per contribution (snarkjs powersoftau_utils.js readContribution): tauG1, tauG2,
// alphaG1, betaG1, betaG2 (3 G1 × 64 B + 2 G2 × 128 B), the public key (6 G1 + 3 G2 = 768 B), partialHash
// (216 B), nextChallenge (64 B), type (u32: 1 = beacon), then u32 paramLength and tagged params
// (1 = name: u8 length + UTF-8; 2 = u8 iterations exponent; 3 = u8 length + beacon hash).
const POINTS = 3 * 64 + 2 * 128
const KEY = 6 * 64 + 3 * 128
const NEXT_CHALLENGE_AT = POINTS + KEY + 216
const TYPE_AT = NEXT_CHALLENGE_AT + 64
const FIXED = TYPE_AT + 4

/**
 * Reads a `.ptau` file's section table, header and contributions (the one ptau reader of the project):
 * `ptau` magic, u32 version, u32 section count, then per section u32 type, u64 length, body; section 1 is
 * u32 n8 (32 for bn128), n8-byte q, u32 power, u32 ceremonyPower; section 7 as above; section 12 present =
 * prepared for phase 2. Throws PTAU_INVALID, saying what was expected and what came.
 *
 * @example
 * ```ts
 * import { readPtauFile } from './src/compiler/snark/index.ts'
 * const { power, prepared, contributors } = await readPtauFile('powersOfTau28_hez_final_15.ptau')
 * ```
 */
export async function readPtauFile(ptauPath: string): Promise<PtauFile> {
  const bad = (what: string, got: unknown, cause?: unknown) =>
    new BaseError('PTAU_INVALID', `Cannot read powers-of-tau file ${ptauPath}.`, { details: `expected ${what}, got ${String(got)}`, cause })
  let fh
  try {
    fh = await open(ptauPath, 'r')
  } catch (e) {
    throw bad('a readable file', (e as Error).message, e)
  }
  try {
    const size = (await fh.stat()).size
    const read = async (pos: number, len: number) => {
      const b = Buffer.alloc(len)
      const { bytesRead } = await fh!.read(b, 0, len, pos)
      if (bytesRead !== len) throw bad(`${len} bytes at offset ${pos}`, `${bytesRead} (truncated file)`)
      return b
    }
    const head = await read(0, 12)
    if (head.toString('latin1', 0, 4) !== 'ptau') throw bad('magic "ptau"', JSON.stringify(head.toString('latin1', 0, 4)))
    let pos = 12
    let header: { power: number; ceremonyPower: number } | undefined
    let prepared = false
    let sawContributions = false
    const contributors: PtauFile['contributors'] = []
    for (let i = 0, n = head.readUInt32LE(8); i < n; i++) {
      const sh = await read(pos, 12)
      const type = sh.readUInt32LE(0)
      const len = Number(sh.readBigUInt64LE(4))
      if (pos + 12 + len > size) throw bad(`section ${type} within the file (${size} bytes)`, `end at ${pos + 12 + len}`)
      if (type === 1) {
        const n8 = (await read(pos + 12, 4)).readUInt32LE(0)
        if (n8 !== 32) throw bad('a bn128 file (32-byte field)', `${n8}-byte field`)
        const p = await read(pos + 16 + n8, 8)
        header = { power: p.readUInt32LE(0), ceremonyPower: p.readUInt32LE(4) }
      }
      if (type === 7) {
        sawContributions = true
        const sec = await read(pos + 12, len)
        let at = 4
        for (let c = 0, count = sec.readUInt32LE(0); c < count; c++) {
          if (at + FIXED + 4 > len) throw bad(`contribution ${c + 1} within section 7`, 'a truncated section')
          const nextChallenge = `0x${sec.subarray(at + NEXT_CHALLENGE_AT, at + TYPE_AT).toString('hex')}` as const
          const beacon = sec.readUInt32LE(at + TYPE_AT) === 1
          const paramLength = sec.readUInt32LE(at + FIXED)
          let p = at + FIXED + 4
          const end = p + paramLength
          if (end > len) throw bad(`contribution ${c + 1}'s parameters within section 7`, `${paramLength} bytes past its end`)
          let name = ''
          while (p < end) {
            const tag = sec[p++]!
            if (tag === 1 || tag === 3) {
              const l = sec[p++]!
              if (tag === 1) name = sec.subarray(p, p + l).toString('utf8')
              p += l
            } else if (tag === 2) p += 1
            else throw bad('contribution parameter tags 1, 2 or 3', tag)
          }
          contributors.push({ name, beacon, nextChallenge })
          at = end
        }
      }
      if (type === 12) prepared = true
      pos += 12 + len
    }
    if (!header) throw bad('a header section (type 1)', 'none')
    if (!sawContributions) throw bad('a contributions section (type 7)', 'none')
    return { ...header, prepared, contributors, size }
  } finally {
    await fh.close()
  }
}

/**
 * Reads a `.ptau` header without loading the file ({@link readPtauFile} without the contributors; its
 * errors come as SETUP_FAILED, since setup is what reads it).
 *
 * @example
 * ```ts
 * import { readPtauHeader, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * const { power, prepared } = await readPtauHeader(DEFAULT_PTAU_PATH)
 * ```
 */
export async function readPtauHeader(ptauPath: string): Promise<PtauHeader> {
  try {
    const { power, ceremonyPower, prepared } = await readPtauFile(ptauPath)
    return { power, ceremonyPower, prepared }
  } catch (e) {
    // Setup's callers have always met an unreadable ptau as SETUP_FAILED.
    if (e instanceof BaseError) throw new BaseError('SETUP_FAILED', e.shortMessage, { details: e.details, cause: e })
    throw e
  }
}

/**
 * The power of a `.ptau` file: it supports circuits with domains up to 2^power.
 *
 * @example
 * ```ts
 * import { ptauPower, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * console.log(await ptauPower(DEFAULT_PTAU_PATH)) // 15
 * ```
 */
export async function ptauPower(ptauPath: string): Promise<number> {
  return (await readPtauHeader(ptauPath)).power
}
