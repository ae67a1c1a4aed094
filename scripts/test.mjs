#!/usr/bin/env node
// Runs every test file under test/ with Node's own runner, TypeScript loaded by tsx.
// Files run one at a time: integration tests share one Redis and spawn anvil, and CI has 2 cores.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
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

const filter = process.argv.slice(2)
const files = collect('test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filter)}`)
  process.exit(1)
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
)
process.exit(r.status ?? 1)
