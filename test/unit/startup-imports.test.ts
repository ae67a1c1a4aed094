import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { transformSync } from 'esbuild'
import { commandTable } from '../../src/cli/commandTable.ts'

// Start-up cost is set by what a module pulls in. This walks the import graph the way tsx runs it
// (esbuild drops type-only imports, with this project's tsconfig) from an entry point, following
// static AND dynamic imports: so a lazy `await import()` on any path still counts. No process is spawned.
const root = resolve(import.meta.dirname, '../..')
const tsconfigRaw = readFileSync(resolve(root, 'tsconfig.json'), 'utf8')

/** What one file imports at run time: relative specifiers and bare package names. */
function runtimeImports(file: string, dynamic = true): string[] {
  const js = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', tsconfigRaw, sourcefile: file }).code
    .replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const out: string[] = []
  for (const m of js.matchAll(/(?:^|[^\w.$])(?:import|export)\s*(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g))
    if (m[1] !== undefined || dynamic) out.push((m[1] ?? m[2])!)
  return out
}

const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!)

/** Every src file and package reachable from `entry` (relative to the repo root). */
function reachable(entry: string, dynamic = true): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const todo = [resolve(root, entry)]
  while (todo.length > 0) {
    const file = todo.pop()!
    const rel = relative(root, file)
    if (files.has(rel)) continue
    files.add(rel)
    for (const spec of runtimeImports(file, dynamic)) {
      if (spec.startsWith('node:')) continue
      if (!spec.startsWith('.')) { packages.add(packageName(spec)); continue }
      const target = resolve(dirname(file), spec)
      if (!existsSync(target)) throw new Error(`${rel} imports ${spec}, which does not exist`)
      if (/\.(ts|mts|js|mjs)$/.test(target)) todo.push(target)
    }
  }
  return { files, packages }
}

/** The ONNX side of the compiler: only `zkml compile` needs it. */
const onnxFrontEnd = (files: Set<string>) => [...files].filter((f) => f.startsWith('src/compiler/onnx/') || f === 'src/compiler/compileModel.ts')

for (const entry of ['src/cli/commands/worker.ts', 'src/cli/commands/serve.ts', 'src/prover/index.ts', 'src/network/index.ts']) {
  test(`${entry} never loads onnxruntime-node nor the compiler's ONNX front end`, () => {
    const { files, packages } = reachable(entry)
    assert.ok(files.has('src/compiler/loadCircuit.ts') || !entry.includes('commands'), `${entry}: the walk should reach the engine's loadCircuit (walk broken?)`)
    assert.equal(packages.has('onnxruntime-node'), false, `${entry} reaches onnxruntime-node`)
    assert.deepEqual(onnxFrontEnd(files), [])
  })
}

test('importing src/market/index.ts pulls in no fastify, snarkjs, onnxruntime, bullmq nor viem/chains', () => {
  const { files, packages } = reachable('src/market/index.ts')
  for (const heavy of ['fastify', 'snarkjs', 'onnxruntime-node', 'bullmq', 'ioredis'])
    assert.equal(packages.has(heavy), false, `src/market/index.ts reaches ${heavy}`)
  assert.deepEqual(onnxFrontEnd(files), [])
  assert.deepEqual([...files].filter((f) => f.startsWith('src/api/') || f.startsWith('src/explorer/')), [])
  // viem's chain table is ~600 modules; the market builds its own chain object from the RPC's chain id.
  assert.equal(runtimeImportsOf(files).some((s) => s.startsWith('viem/chains')), false)
})

// `zkml <cmd> --help` must answer in well under 0.5 s: each command parses its flags and prints help
// before its first `await import()`, so what its static imports reach is all --help pays for.
const heavy = ['viem', 'snarkjs', 'onnxruntime-node', 'fastify', 'bullmq', 'ioredis', 'solc', 'onnx-proto', 'r1csfile']
test('every command module loads nothing heavy before it can print --help', () => {
  const commands = Object.keys(commandTable)
  const slow = commands.flatMap((c) => [...reachable(`src/cli/commands/${c}.ts`, false).packages].filter((p) => heavy.includes(p)).map((p) => `${c}: ${p}`))
  assert.deepEqual(slow, [])
  assert.deepEqual([...reachable('src/cli/main.ts', false).packages], [], 'src/cli/main.ts imports only node builtins and its table')
})

test('the walk does see onnxruntime where it is used (zkml compile)', () => {
  const { files, packages } = reachable('src/cli/commands/compile.ts')
  assert.equal(packages.has('onnxruntime-node'), true)
  assert.ok(onnxFrontEnd(files).length > 0)
})

function runtimeImportsOf(files: Set<string>): string[] {
  return [...files].flatMap((f) => runtimeImports(resolve(root, f)))
}
