/**
 * bench/market-ezkl: ezkl fit points for the market's cost model. Compiles models/pool-risk with
 * ezkl at logrows ≤ 12, 13, 14 (calibration fills the domain it is given), proves it
 * BENCH_REPS times (default 2) at each, and fits time ≈ a + b·n·log2(n) and memory ≈ c + d·n with
 * n = 2^logrows (src/market/estimateProof.ts `provingSize`). Peak memory is the bridge's VmHWM,
 * a fresh bridge per point. Writes the fit as `backends.ezkl` into the profile (default ci-2core),
 * leaving the snarkjs fits as they are.
 *
 * Run: npx tsx bench/market-ezkl.ts [profile-name]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileEzkl, ezklBridge, loadEzklCircuit, proveEzkl } from '../src/compiler/ezkl/index.ts'
import { fitBackend, parseHardwareProfile, type ProfilePoint } from '../src/market/index.ts'

const name = process.argv[2] ?? 'ci-2core'
const REPS = Number(process.env.BENCH_REPS ?? 2)
const profilePath = new URL(`../src/market/profiles/${name}.json`, import.meta.url)
const model = new URL('../models/pool-risk/', import.meta.url).pathname
const onnx = readFileSync(join(model, 'model.onnx'))
const samples = JSON.parse(readFileSync(join(model, 'samples.json'), 'utf8')) as number[][]
const work = mkdtempSync(join(tmpdir(), 'zkml-bench-ezkl-'))
const points: ProfilePoint[] = []
try {
  for (const maxLogrows of [12, 13, 14]) {
    await ezklBridge().close()
    const outDir = join(work, String(maxLogrows))
    const { manifest } = await compileEzkl({ onnx, name: 'pool-risk', calibration: samples, outDir, maxLogrows })
    const c = await loadEzklCircuit(outDir)
    await ezklBridge().close() // the point's peak is proving's, not setup's
    const secs: number[] = []
    for (let i = 0; i < REPS; i++) {
      const t = performance.now()
      await proveEzkl(c, samples[i % samples.length]!, { subject: 1n, round: 1n })
      secs.push((performance.now() - t) / 1000)
    }
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${ezklBridge().pid}/status`, 'utf8'))
    const n = 2 ** manifest.ezkl!.settings.logrows
    points.push({ constraints: n, wires: manifest.wires, seconds: secs.sort((a, b) => a - b)[Math.floor(secs.length / 2)]!, bytes: Number(hwm?.[1] ?? 0) * 1024 })
    console.log(`logrows ${manifest.ezkl!.settings.logrows}: prove ${points.at(-1)!.seconds.toFixed(2)} s, peak ${(points.at(-1)!.bytes / 2 ** 20).toFixed(0)} MiB`)
  }
} finally {
  await ezklBridge().close()
  rmSync(work, { recursive: true, force: true })
}
const profile = parseHardwareProfile(JSON.parse(readFileSync(profilePath, 'utf8')))
const fit = fitBackend(points)
profile.backends.ezkl = fit
profile.provenance.tools = { ...profile.provenance.tools, ezkl: (await import('../src/compiler/ezkl/venv.ts')).EZKL_VERSION }
writeFileSync(profilePath, `${JSON.stringify(profile, null, 2)}\n`)
console.log(`ezkl fit: time ${fit.time.a.toFixed(3)} + ${fit.time.b.toExponential(3)}·n·log2 n s, memory ${(fit.memory.c / 2 ** 20).toFixed(0)} MiB + ${fit.memory.d.toFixed(0)} B·n; max rel error ${fit.maxRelError.toFixed(3)} → ${profilePath.pathname}`)
