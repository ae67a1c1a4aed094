import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'

// Unit tests run with nothing around them: no Redis, no anvil, no child process (the CLI included).
// Whatever needs one of those belongs in test/integration/, which runs them serially with real parts.
const unitDir = resolve(import.meta.dirname)
const forbidden: { what: string; re: RegExp }[] = [
  { what: 'a Redis connection', re: /\bconnectRedis\s*\(|\bnew\s+(?:IORedis|Redis)\s*\(|from\s+['"]ioredis['"]/ },
  { what: 'an anvil', re: /\bstartAnvil\s*\(|\bstartLocalStack\s*\(|\brunDemo\s*\(/ },
  { what: 'a child process (the CLI or any other)', re: /from\s+['"](?:node:)?child_process['"]|import\(\s*['"](?:node:)?child_process['"]\s*\)|bin\/zkml/ },
]

test('test/unit/ needs no Redis, no anvil and spawns nothing', () => {
  const self = basename(import.meta.filename)
  const found: string[] = []
  for (const f of readdirSync(unitDir).filter((n) => n.endsWith('.ts') && n !== self).sort()) {
    const src = readFileSync(join(unitDir, f), 'utf8')
    for (const { what, re } of forbidden) if (re.test(src)) found.push(`test/unit/${f}: ${what} (${re.exec(src)![0]}); move it to test/integration/`)
  }
  assert.deepEqual(found, [])
})
