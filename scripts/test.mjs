#!/usr/bin/env node
// Runs every test file under test/ with Node's own runner, TypeScript loaded by tsx.
// Integration files run one at a time: they share one Redis and spawn anvil, and CI has 2 cores.
// Unit files need none of that (test/unit/unit-purity.test.ts keeps it so) and run two at a time.
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

// The native prover's tests need its addon: build it if missing (progress line; without cargo a
// warning, and those tests skip saying why).
await (await import('./build-native.mjs')).buildNative({ ifMissing: true })
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
const isUnit = (f) => f.startsWith(`${join('test', 'unit')}/`)
const run = (group, concurrency, stdio = 'inherit') =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...group], { stdio })

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
const rest = files.filter((f) => !isUnit(f))
let status = 0
if (unit.length > 0) status ||= run(unit, UNIT_CONCURRENCY).status ?? 1
if (rest.length > 0) status = (run(rest, 1).status ?? 1) || status
process.exit(status)
