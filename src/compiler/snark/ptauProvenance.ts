import { createHash } from 'node:crypto'
import { open, realpath } from 'node:fs/promises'
import { DEFAULT_PTAU_PATH, DEV_PTAU_MARKER, readPtauFile } from './ptau.ts'

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
  /**
   * The bundled fixtures/ptau file, made by one machine alone, or a `zkml dev-ptau` file (public tau, its
   * contribution named DEV_PTAU_MARKER): never for production (fixtures/ptau/README.md).
   */
  testOnly: boolean
}

let bundledHash: Promise<string> | undefined

/**
 * Hashes a `.ptau` file and reads its contributors from its contributions section without loading its
 * points, and says whether it is test-only: the bundled file (same path or same bytes) or a dev ptau.
 *
 * @example
 * ```ts
 * import { readPtauProvenance } from './src/compiler/snark/index.ts'
 * const { sha256, contributors, testOnly } = await readPtauProvenance('powersOfTau28_hez_final_15.ptau')
 * ```
 */
export async function readPtauProvenance(ptauPath: string): Promise<PtauProvenance> {
  const { power, contributors } = await readPtauFile(ptauPath)
  const sha256 = await sha256File(ptauPath)
  bundledHash ??= sha256File(DEFAULT_PTAU_PATH).catch(() => '')
  const samePath = (await realpath(ptauPath).catch(() => ptauPath)) === (await realpath(DEFAULT_PTAU_PATH).catch(() => DEFAULT_PTAU_PATH))
  const devPtau = contributors.some((c) => c.name.startsWith(DEV_PTAU_MARKER))
  return { sha256, power, contributors, testOnly: samePath || devPtau || sha256 === (await bundledHash) }
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
