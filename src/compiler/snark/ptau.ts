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
 * Reads a `.ptau` header without loading the file: `ptau` magic, section table, then section 1
 * (u32 n8, n8-byte q, u32 power, u32 ceremonyPower).
 *
 * @example
 * ```ts
 * import { readPtauHeader, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * const { power, prepared } = await readPtauHeader(DEFAULT_PTAU_PATH)
 * ```
 */
export async function readPtauHeader(ptauPath: string): Promise<PtauHeader> {
  const bad = (what: string, got: unknown, cause?: unknown) =>
    new BaseError('SETUP_FAILED', `Cannot read powers-of-tau file ${ptauPath}.`, {
      details: `expected ${what}, got ${String(got)}`,
      cause,
    })
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
    const nSections = head.readUInt32LE(8)
    let pos = 12
    let header: { power: number; ceremonyPower: number } | undefined
    let prepared = false
    for (let i = 0; i < nSections; i++) {
      const sh = await read(pos, 12)
      const type = sh.readUInt32LE(0)
      const len = Number(sh.readBigUInt64LE(4))
      if (pos + 12 + len > size) throw bad(`section ${type} within the file (${size} bytes)`, `end at ${pos + 12 + len}`)
      if (type === 1) {
        const n8 = (await read(pos + 12, 4)).readUInt32LE(0)
        const p = await read(pos + 16 + n8, 8)
        header = { power: p.readUInt32LE(0), ceremonyPower: p.readUInt32LE(4) }
      }
      if (type === 12) prepared = true
      pos += 12 + len
    }
    if (!header) throw bad('a header section (type 1)', 'none')
    return { ...header, prepared }
  } finally {
    await fh.close()
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
