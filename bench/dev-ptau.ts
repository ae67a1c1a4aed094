/**
 * bench/dev-ptau: how long `zkml dev-ptau --power N` takes to write a test-only prepared ptau (native:
 * native/src/devptau.rs; src/dev/devPtau.ts), per power, each written fresh to a temporary file (not
 * the cache) and deleted after: total, the powers (sections 2–6), the Lagrange sections (12–15), file
 * size, and each row's time as a ratio against the first power's (the baseline, same process) beside
 * the ratio of sizes (2^N points: ideal scaling is the size ratio). CPU s is the process's user + system
 * time over the call (all the addon's threads): on a shared box it says what the work costs when the
 * wall clock says mostly how busy the box was.
 *
 *   npx tsx bench/dev-ptau.ts [18 20 22]   (needs the native addon; 2^22 writes 4.5 GB to $TMPDIR)
 *
 * Not a test: it prints numbers. Measured 2026-12-03 on the shared 2-core box at load average 16–25:
 * 2^16 186.4 s wall / 21.3 s CPU; 2^18 830 s wall; 2^20 stopped unfinished after 12.8 min (8 % of a core);
 * 2^22 not run. Extrapolated from CPU: 2^20 ≈ 300 s, 2^22 ≈ 1,200 s of CPU (docs/scaling.md, "Circuits at scale").
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { devPtauFileName, makeDevPtau } from '../src/dev/devPtau.ts'
import { loadNativeAddon } from '../src/prover/engines/native/index.ts'

const powers = process.argv.slice(2).map(Number)
if (powers.length === 0) powers.push(18, 20, 22)
const { addon, reason } = await loadNativeAddon()
if (!addon) throw new Error(`the native addon is needed: ${reason}`)
const dir = mkdtempSync(join(tmpdir(), 'zkml-dev-ptau-'))
const st = statfsSync(dir)
const free = (st.bavail * st.bsize) / 2 ** 30
const need = (2 ** Math.max(...powers) * 1152) / 2 ** 30
if (need > free - 1) throw new Error(`2^${Math.max(...powers)} needs about ${need.toFixed(1)} GB in ${dir}; ${free.toFixed(1)} GB free`)
const rows: { power: number; ms: number; cpuS: number; powersMs: number; lagrangeMs: number; bytes: number; load: number }[] = []
try {
  for (const power of powers) {
    const load = loadavg()[0]!
    const out = join(dir, devPtauFileName(power))
    const cpu0 = process.cpuUsage()
    const r = await makeDevPtau({ power, addon, out, force: true })
    const cpu = process.cpuUsage(cpu0)
    rows.push({ power, ms: r.ms, cpuS: (cpu.user + cpu.system) / 1e6, powersMs: r.timings?.powersMs ?? Number.NaN, lagrangeMs: r.timings?.lagrangeMs ?? Number.NaN, bytes: r.bytes, load })
    rmSync(out, { force: true })
    const row = rows.at(-1)!
    // each row as it is measured too: a run cut short keeps what it measured
    process.stderr.write(`dev-ptau 2^${power}: ${(r.ms / 1000).toFixed(1)} s wall, ${row.cpuS.toFixed(1)} s CPU, load ${load.toFixed(1)}\n`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
const f = (x: number, d = 1) => x.toFixed(d)
console.log(`\ndev-ptau (node ${process.version}; ${cpus()[0]?.model} × ${cpus().length}; native, fresh files in ${tmpdir()})`)
console.log('power   total s    CPU s  powers s  lagrange s    size MB  load avg  time ×  CPU ×  size ×')
const base = rows[0]!
for (const r of rows)
  console.log(
    `2^${String(r.power).padEnd(4)} ${f(r.ms / 1000).padStart(8)} ${f(r.cpuS).padStart(8)} ${f(r.powersMs / 1000).padStart(9)} ${f(r.lagrangeMs / 1000).padStart(11)} ${f(r.bytes / 2 ** 20, 0).padStart(10)} ${f(r.load, 1).padStart(9)} ${f(r.ms / base.ms, 2).padStart(7)} ${f(r.cpuS / base.cpuS, 2).padStart(6)} ${f(r.bytes / base.bytes, 2).padStart(7)}`,
  )
