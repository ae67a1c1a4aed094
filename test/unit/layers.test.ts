import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { builtinModules } from 'node:module'

// The README's layer table is the law: this test reads it and checks every import under src/.
const root = resolve(import.meta.dirname, '../..')

type Rule = { folder: string; mayTouch: Set<string> | 'everything' }

/** Parses the `## Layout` table: `| \`src/x/\` | … | a, b (note), c |`. */
function readRules(): Map<string, Rule> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Layout'))
  const rules = new Map<string, Rule>()
  for (const line of section.split('\n')) {
    const m = /^\| `src\/([a-z]+)\/` \|[^|]*\| ([^|]+) \|$/.exec(line)
    if (!m) continue
    const cell = m[2]!.replace(/\([^)]*\)/g, '').trim()
    const mayTouch = cell === 'everything' ? 'everything' as const
      : new Set(cell === 'nothing' ? [] : cell.split(',').map((s) => s.trim()).filter(Boolean))
    rules.set(m[1]!, { folder: m[1]!, mayTouch })
  }
  return rules
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts|js)$/.test(n) ? [p] : []
  })
}

/** Every module specifier a file imports: static, type-only, re-exports and dynamic `import()`. Comments are stripped first (JSDoc examples import freely). */
function specifiers(file: string): string[] {
  const src = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const out: string[] = []
  for (const m of src.matchAll(/(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push((m[1] ?? m[2] ?? m[3])!)
  return out
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
const runtimeDeps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})])
const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}))
const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)

test('README layer table: every src/ folder has a row and every row a folder', () => {
  const rules = readRules()
  const folders = readdirSync(join(root, 'src')).filter((n) => statSync(join(root, 'src', n)).isDirectory())
  assert.deepEqual([...rules.keys()].sort(), folders.sort())
})

test('README layer table: no import under src/ breaks it', () => {
  const rules = readRules()
  const broken: string[] = []
  for (const file of walk(join(root, 'src'))) {
    const from = relative(join(root, 'src'), file).split('/')[0]!
    const rule = rules.get(from)
    if (!rule || rule.mayTouch === 'everything') continue
    for (const spec of specifiers(file)) {
      if (!spec.startsWith('.')) continue
      const target = relative(root, resolve(dirname(file), spec)).split('/')
      const layer = target[0] === 'src' ? target[1]! : target[0]!
      if (layer === from) continue
      if (!rule.mayTouch.has(layer)) broken.push(`${relative(root, file)} imports ${spec} (${layer}); src/${from}/ may touch: ${[...rule.mayTouch].join(', ') || 'nothing'}`)
    }
  }
  assert.deepEqual(broken, [])
})

test('src/ imports only declared runtime dependencies (dev dependencies only from src/dev/)', () => {
  const bad: string[] = []
  for (const file of walk(join(root, 'src'))) {
    const inDev = relative(join(root, 'src'), file).startsWith('dev/')
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue
      const name = packageName(spec)
      if (runtimeDeps.has(name)) continue
      if (inDev && devDeps.has(name)) continue
      bad.push(`${relative(root, file)} imports ${spec} (${devDeps.has(name) ? 'a dev dependency' : 'not declared in package.json'})`)
    }
  }
  assert.deepEqual(bad, [])
})

test('the layer checker itself catches a breaking import', () => {
  // A file under src/compiler importing src/network must be refused by the same parsing.
  const specs = specifiers(join(root, 'src/network/coordinator.ts'))
  assert.ok(specs.some((s) => s.startsWith('./')), 'the import parser finds relative imports')
  const rule = readRules().get('compiler')!
  assert.ok(rule.mayTouch !== 'everything' && !rule.mayTouch.has('network'))
  assert.ok(existsSync(join(root, 'src/network')))
})
