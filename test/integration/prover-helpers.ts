// Shared by the prover/API tests (not itself a test file).
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import type { CompileOptions } from '../../src/compiler/compileModel.ts'
import type { CircuitManifest } from '../../src/compiler/manifest.ts'
import { sha256Hex } from '../../src/network/index.ts'

/** A unique key prefix per test run: the Redis is shared with other people's tests. */
export function testPrefix(tag: string): string {
  return `zkmltest-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500)
    cursor = next
    if (keys.length) await redis.del(...keys)
  } while (cursor !== '0')
}

export function tempDir(tag: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `zkml-${tag}-`))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * A structurally valid manifest whose artifacts are random bytes: enough for registry, routing,
 * validation and idempotency tests, which never prove.
 */
export function syntheticCircuit(opts: { inputs?: number; backend?: 'groth16' | 'plonk'; zkeyBytes?: number } = {}) {
  const names = ['r1cs', 'witnessProgram', 'zkey', 'vkey'] as const
  const artifacts: Record<string, Uint8Array> = {}
  const entries: Record<string, { file: string; sha256: `0x${string}`; bytes: number }> = {}
  for (const n of names) {
    const b = new Uint8Array(randomBytes(n === 'zkey' ? opts.zkeyBytes ?? 256 : 64))
    artifacts[n] = b
    entries[n] = { file: `${n}.bin`, sha256: sha256Hex(b), bytes: b.length }
  }
  const k = opts.inputs ?? 3
  const manifest = {
    manifestVersion: 1,
    name: `synthetic-${randomBytes(2).toString('hex')}`,
    modelHash: sha256Hex('model'),
    circuitHash: sha256Hex(artifacts.r1cs!),
    backend: opts.backend ?? 'groth16',
    curve: 'bn128',
    quantization: { scaleBits: 8, activationBits: 24, sigmoid: 'outside', target: 'accuracy' },
    inputs: [{ name: 'x', shape: [1, k] }],
    outputs: [{ name: 'y', shape: [1, 1] }],
    publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 8 }, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
    constraints: 100,
    wires: 120,
    fidelity: { reference: 'none', samples: 0, maxAbsError: 0, meanAbsError: 0, tolerance: 0 },
    artifacts: entries,
    tools: {},
    createdAt: '2026-01-01T00:00:00Z',
  } as unknown as CircuitManifest
  return { manifest, artifacts }
}

export const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

/** A `zkml <command>` child process whose stdout lines are kept and awaitable. */
export type Proc = {
  child: ChildProcess
  lines: string[]
  /** Resolves with the first line (past or future) matching, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>
  exited: Promise<number | null>
}

/**
 * Spawns `node --import tsx src/cli/main.ts <args>`, as a real worker or server process. `via`
 * runs it through a launcher (e.g. `['ip', 'netns', 'exec', 'ns1']`), which must exec it in place.
 */
export function spawnZkml(args: string[], env: Record<string, string> = {}, tag = args[0] ?? 'zkml', via: string[] = []): Proc {
  const argv = [process.execPath, '--import', 'tsx', cli, ...args]
  const child = spawn(via[0] ?? argv[0]!, [...via.slice(1), ...(via.length ? argv : argv.slice(1))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = []
  let buf = ''
  const onData = (d: Buffer) => {
    buf += String(d)
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      lines.push(line)
      if (process.env.ZKML_TEST_VERBOSE) console.error(`[${tag}] ${line}`)
      for (const w of [...waiters]) if (w.re.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line) }
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return {
    child,
    lines,
    exited,
    waitFor(re, ms = 60_000) {
      const hit = lines.find((l) => re.test(l))
      if (hit) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`[${tag}] no line matching ${re} within ${ms} ms; last lines:\n${lines.slice(-15).join('\n')}`)), ms)
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l) } })
      })
    },
  }
}

/** Polls until `fn` returns a truthy value or `ms` pass. */
export async function until<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string, every = 100): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, every))
  }
}

import { readFile } from 'node:fs/promises'

/** The `POST /circuits` body for a compiled circuit directory: manifest + every artifact present, base64. */
export async function registerBody(dir: string): Promise<{ manifest: CircuitManifest; artifacts: Record<string, string> }> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CircuitManifest
  const artifacts: Record<string, string> = {}
  for (const [name, a] of Object.entries(manifest.artifacts)) {
    try {
      artifacts[name] = b64(new Uint8Array(await readFile(join(dir, a.file))))
    } catch {
      // optional artifacts may be absent
    }
  }
  return { manifest, artifacts }
}

import { bundledModels } from '../../models/lib/bundled.ts'

/**
 * Compiles a bundled model (`models/<name>/model.onnx` + `samples.json`) to Groth16 in `outDir`.
 * `'tiny'` picks the bundled model with the smallest ONNX file. `sample(i)` cycles the samples.
 * Shares compiles across the run's files (`compileCached`).
 */
export async function compileBundledModel(name: string, outDir: string) {
  const all = bundledModels()
  const m = name === 'tiny' ? all[0] : all.find((x) => x.name === name)
  if (!m) throw new Error(`no bundled model "${name}" in models/ (have: ${all.map((x) => x.name).join(', ')})`)
  await compileCached({ onnx: m.onnx, name: m.name, calibration: m.samples, backend: 'groth16', outDir })
  return { model: m.name, dir: outDir, backend: 'groth16' as const, sample: (i: number) => m.samples[i % m.samples.length]! }
}

/** The tiny bundled model compiled under `dir`. */
export function compiledTestCircuit(dir: string) {
  return compileBundledModel('tiny', join(dir, 'circuit'))
}

/**
 * `compileModel(opts)`, or a copy of the circuit an earlier test file of this run compiled with the
 * same options (model bytes, name, samples, backend, sigmoid, target, tolerance, ptau). Under
 * `scripts/test.mjs`, which sets ZKML_TEST_CACHE to a directory of its own and removes it when the run
 * ends, each circuit compiles once per run: several integration files prove the same models. The cache
 * is per run, so a compiler change is never hidden by a stale circuit. Outside it, every call compiles.
 * Options that observe the compile (progress, warnings, a custom setup) always compile.
 */
export async function compileCached(opts: CompileOptions): Promise<{ manifest: CircuitManifest; dir: string }> {
  const { compileModel } = await import('../../src/compiler/index.ts')
  const cache = process.env.ZKML_TEST_CACHE
  if (!cache || !existsSync(cache) || opts.onProgress || opts.onWarning || opts.groth16Setup) return compileModel(opts)
  const { outDir, onnx, ...rest } = opts
  const key = sha256Hex(new Uint8Array(Buffer.concat([Buffer.from(onnx), Buffer.from(JSON.stringify(rest, Object.keys(rest).sort()))]))).slice(2, 18)
  const hit = join(cache, `${opts.name}-${key}`)
  if (!existsSync(hit)) {
    // Compiled aside and renamed into place: a file killed mid-compile leaves no half circuit behind.
    const tmp = mkdtempSync(join(cache, `${opts.name}-${key}.tmp-`))
    await compileModel({ ...opts, outDir: tmp })
    try {
      renameSync(tmp, hit)
    } catch (e) {
      // Integration files run two at a time: another file compiled the same circuit first. Its copy is
      // as good as ours (same options); keep it.
      if (!existsSync(hit)) throw e
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  cpSync(hit, outDir, { recursive: true })
  const { parseManifest } = await import('../../src/compiler/manifest.ts')
  return { manifest: parseManifest(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'))), dir: outDir }
}
