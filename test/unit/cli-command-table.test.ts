import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { commandTable } from '../../src/cli/commandTable.ts'

// `zkml --help` prints src/cli/commandTable.ts without importing a command: the table must stay the
// one source of truth for what commands exist.
const dir = resolve(import.meta.dirname, '../../src/cli/commands')
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort()

test('the CLI command table lists exactly the files in src/cli/commands/', () => {
  assert.deepEqual(Object.keys(commandTable).sort(), files)
})

test('every command summary is one non-empty line', () => {
  for (const [name, summary] of Object.entries(commandTable))
    assert.match(summary, /^[^\n]{10,120}$/, `summary of ${name}`)
})

test('no command module exports its own summary (the table is the only one)', () => {
  const stray = files.filter((f) => /^export const summary\b/m.test(readFileSync(join(dir, `${f}.ts`), 'utf8')))
  assert.deepEqual(stray, [])
})
