/**
 * bench/witness-census: what the native prover's MSMs are fed. For every bundled model (and the
 * synthetic chain circuit of bench/prove-engines), the share of witness wires that are 0, 1, a small
 * value (|w| < 2^64, negatives as r − m included) and full-size field elements. The split MSM
 * (native/src/msm.rs) skips zeros, adds ones directly and runs small values over only their bits, so
 * this census says how much of a model's proving cost is the full-size Pippenger at all.
 *
 * Run: npx tsx bench/witness-census.ts   (no setup: the circuits are built and their witness
 * programs run, as test/unit/models.test.ts does; nothing is asserted beyond R1CS satisfaction)
 */
import { bundledModels, PROVED_IN_BENCH } from '../models/lib/bundled.ts'
import { buildModelCircuit } from '../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from '../src/compiler/circuit/index.ts'
import { mod, P } from '../src/compiler/field.ts'
import { parseOnnx } from '../src/compiler/onnx/index.ts'
import { calibrate, quantizeInput } from '../src/compiler/quantize/index.ts'

const SMALL = 1n << 64n

/** Counts of zero, one, small (|w| < 2^64 either side of 0) and full-size wires. */
function census(w: readonly bigint[]): { zero: number; one: number; small: number; full: number } {
  const c = { zero: 0, one: 0, small: 0, full: 0 }
  for (const x of w) {
    if (x === 0n) c.zero++
    else if (x === 1n) c.one++
    else if (x < SMALL || P - x < SMALL) c.small++
    else c.full++
  }
  return c
}

const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(1)}%`.padStart(6)
const row = (name: string, w: readonly bigint[]) => {
  const c = census(w)
  const n = w.length
  console.log(`${name.padEnd(16)} ${String(n).padStart(7)} wires  0: ${pct(c.zero, n)}  1: ${pct(c.one, n)}  0/1: ${pct(c.zero + c.one, n)}  small: ${pct(c.small, n)}  full-size: ${pct(c.full, n)}`)
}

console.log('witness census (share of wires by value class; the MSMs pay the full 254-bit Pippenger only for "full-size")\n')
for (const m of [...bundledModels(), ...bundledModels({ benchOnly: true })]) {
  const g = parseOnnx(m.onnx)
  const { params } = calibrate(g, m.samples)
  const { circuit } = buildModelCircuit(g, params)
  const s = m.samples[0]!
  const qin = quantizeInput(g, s, params.scaleBits)
  const w = runWitnessProgram(circuit.program, [...qin.flatMap((t) => t.data.map(mod)), 1n, 1n])
  if (firstUnsatisfied(circuit.r1cs, w) !== -1) throw new Error(`${m.name}: witness does not satisfy its R1CS`)
  row(m.name + (m.name in PROVED_IN_BENCH ? '*' : ''), w)
}
// The synthetic chain of bench/prove-engines: x_{i+1} = x_i·(x_i + 1) from a random x_0.
const chain: bigint[] = [1n, 0n]
let x = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`) % P
for (let i = 0; i < 1 << 12; i++) {
  chain.push(x)
  x = (x * (x + 1n)) % P
}
row('chain (synth.)', chain)
console.log('\n(* proved in bench only; inputs: each model\'s first calibration sample, subject = round = 1)')
