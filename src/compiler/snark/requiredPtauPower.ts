import { BaseError } from '../../errors/index.ts'
import type { Backend } from './types.ts'

/** Per linear combination: non-constant wires (ids != 0) and whether a constant term is present. */
type Lc = { wires: number[]; hasConst: boolean }
type Counts = { nConstraints: number; nPublic: number; constraints: [Lc, Lc, Lc][] }

/**
 * The smallest ptau power snarkjs accepts for this circuit and backend, computed exactly as snarkjs's
 * setup does (pure TypeScript, no curve or workers).
 * - Groth16: domain = nConstraints + nPublic + 1 → power = floor(log2(nConstraints + nPublic)) + 1.
 * - PLONK: domain holds every PLONK gate ({@link plonkGateCount}), power = max(3, floor(log2(gates - 1)) + 1).
 *
 * @example
 * ```ts
 * import { requiredPtauPower, ptauPower, DEFAULT_PTAU_PATH } from './src/compiler/snark/index.ts'
 * const need = await requiredPtauPower('plonk', r1csBytes)
 * if (need > (await ptauPower(DEFAULT_PTAU_PATH))) console.log('needs a bigger ptau')
 * ```
 */
export async function requiredPtauPower(backend: Backend, r1cs: Uint8Array): Promise<number> {
  const c = readCounts(r1cs)
  if (backend === 'groth16') return log2(c.nConstraints + c.nPublic) + 1
  return Math.max(3, log2(gatesOf(c) - 1) + 1)
}

/**
 * Number of PLONK gates snarkjs's `plonk setup` makes from an R1CS: one per public signal, plus per
 * constraint one gate and one more for every linear-combination term beyond what a gate holds
 * (A·B=C gates take 1 term per side; linear constraints take 3). Terms that cancel when snarkjs folds
 * a constant factor into C are still counted, as snarkjs does.
 *
 * @example
 * ```ts
 * import { plonkGateCount } from './src/compiler/snark/index.ts'
 * console.log(plonkGateCount(r1csBytes))
 * ```
 */
export function plonkGateCount(r1cs: Uint8Array): number {
  return gatesOf(readCounts(r1cs))
}

function gatesOf(c: Counts): number {
  let gates = c.nPublic
  const extra = (n: number, fits: number) => Math.max(0, n - fits)
  const kind = (lc: Lc) => (lc.wires.length > 0 ? 'n' : lc.hasConst ? 'k' : '0')
  const union = (x: Lc, y: Lc) => new Set([...x.wires, ...y.wires]).size
  for (const [a, b, cc] of c.constraints) {
    const ka = kind(a)
    const kb = kind(b)
    if (ka === '0' || kb === '0') gates += 1 + extra(cc.wires.length, 3)
    else if (ka === 'k') gates += 1 + extra(union(b, cc), 3)
    else if (kb === 'k') gates += 1 + extra(union(a, cc), 3)
    else gates += 1 + extra(a.wires.length, 1) + extra(b.wires.length, 1) + extra(cc.wires.length, 1)
  }
  return gates
}

/** snarkjs's log2: floor(log2(v)) for v >= 1, 0 for v = 0. */
function log2(v: number): number {
  return v <= 0 ? 0 : Math.floor(Math.log2(v))
}

function readCounts(bytes: Uint8Array): Counts {
  const fail = (what: string, got: unknown) =>
    new BaseError('R1CS_INVALID', 'Cannot read the .r1cs file.', { details: `expected ${what}, got ${String(got)}` })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'r1cs')
    throw fail('magic "r1cs"', JSON.stringify(String.fromCharCode(...bytes.subarray(0, 4))))
  const nSections = view.getUint32(8, true)
  const sections = new Map<number, { pos: number; len: number }>()
  let pos = 12
  for (let i = 0; i < nSections; i++) {
    if (pos + 12 > bytes.length) throw fail('a complete section table', 'a truncated file')
    const type = view.getUint32(pos, true)
    const len = Number(view.getBigUint64(pos + 4, true))
    sections.set(type, { pos: pos + 12, len })
    pos += 12 + len
  }
  if (pos > bytes.length) throw fail(`${pos} bytes`, bytes.length)
  const h = sections.get(1)
  const cs = sections.get(2)
  if (!h || !cs) throw fail('header and constraint sections', [...sections.keys()].join(','))
  const n8 = view.getUint32(h.pos, true)
  let p = h.pos + 4 + n8
  const nOutputs = view.getUint32(p + 4, true)
  const nPubIn = view.getUint32(p + 8, true)
  const nConstraints = view.getUint32(p + 24, true)
  const constraints: [Lc, Lc, Lc][] = []
  p = cs.pos
  const readLc = (): Lc => {
    const n = view.getUint32(p, true)
    p += 4
    const lc: Lc = { wires: [], hasConst: false }
    for (let i = 0; i < n; i++) {
      const w = view.getUint32(p, true)
      p += 4 + n8
      if (w === 0) lc.hasConst = true
      else lc.wires.push(w)
    }
    return lc
  }
  for (let i = 0; i < nConstraints; i++) constraints.push([readLc(), readLc(), readLc()])
  if (p !== cs.pos + cs.len) throw fail(`constraint section of ${cs.len} bytes`, `${p - cs.pos} bytes parsed`)
  return { nConstraints, nPublic: nOutputs + nPubIn, constraints }
}
