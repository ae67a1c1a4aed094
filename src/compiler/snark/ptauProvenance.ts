import { createHash } from 'node:crypto'
import { open, realpath } from 'node:fs/promises'
import { BaseError } from '../../errors/index.ts'
import { DEFAULT_PTAU_PATH } from './ptau.ts'

/**
 * Where a circuit's powers of tau came from, as the manifest records it (`manifest.ptau`).
 *
 * @example
 * ```ts
 * import { readPtauProvenance, DEFAULT_PTAU_PATH, type PtauProvenance } from './src/compiler/snark/index.ts'
 * const p: PtauProvenance = await readPtauProvenance(DEFAULT_PTAU_PATH) // { testOnly: true, contributors: [...], … }
 * ```
 */
export type PtauProvenance = {
  /** sha256 of the whole .ptau file, 0x-prefixed: compare it with the ceremony's published hash. */
  sha256: `0x${string}`
  power: number
  /** The contributions section (7), in order: snarkjs's name for each, and whether it was a random beacon. */
  contributors: { name: string; beacon: boolean; nextChallenge: `0x${string}` }[]
  /** The bundled fixtures/ptau file, made by one machine alone: never for production (fixtures/ptau/README.md). */
  testOnly: boolean
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

let bundledHash: Promise<string> | undefined

/**
 * Hashes a `.ptau` file and reads its contributors from its contributions section without loading its
 * points, and says whether it is the bundled test-only file (same path or same bytes).
 *
 * @example
 * ```ts
 * import { readPtauProvenance } from './src/compiler/snark/index.ts'
 * const { sha256, contributors, testOnly } = await readPtauProvenance('powersOfTau28_hez_final_15.ptau')
 * ```
 */
export async function readPtauProvenance(ptauPath: string): Promise<PtauProvenance> {
  const bad = (what: string, got: unknown, cause?: unknown) =>
    new BaseError('PTAU_INVALID', `Cannot read the provenance of powers-of-tau file ${ptauPath}.`, { details: `expected ${what}, got ${String(got)}`, cause })
  let fh
  try {
    fh = await open(ptauPath, 'r')
  } catch (e) {
    throw bad('a readable file', (e as Error).message, e)
  }
  let power = 0
  const contributors: PtauProvenance['contributors'] = []
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
    let sawContributions = false
    for (let i = 0, n = head.readUInt32LE(8); i < n; i++) {
      const sh = await read(pos, 12)
      const type = sh.readUInt32LE(0)
      const len = Number(sh.readBigUInt64LE(4))
      if (pos + 12 + len > size) throw bad(`section ${type} within the file (${size} bytes)`, `end at ${pos + 12 + len}`)
      if (type === 1) {
        const n8 = (await read(pos + 12, 4)).readUInt32LE(0)
        if (n8 !== 32) throw bad('a bn128 file (32-byte field)', `${n8}-byte field`)
        power = (await read(pos + 16 + n8, 4)).readUInt32LE(0)
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
      pos += 12 + len
    }
    if (!sawContributions) throw bad('a contributions section (type 7)', 'none')
  } finally {
    await fh.close()
  }
  const sha256 = await sha256File(ptauPath)
  bundledHash ??= sha256File(DEFAULT_PTAU_PATH).catch(() => '')
  const samePath = (await realpath(ptauPath).catch(() => ptauPath)) === (await realpath(DEFAULT_PTAU_PATH).catch(() => DEFAULT_PTAU_PATH))
  return { sha256, power, contributors, testOnly: samePath || sha256 === (await bundledHash) }
}

async function sha256File(path: string): Promise<`0x${string}`> {
  const h = createHash('sha256')
  const fh = await open(path, 'r')
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer)
  } finally {
    await fh.close().catch(() => {})
  }
  return `0x${h.digest('hex')}`
}
