/**
 * bench/prove-transformer: models/tiny-transformer (one encoder block, 111,282 constraints) compiled,
 * proved and verified end to end: a test-only 2^17 dev ptau (zkml dev-ptau, cached in .cache/ptau), the
 * native test-only Groth16 setup from its public secrets (src/dev/devPtau.ts devGroth16Setup), the
 * witness, a native Groth16 proof, snarkjs's verify, and the proved outputs against onnxruntime-node
 * within the manifest's fidelity tolerance. With `--snarkjs`, snarkjs proves the same witness too and
 * the native prove time is printed as a ratio against it (the same-process baseline).
 *
 *   npx tsx bench/prove-transformer.ts [--snarkjs] [--samples N]
 *
 * Not a test (test/integration/transformer-proof.test.ts is the short asserted version): it prints numbers.
 * The calibration here is compileModel's own (12 candidate scales); the test passes the scale it picks.
 *
 * Measured on the shared 2-core box (Intel Xeon, other sessions' jobs running: load average ≈ 4):
 * see docs/scaling.md ("Circuits at scale") for the last run's numbers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel, loadCircuit } from '../src/compiler/index.ts'
import { runOnnxruntime } from '../src/compiler/onnx/index.ts'
import { prove, terminateSnark, verify } from '../src/compiler/snark/index.ts'
import { devGroth16Setup, makeDevPtau } from '../src/dev/devPtau.ts'
import { loadNativeAddon, proveWtns } from '../src/prover/engines/native/index.ts'
import { D, SEQ } from '../models/tiny-transformer/build.ts'

const args = process.argv.slice(2)
const withSnarkjs = args.includes('--snarkjs')
const nAt = args.indexOf('--samples')
const nSamples = nAt >= 0 ? Number(args[nAt + 1]) : 3

const { addon, reason } = await loadNativeAddon()
if (!addon) throw new Error(`the native addon is needed: ${reason}`)
const onnx = new Uint8Array(readFileSync('models/tiny-transformer/model.onnx'))
const samples = JSON.parse(readFileSync('models/tiny-transformer/calibration.json', 'utf8')) as number[][]
const work = mkdtempSync(join(tmpdir(), 'zkml-transformer-'))
const ms = (t: number) => performance.now() - t
const load0 = loadavg()[0]!
try {
  let t = performance.now()
  const ptau = await makeDevPtau({ power: 17, addon })
  const ptauMs = ms(t)
  let setupMs = 0
  const setup = devGroth16Setup(addon)
  t = performance.now()
  const { manifest } = await compileModel({
    onnx, name: 'tiny-transformer', calibration: samples, backend: 'groth16', outDir: join(work, 'out'), ptauPath: ptau.path,
    groth16Setup: async (r1cs, p) => {
      const t1 = performance.now()
      const keys = await setup(r1cs, p)
      setupMs = ms(t1)
      return keys
    },
  })
  const compileMs = ms(t)
  const c = await loadCircuit(join(work, 'out'))
  const key = new addon.NativeKey(c.zkey, null)
  const tol = manifest.fidelity.tolerance
  const rows: { witnessMs: number; nativeMs: number; snarkjsMs: number; verifyMs: number; ok: boolean; maxErr: number }[] = []
  for (const s of samples.slice(0, nSamples)) {
    t = performance.now()
    const w = c.computeWitness(s, { subject: 1n, round: 1n })
    const witnessMs = ms(t)
    t = performance.now()
    const out = await proveWtns(key, w.wtns)
    const nativeMs = ms(t)
    let snarkjsMs = Number.NaN
    if (withSnarkjs) {
      t = performance.now()
      const sj = await prove('groth16', c.zkey, w.wtns)
      snarkjsMs = ms(t)
      if (!(await verify('groth16', c.vkey, sj.publicSignals, sj.proof))) throw new Error('the snarkjs proof did not verify')
    }
    t = performance.now()
    const ok = await verify('groth16', c.vkey, out.publicSignals, out.proof)
    const verifyMs = ms(t)
    if (JSON.stringify(out.publicSignals) !== JSON.stringify(w.publicSignals)) throw new Error('the proof carries other public signals than the witness')
    const ort = (await runOnnxruntime(onnx, { x: { data: Float32Array.from(s), dims: [1, SEQ, D] } })).y!
    const maxErr = Math.max(...w.outputs.map((v, i) => Math.abs(v - ort[i]!)))
    rows.push({ witnessMs, nativeMs, snarkjsMs, verifyMs, ok, maxErr })
  }
  const f = (x: number, d = 1) => x.toFixed(d)
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  console.log(`\nprove-transformer (node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}; load average at start ${f(load0, 2)}; test-only dev ptau)`)
  console.log(`tiny-transformer: ${manifest.constraints} constraints, ${manifest.wires} wires, s = ${manifest.quantization.scaleBits}, B = ${manifest.quantization.activationBits}`)
  console.log(`dev ptau 2^17: ${ptau.cached ? 'cached' : `${f(ptauMs / 1000)} s`} (${f(ptau.bytes / 2 ** 20, 0)} MB)`)
  console.log(`compile (calibrate, circuit, fidelity, setup, verifier): ${f(compileMs / 1000)} s, of which native dev Groth16 setup ${f(setupMs / 1000)} s; peak RSS ${f(process.resourceUsage().maxRSS / 1024, 0)} MB`)
  console.log('sample  witness ms  native prove ms  snarkjs prove ms  verify ms  verified  max |out − onnxruntime|  tolerance')
  rows.forEach((r, i) =>
    console.log(`${String(i).padStart(6)}  ${f(r.witnessMs, 0).padStart(10)}  ${f(r.nativeMs, 0).padStart(15)}  ${(withSnarkjs ? f(r.snarkjsMs, 0) : '—').padStart(16)}  ${f(r.verifyMs, 0).padStart(9)}  ${String(r.ok).padStart(8)}  ${r.maxErr.toPrecision(3).padStart(23)}  ${tol.toPrecision(3)}`),
  )
  if (withSnarkjs) console.log(`native / snarkjs prove time (median): ${f(med(rows.map((r) => r.nativeMs)) / med(rows.map((r) => r.snarkjsMs)), 3)}`)
  if (!rows.every((r) => r.ok && r.maxErr <= tol)) {
    console.log('FAILED: a proof did not verify or an output left the tolerance')
    process.exitCode = 1
  }
} finally {
  rmSync(work, { recursive: true, force: true })
  await terminateSnark()
}
