/**
 * bench/plonk-scale: where PLONK stops being practical. For circuits of 2^k PLONK gates (k = 12..16 by
 * default; bench/chain-circuit.ts: one gate per constraint), snarkjs's PLONK setup and prove times and
 * proving-key size, beside Groth16 on the same circuit in the same process (the baseline: the native
 * test-only setup, snarkjs's and the native prover's prove), the ratio PLONK / Groth16 (snarkjs both),
 * and a fit t = b·n·log2 n of the PLONK times extrapolated to 2^18, 2^20 and 2^22 gates. All keys come
 * from a test-only dev ptau of power max(k) (zkml dev-ptau, cached in .cache/ptau).
 *
 *   npx tsx bench/plonk-scale.ts [12 13 14 15 16]
 *
 * Not a test: it prints numbers. The last measured numbers are in docs/scaling.md ("Circuits at scale").
 */
import { cpus, loadavg } from 'node:os'
import { writeR1cs, writeWtns } from '../src/compiler/r1cs/index.ts'
import { plonkGateCount, prove, setupPlonk, terminateSnark, verify } from '../src/compiler/snark/index.ts'
import { devGroth16Setup, makeDevPtau } from '../src/dev/devPtau.ts'
import { loadNativeAddon, proveWtns } from '../src/prover/engines/native/index.ts'
import { chainCircuit } from './chain-circuit.ts'

const ks = process.argv.slice(2).map(Number)
if (ks.length === 0) ks.push(12, 13, 14, 15, 16)
const { addon, reason } = await loadNativeAddon()
if (!addon) throw new Error(`the native addon is needed: ${reason}`)
const ptau = await makeDevPtau({ power: Math.max(...ks), addon })
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now()
  const r = await f()
  return [r, (performance.now() - t) / 1000]
}
type Row = { k: number; gates: number; load: number; pSetup: number; pProve: number; pKeyMb: number; gSetup: number; gProve: number; gNative: number }
const rows: Row[] = []
try {
  for (const k of ks) {
    const c = chainCircuit(2 ** k - 8) // + 4 public signals: 2^k − 4 gates, within a 2^k domain
    const r1cs = writeR1cs(c.r1cs)
    const wtns = writeWtns(c.witness(3n, 5n, 42n, 1n))
    const load = loadavg()[0]!
    const [pk, pSetup] = await time(() => setupPlonk({ r1cs, ptauPath: ptau.path }))
    const [pp, pProve] = await time(() => prove('plonk', pk.zkey, wtns))
    if (!(await verify('plonk', pk.vkey, pp.publicSignals, pp.proof))) throw new Error(`PLONK 2^${k}: did not verify`)
    const [gk, gSetup] = await time(() => devGroth16Setup(addon)(r1cs, ptau.path))
    const [gp, gProve] = await time(() => prove('groth16', gk.zkey, wtns))
    if (!(await verify('groth16', gk.vkey, gp.publicSignals, gp.proof))) throw new Error(`Groth16 2^${k}: did not verify`)
    const [, gNative] = await time(() => proveWtns(new addon.NativeKey(gk.zkey, null), wtns))
    rows.push({ k, gates: plonkGateCount(r1cs), load, pSetup, pProve, pKeyMb: pk.zkey.length / 2 ** 20, gSetup, gProve, gNative })
    process.stderr.write(`plonk-scale 2^${k}: plonk setup ${pSetup.toFixed(1)} s, prove ${pProve.toFixed(1)} s\n`)
  }
} finally {
  await terminateSnark()
}
const f = (x: number, d = 1) => x.toFixed(d)
console.log(`\nplonk-scale (node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}; test-only dev ptau 2^${ptau.power}; snarkjs PLONK vs Groth16 on the same circuits)`)
console.log('gates      load  plonk setup s  plonk prove s  plonk zkey MB  groth16 setup s (native dev)  groth16 prove s (snarkjs)  (native)  plonk/groth16 prove')
for (const r of rows)
  console.log(
    `2^${String(r.k).padEnd(3)} ${String(r.gates).padStart(6)} ${f(r.load).padStart(5)} ${f(r.pSetup, 2).padStart(13)} ${f(r.pProve, 2).padStart(14)} ${f(r.pKeyMb).padStart(14)} ${f(r.gSetup, 2).padStart(29)} ${f(r.gProve, 2).padStart(26)} ${f(r.gNative, 2).padStart(9)} ${f(r.pProve / r.gProve, 2).padStart(20)}`,
  )
// least squares through the origin of t = b · n log2 n over the measured sizes
const fit = (pick: (r: Row) => number) => {
  let num = 0
  let den = 0
  for (const r of rows) {
    const x = r.gates * Math.log2(r.gates)
    num += x * pick(r)
    den += x * x
  }
  return num / den
}
const bSetup = fit((r) => r.pSetup)
const bProve = fit((r) => r.pProve)
console.log('\nextrapolated (t = b·n·log2 n fitted to the rows above; memory grows ~linearly with the zkey):')
const last = rows.at(-1)!
for (const k of [18, 20, 22]) {
  const x = 2 ** k * k
  console.log(`2^${k}: PLONK setup ≈ ${f((bSetup * x) / 60)} min, prove ≈ ${f((bProve * x) / 60)} min, zkey ≈ ${f((last.pKeyMb * 2 ** k) / last.gates / 1024, 1)} GB`)
}
