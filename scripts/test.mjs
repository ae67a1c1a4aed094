#!/usr/bin/env node
// Runs every test file under test/ with Node's own runner, TypeScript loaded by tsx.
// Unit files need no Redis, anvil or child process (test/unit/unit-purity.test.ts keeps it so) and
// run two at a time. Integration files run two at a time too: each keeps its Redis keys under a prefix
// of its own (prover-helpers.ts testPrefix), starts anvil and servers on free ports and writes only to
// temp directories, and much of their time is spent waiting on blocks, polls and child processes, so
// a second file fills the idle core. The slowest start first (HEAVY_FIRST), so that no long file is
// left running alone at the end.
//
//   node scripts/test.mjs [substring…]            the runner's own output
//   node scripts/test.mjs --timings [substring…]  each file in its own run, then a table of wall times
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function collect(dir) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...collect(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

// The native prover's tests need its addon: build it if missing or older than its Rust sources (progress line; without cargo a
// warning, and those tests skip saying why).
await (await import('./build-native.mjs')).buildNative({ ifStale: true })
const args = process.argv.slice(2)
const timings = args.includes('--timings')
const filter = args.filter((a) => a !== '--timings')
const files = collect('test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filter)}`)
  process.exit(1)
}
// One compile per model per run, shared by the integration files that prove the same circuit
// (test/integration/prover-helpers.ts compileBundledModel); removed when the run ends.
const cache = mkdtempSync(join(tmpdir(), 'zkml-test-cache-'))
process.env.ZKML_TEST_CACHE = cache
process.on('exit', () => rmSync(cache, { recursive: true, force: true }))
const UNIT_CONCURRENCY = 2
const INTEGRATION_CONCURRENCY = 2
// Integration files by wall time, slowest first (measured with --timings; the rest keep their order).
const HEAVY_FIRST = [
  'ezkl-backend', 'compile-models', 'prove-large-models', 'demo-stack', 'vault', 'ezkl-models', 'compile-ptau', 'contracts-security',
  'contracts-feed', 'explorer-vault', 'cli.test',
]
const weight = (f) => {
  const i = HEAVY_FIRST.findIndex((h) => f.includes(`/${h}`))
  return i === -1 ? HEAVY_FIRST.length : i
}
const isUnit = (f) => f.startsWith(`${join('test', 'unit')}/`)
// --test-force-exit: a file whose tests have all finished ends even if a leaked handle (a thread
// pool, a socket) would keep it alive; the leak is a bug to fix, but it must not hang the whole run.
const run = (group, concurrency, stdio = 'inherit') =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...group], { stdio })

if (timings) {
  const rows = []
  for (const f of files) {
    const t0 = performance.now()
    const r = run([f], 1)
    rows.push({ file: f, s: (performance.now() - t0) / 1000, ok: r.status === 0 })
  }
  const total = rows.reduce((a, r) => a + r.s, 0)
  console.log(`\n${'file'.padEnd(52)} ${'wall s'.padStart(8)}  share`)
  for (const r of [...rows].sort((a, b) => b.s - a.s))
    console.log(`${`${(r.ok ? '' : '✖ ') + r.file}`.padEnd(52)} ${r.s.toFixed(1).padStart(8)}  ${((100 * r.s) / total).toFixed(0).padStart(4)}%`)
  console.log(`${'total (one at a time)'.padEnd(52)} ${total.toFixed(1).padStart(8)}`)
  process.exit(rows.every((r) => r.ok) ? 0 : 1)
}

const unit = files.filter(isUnit)
const rest = files.filter((f) => !isUnit(f)).sort((a, b) => weight(a) - weight(b))
let status = 0
const wall = {}
const timed = (name, f) => {
  const t0 = performance.now()
  const r = f()
  wall[name] = (performance.now() - t0) / 1000
  return r
}
if (unit.length > 0) status ||= timed('unit', () => run(unit, UNIT_CONCURRENCY).status ?? 1)
if (rest.length > 0) status = timed('integration', () => run(rest, INTEGRATION_CONCURRENCY).status ?? 1) || status
const total = Object.values(wall).reduce((a, b) => a + b, 0)
console.log(`\nwall time: ${Object.entries(wall).map(([k, v]) => `${k} ${v.toFixed(0)} s (${k === 'unit' ? unit.length : rest.length} files)`).join(', ')}; total ${total.toFixed(0)} s`)
process.exit(status)
