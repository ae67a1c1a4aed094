/**
 * bench/prove-engines: snarkjs vs the native Groth16 prover (native/, arkworks) on the very same
 * keys and witnesses, in one run, with the ratio. Per circuit: key load time (snarkjs re-reads its
 * zkey on every proof, so its load is inside its prove time), prove time (median), peak RSS while
 * proving (sampled), proofs/s sequentially and with the native batch API, and the native profile
 * (QAP/FFT, each MSM) beside the TypeScript witness time where there is a witness program.
 *
 * Circuits: synthetic chains x_{i+1} = x_i·(x_i + 1) with a random x_0, so every wire is a full-size
 * field element (the worst case for the MSMs), at 2^12, 2^14, 2^16 and 2^18 domain sizes, and the
 * bundled models compiled to Groth16. The bundled ptau (pot15) keys at most 2^15; for synthetic
 * circuits the key comes from the addon's insecure bench-only key maker (same format and algebra as
 * snarkjs's `zkey new`; both provers' proofs are checked to verify against it).
 *
 * Run: npx tsx bench/prove-engines.ts [--sizes 12,14,16,18] [--models a,b|none] [--reps 3] [--batch 8]
 * Not a test: it prints numbers, it asserts nothing except that every proof verifies.
 *
 * Last runs (idle 2-core machine, `--sizes 16 --models pool-risk,pool-allocator --reps 2 --batch 2`
 * and `--sizes 18 --models none --reps 1 --batch 2`): chain 2^16 x6.80 wall, x6.56 CPU (snarkjs
 * 6.27 s, native 0.92 s; profile ms FFT 61, A 126, B1 122, B2 347, C 124, H 123), batch x7.01;
 * chain 2^18 x7.21 wall, x7.03 CPU (snarkjs 24.3 s, native 3.37 s), batch x7.41; pool-risk x8.01,
 * pool-allocator x4.69 wall (x6.60 CPU). 2^18 was x3.44 before msm_affine sized its batches to the
 * buckets a window can reach. At load average 3–5, 2^16 gave x5.65; at ~25, x5.06.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as snarkjs from 'snarkjs'
import { compileModel, loadCircuit } from '../src/compiler/index.ts'
import { P } from '../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../src/compiler/r1cs/index.ts'
import { prove, verify, terminateSnark } from '../src/compiler/snark/index.ts'
import { loadNativeAddon, proveWtns, proveWtnsBatch, type NativeTimings } from '../src/prover/engines/native/index.ts'
import { bundledModels } from '../models/lib/bundled.ts'

const { values: a } = parseArgs({ options: { sizes: { type: 'string' }, models: { type: 'string' }, reps: { type: 'string' }, batch: { type: 'string' } } })
const sizes = (a.sizes ?? '12,14,16,18').split(',').map(Number)
const REPS = Number(a.reps ?? 3)
const BATCH = Number(a.batch ?? 8)
const { addon, reason } = await loadNativeAddon({ build: true })
if (!addon) {
  console.error(`prove-engines: no native addon (${reason}); nothing to compare`)
  process.exit(1)
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const now = () => performance.now()

/** Runs f while sampling RSS every 10 ms; returns its value, wall time and the peak RSS above the start, MiB. */
async function measured<T>(f: () => Promise<T> | T): Promise<{ v: T; ms: number; cpuMs: number; peakMiB: number }> {
  const cpu0 = process.cpuUsage()
  const base = process.memoryUsage.rss()
  let peak = base
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 10)
  const t = now()
  const v = await f()
  const ms = now() - t
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage.rss())
  const cpu = process.cpuUsage(cpu0)
  // CPU time of every thread of the process (snarkjs's workers included): on a shared machine
  // wall time swings with other people's load, CPU time much less.
  return { v, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakMiB: (peak - base) / 2 ** 20 }
}

/** n constraints w_{i+3} = w_{i+2}·(w_{i+2} + 1); wire 1 = the last value (public output). */
function chain(n: number): { r1cs: R1csData; witness: (x0: bigint) => bigint[] } {
  const nWires = n + 3
  const constraints: Array<R1csData['constraints'][number]> = []
  for (let i = 0; i < n; i++) {
    const x = 2 + i
    const y = i === n - 1 ? 1 : x + 1
    constraints.push([[[x, 1n]], [[0, 1n], [x, 1n]], [[y, 1n]]])
  }
  const r1cs: R1csData = { prime: P, nWires, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: nWires, constraints, wireToLabel: [...Array(nWires).keys()] }
  return {
    r1cs,
    witness(x0) {
      const w = new Array<bigint>(nWires).fill(0n)
      w[0] = 1n
      w[2] = x0
      for (let i = 0; i < n; i++) {
        const x = w[2 + i]!
        const y = (x * (x + 1n)) % P
        if (i === n - 1) w[1] = y
        else w[3 + i] = y
      }
      return w
    },
  }
}

const rand = () => BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`) % P

type Row = {
  circuit: string; constraints: number; domain: number
  snarkProveMs: number; snarkPeakMiB: number
  nativeLoadMs: number; nativeProveMs: number; nativePeakMiB: number
  ratio: number; cpuRatio: number; snarkCpuMs: number; nativeCpuMs: number; snarkPps: number; nativePps: number; batchPps: number; batchRatio: number
  witnessMs?: number; profile: NativeTimings
}
const rows: Row[] = []

async function compare(name: string, zkey: Uint8Array, vkey: Record<string, unknown>, r1cs: Uint8Array, wtnss: Uint8Array[], witnessMs?: number) {
  // snarkjs: its prove reads and converts the zkey every call (there is no handle to keep).
  if (rows.length === 0) await prove('groth16', zkey, wtnss[0]!) // warm its thread pool, once
  const sp: number[] = []
  const sc: number[] = []
  let sPeak = 0
  for (let i = 0; i < REPS; i++) {
    const m = await measured(() => prove('groth16', zkey, wtnss[i % wtnss.length]!))
    if (!(await verify('groth16', vkey, m.v.publicSignals, m.v.proof))) throw new Error(`${name}: snarkjs proof does not verify`)
    sp.push(m.ms)
    sc.push(m.cpuMs)
    sPeak = Math.max(sPeak, m.peakMiB)
  }
  const load = await measured(() => new addon!.NativeKey(zkey, r1cs))
  const key = load.v
  const np: number[] = []
  const nc: number[] = []
  let nPeak = load.peakMiB
  let profile: NativeTimings | undefined
  for (let i = 0; i < REPS; i++) {
    const m = await measured(() => proveWtns(key, wtnss[i % wtnss.length]!))
    if (!(await verify('groth16', vkey, m.v.publicSignals, m.v.proof))) throw new Error(`${name}: native proof does not verify`)
    np.push(m.ms)
    nc.push(m.cpuMs)
    nPeak = Math.max(nPeak, m.peakMiB)
    profile = m.v.timings
  }
  const batch = Array.from({ length: BATCH }, (_, i) => wtnss[i % wtnss.length]!)
  const bm = await measured(() => proveWtnsBatch(key, batch))
  for (const o of bm.v.slice(0, 2)) if (!(await verify('groth16', vkey, o.publicSignals, o.proof))) throw new Error(`${name}: batch proof does not verify`)
  const d = key.domainSize
  const row: Row = {
    circuit: name, constraints: key.nConstraints, domain: d,
    snarkProveMs: median(sp), snarkPeakMiB: sPeak,
    nativeLoadMs: load.ms, nativeProveMs: median(np), nativePeakMiB: Math.max(nPeak, bm.peakMiB),
    ratio: median(sp) / median(np), cpuRatio: median(sc) / median(nc), snarkCpuMs: median(sc), nativeCpuMs: median(nc), snarkPps: 1000 / median(sp), nativePps: 1000 / median(np),
    batchPps: (BATCH * 1000) / bm.ms, batchRatio: (BATCH * 1000) / bm.ms / (1000 / median(sp)),
    ...(witnessMs !== undefined ? { witnessMs } : {}), profile: profile!,
  }
  rows.push(row)
  const f = (x: number, d = 1) => x.toFixed(d)
  const p = row.profile
  console.log(
    `${name.padEnd(18)} ${String(row.constraints).padStart(7)} 2^${Math.log2(d)}  snarkjs ${f(row.snarkProveMs, 0).padStart(7)} ms ${f(sPeak, 0).padStart(5)} MiB | native load ${f(row.nativeLoadMs, 0).padStart(5)} ms (tables ${f(key.tableBytes / 2 ** 20, 0)} MiB) prove ${f(row.nativeProveMs, 0).padStart(6)} ms ${f(row.nativePeakMiB, 0).padStart(5)} MiB | x${f(row.ratio, 2)} wall, x${f(row.cpuRatio, 2)} cpu (${f(row.snarkCpuMs, 0)}/${f(row.nativeCpuMs, 0)} cpu-ms) | proofs/s snarkjs ${f(row.snarkPps, 2)} native ${f(row.nativePps, 2)} batch(${BATCH}) ${f(row.batchPps, 2)} (x${f(row.batchRatio, 2)})`,
  )
  console.log(
    `${''.padEnd(18)} profile ms: read ${f(p.readMs)} check ${f(p.checkMs)} qap/fft ${f(p.qapMs)} msm A ${f(p.msmAMs)} B1 ${f(p.msmB1Ms)} B2 ${f(p.msmB2Ms)} C ${f(p.msmCMs)} H ${f(p.msmHMs)}${witnessMs !== undefined ? ` | TS witness ${f(witnessMs)}` : ''}`,
  )
}

console.log(`prove-engines: snarkjs ${'0.7.x'} vs native (${addon.nativeInfo()}), reps ${REPS}, batch ${BATCH}\n`)
const work = mkdtempSync(join(tmpdir(), 'zkml-bench-engines-'))
try {
  for (const k of sizes) {
    const n = 2 ** k - 2 - 1 // rows = constraints + nPublic(1) + 1 fill the domain exactly
    const c = chain(n)
    const r1cs = writeR1cs(c.r1cs)
    const tk = now()
    const zkey = new Uint8Array(addon.insecureBenchKey(r1cs, k))
    const keyS = (now() - tk) / 1000
    const vkey = (await snarkjs.zKey.exportVerificationKey(zkey)) as Record<string, unknown>
    const wtnss = [0, 1, 2].map(() => writeWtns(c.witness(rand())))
    console.log(`(synthetic 2^${k}: key made in ${keyS.toFixed(1)} s, zkey ${(zkey.length / 2 ** 20).toFixed(1)} MiB)`)
    await compare(`chain-2^${k}`, zkey, vkey, r1cs, wtnss)
  }
  const names = a.models === 'none' ? [] : a.models ? a.models.split(',') : bundledModels().map((m) => m.name)
  for (const m of bundledModels().filter((x) => names.includes(x.name))) {
    const outDir = join(work, m.name)
    await compileModel({ onnx: m.onnx, name: m.name, calibration: m.samples, backend: 'groth16', outDir })
    const c = await loadCircuit(outDir)
    const r1cs = new Uint8Array(await (await import('node:fs/promises')).readFile(join(outDir, c.manifest.artifacts.r1cs.file)))
    const ws: Uint8Array[] = []
    const wt: number[] = []
    for (let i = 0; i < 3; i++) {
      const t = now()
      ws.push(c.computeWitness(m.samples[i % m.samples.length]!, { subject: 1n, round: BigInt(i + 1) }).wtns)
      wt.push(now() - t)
    }
    await compare(m.name, c.zkey, c.vkey, r1cs, ws, median(wt))
  }
  console.log('\nsummary (ratio = snarkjs prove / native prove, by wall time and by process CPU time; batch = native batch proofs/s / snarkjs proofs/s)')
  for (const r of rows) console.log(`  ${r.circuit.padEnd(18)} 2^${Math.log2(r.domain)}  x${r.ratio.toFixed(2)} wall, x${r.cpuRatio.toFixed(2)} cpu, x${r.batchRatio.toFixed(2)} batch`)
} finally {
  rmSync(work, { recursive: true, force: true })
  await terminateSnark()
}
