/**
 * bench/compile-prove.ts --scale (or run this file): circuits beyond the bundled 2^15 ptau. For a CNN
 * of at least 2^18 constraints and a model of at least 2^20 (bench/scale-models.ts), each in a fresh
 * child process so its peak RSS is its own: constraints, test-only ptau (zkml dev-ptau, cached in
 * .cache/ptau), compile time, peak RSS, setup time (the native test-only Groth16 setup from the dev
 * ptau's secrets, which is snarkjs's `zkey new` from that file: test/integration/dev-ptau.test.ts),
 * witness time, Groth16 prove time (native prover) and snarkjs verify. The baseline in the same process
 * is the 2^18 model: the 2^20 row prints its ratios against it.
 *
 *   npx tsx bench/compile-prove.ts --scale [cnn-18] [model-20]
 *
 * Not a test: it prints numbers, it asserts nothing. Needs the native addon (cargo) and ~10 GB of disk.
 *
 * Measured once on the shared 2-core box (load average ≈ 20 from other jobs; the run got 26% of a CPU):
 *   cnn-18  443398 constraints, ptau 2^19 (cached), compile 415.5 s (of which setup 189.4 s),
 *           peak RSS 2856 MB, witness 2969 ms, native Groth16 prove 27.4 s, snarkjs verify: true.
 *   model-20 (2^20) was not run there before the deadline.
 * 2026-12-03, same box, load average 16–25 (about six sessions building and testing): `--scale model-20`
 * ran 33 min and was stopped still making its 2^21 dev ptau (200 MB of 2.3 GiB written; the process had
 * had 58 s of CPU in that time). The model-20 circuit alone (build, witness program, witness) is
 * measured by `node --expose-gc --import tsx bench/witness-scale.ts model-20`; dev ptau times per power
 * by bench/dev-ptau.ts. Numbers and what they extrapolate to: docs/scaling.md, "Circuits at scale".
 * 2026-12-03 later, the same machine idle (load average 1.0–1.7), `--scale model-20`:
 *   model-20  901592 constraints, ptau 2^21 made in 226.6 s, compile 166.1 s wall / 236.5 s CPU (of which
 *             setup 56.0 s), peak RSS 5585 MB, witness 1465 ms, native Groth16 prove 7252 ms, snarkjs verify: true.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileModel, loadCircuit } from '../src/compiler/index.ts'
import { terminateSnark, verify } from '../src/compiler/snark/index.ts'
import { devGroth16Setup, makeDevPtau } from '../src/dev/devPtau.ts'
import { loadNativeAddon, proveWtns } from '../src/prover/engines/native/index.ts'
import { scaleCnn, type ScaleModel } from './scale-models.ts'

// power: the dev ptau each is keyed with (a circuit of 2^k ≤ m < 2^(k+1) constraints needs power k + 1).
const MODELS: Record<string, { power: number; build: () => ScaleModel }> = {
  'cnn-18': { power: 19, build: () => scaleCnn('cnn-18', 20, 16, 16) },
  'model-20': { power: 21, build: () => scaleCnn('model-20', 32, 16, 16) },
}

type Row = { model: string; constraints: number; power: number; ptauS: number; ptauCached: boolean; compileS: number; compileCpuS: number; setupS: number; peakRssMb: number; witnessMs: number; proveMs: number; verified: boolean }

async function one(name: string): Promise<Row> {
  const spec = MODELS[name]!
  const m = spec.build()
  const { addon, reason } = await loadNativeAddon()
  if (!addon) throw new Error(`the native addon is needed: ${reason}`)
  const work = mkdtempSync(join(tmpdir(), `zkml-scale-${name}-`))
  try {
    const power = spec.power
    const p = await makeDevPtau({ power, addon })
    const ptau = { s: p.ms / 1000, cached: p.cached }
    let setupMs = 0
    const setup = devGroth16Setup(addon)
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    const { manifest } = await compileModel({
      onnx: m.onnx, name, calibration: m.samples, backend: 'groth16', outDir: join(work, 'out'), ptauPath: p.path,
      groth16Setup: async (r1cs, ptauPath) => {
        const t = performance.now()
        const keys = await setup(r1cs, ptauPath)
        setupMs = performance.now() - t
        return keys
      },
    })
    const compileS = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const compileCpuS = (cpu.user + cpu.system) / 1e6
    const c = await loadCircuit(join(work, 'out'))
    const ctx = { subject: 1n, round: 1n }
    let t = performance.now()
    const w = c.computeWitness(m.samples[0]!, ctx)
    const witnessMs = performance.now() - t
    const key = new addon.NativeKey(c.zkey, null)
    t = performance.now()
    const out = await proveWtns(key, w.wtns)
    const proveMs = performance.now() - t
    const verified = await verify('groth16', c.vkey, out.publicSignals, out.proof)
    const peakRssMb = process.resourceUsage().maxRSS / 1024
    return { model: name, constraints: manifest.constraints, power, ptauS: ptau.s, ptauCached: ptau.cached, compileS, compileCpuS, setupS: setupMs / 1000, peakRssMb, witnessMs, proveMs, verified }
  } finally {
    rmSync(work, { recursive: true, force: true })
    await terminateSnark()
  }
}

const argv = process.argv.slice(2).filter((a) => a !== '--scale')
const childAt = argv.indexOf('--child')
if (childAt >= 0) {
  const row = await one(argv[childAt + 1]!)
  console.log(`ROW ${JSON.stringify(row)}`)
} else {
  const names = argv.length > 0 ? argv : Object.keys(MODELS)
  const rows: Row[] = []
  for (const name of names) {
    process.stderr.write(`scale: ${name}…\n`)
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 })
    const line = r.stdout.split('\n').find((l) => l.startsWith('ROW '))
    if (!line) {
      console.log(`${name}: failed (exit ${r.status}, signal ${r.signal})`)
      continue
    }
    rows.push(JSON.parse(line.slice(4)) as Row)
  }
  const f = (x: number, d = 1) => x.toFixed(d)
  console.log(`\ncompile-prove --scale (node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}; load average now ${f(loadavg()[0]!, 1)}; test-only dev ptau, native Groth16 setup and prover)`)
  console.log('model      constraints  ptau  ptau s  compile s  compile CPU s  peak RSS MB  setup s  witness ms  prove ms  verified')
  for (const r of rows)
    console.log(
      `${r.model.padEnd(10)} ${String(r.constraints).padStart(11)}  2^${r.power}  ${(r.ptauCached ? 'cached' : f(r.ptauS)).padStart(6)}  ${f(r.compileS).padStart(9)}  ${f(r.compileCpuS ?? Number.NaN).padStart(13)}  ${f(r.peakRssMb, 0).padStart(11)}  ${f(r.setupS).padStart(7)}  ${f(r.witnessMs, 0).padStart(10)}  ${f(r.proveMs, 0).padStart(8)}  ${r.verified}`,
    )
  // The baseline is the first row of this run (each row is its own child process, so RSS is its own);
  // per-constraint ratios say whether cost grows faster than the circuit. One row alone has no baseline.
  const base = rows[0]
  if (rows.length < 2) console.log('(one row: no baseline in this run; `--scale cnn-18 model-20` prints model-20 against cnn-18)')
  for (const r of rows.slice(1))
    if (base) {
      const k = r.constraints / base.constraints
      console.log(
        `${r.model} / ${base.model} (baseline): constraints ×${f(k, 2)}; compile ×${f(r.compileS / base.compileS, 2)} (CPU ×${f(r.compileCpuS / base.compileCpuS, 2)}), RSS ×${f(r.peakRssMb / base.peakRssMb, 2)}, setup ×${f(r.setupS / base.setupS, 2)}, witness ×${f(r.witnessMs / base.witnessMs, 2)}, prove ×${f(r.proveMs / base.proveMs, 2)}; per constraint: compile CPU ×${f(r.compileCpuS / base.compileCpuS / k, 2)}, RSS ×${f(r.peakRssMb / base.peakRssMb / k, 2)}`,
      )
    }
}
