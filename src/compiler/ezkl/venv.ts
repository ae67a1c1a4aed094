import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BaseError } from '../../errors/index.ts'

/** The ezkl wheel this backend is written against (v23's signatures; see bridge.py). */
export const EZKL_VERSION = '23.0.5'
/** The onnx package the bridge builds the context-augmented graph with. */
export const ONNX_PY_VERSION = '1.23.2'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** Where the git-ignored virtualenv lives: `ZKML_EZKL_VENV` or `<repo>/.venv`. */
export function venvDir(): string {
  return process.env.ZKML_EZKL_VENV ?? join(repoRoot, '.venv')
}

/** The virtualenv's Python interpreter. */
export function venvPython(): string {
  return join(venvDir(), 'bin', 'python')
}

/** The command a user runs by hand to create the venv (quoted in every EZKL_UNAVAILABLE). */
export const installCommand = `npx tsx scripts/ezkl-venv.mts   # = python3 -m venv .venv && .venv/bin/pip install ezkl==${EZKL_VERSION} onnx==${ONNX_PY_VERSION}`

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) =>
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() || (err ? err.message : '') }),
    )
  })
}

async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(venvPython())) return undefined
  const r = await run(venvPython(), ['-c', 'import ezkl, onnx; print(ezkl.__version__)'], 60_000)
  return r.ok ? r.out.split('\n').pop()!.trim() : undefined
}

let ready: Promise<string> | undefined

/**
 * Makes sure `.venv` holds the pinned ezkl wheel, creating it with `python3 -m venv` and `pip`
 * on first use (one progress line on stderr). Resolves to the venv's python. Throws
 * `EZKL_UNAVAILABLE` with the exact command to run when Python or PyPI is missing.
 * Memoised per process; a failure is not, so a later call retries.
 *
 * @example
 * ```ts
 * import { ensureEzklVenv } from './src/compiler/ezkl/venv.ts'
 * const python = await ensureEzklVenv() // '/…/zkml-oracle/.venv/bin/python'
 * ```
 */
export function ensureEzklVenv(opts: { onProgress?: (line: string) => void } = {}): Promise<string> {
  ready ??= install(opts.onProgress ?? ((l) => process.stderr.write(`${l}\n`)))
  ready.catch(() => (ready = undefined))
  return ready
}

async function install(progress: (line: string) => void): Promise<string> {
  // Both wheels' dist-info present: done, without paying for a Python start that imports them.
  if ((await ezklInstalled()) && hasDistInfo(`onnx-${ONNX_PY_VERSION}`)) return venvPython()
  const have = await installedVersion()
  if (have === EZKL_VERSION) return venvPython()
  const unavailable = (what: string, got: string) =>
    new BaseError('EZKL_UNAVAILABLE', `The ezkl backend is not installed: ${what}.`, {
      details: `expected ${what.replace(/^no /, '')}, got ${got.slice(0, 400)}; run: ${installCommand}`,
    })
  const py = await run('python3', ['-c', 'import sys, venv; print(sys.version.split()[0])'], 30_000)
  if (!py.ok) throw unavailable('no python3 with the venv module on PATH', py.out || 'no python3')
  progress(`ezkl: installing ezkl ${EZKL_VERSION} and onnx ${ONNX_PY_VERSION} into ${venvDir()} (first use, about 180 MB)…`)
  if (!existsSync(venvPython())) {
    const v = await run('python3', ['-m', 'venv', venvDir()], 120_000)
    if (!v.ok) throw unavailable('no virtualenv could be created', v.out)
  }
  const pip = await run(venvPython(), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `ezkl==${EZKL_VERSION}`, `onnx==${ONNX_PY_VERSION}`], 900_000)
  if (!pip.ok) throw unavailable(`no ezkl==${EZKL_VERSION} from pip`, pip.out)
  const now = await installedVersion()
  if (now !== EZKL_VERSION) throw unavailable(`no ezkl ${EZKL_VERSION} importable in the venv`, now ?? 'an import error')
  progress(`ezkl: ${EZKL_VERSION} ready in ${venvDir()}`)
  return venvPython()
}

/**
 * Whether the pinned wheel is already installed (no install attempt, no Python started): a worker
 * advertises the `ezkl` backend only then.
 *
 * @example
 * ```ts
 * if (await ezklInstalled()) backends.push('ezkl')
 * ```
 */
export async function ezklInstalled(): Promise<boolean> {
  // The wheel's dist-info, not an import: a worker checks this at start-up and Python is slow to import ezkl.
  return hasDistInfo(`ezkl-${EZKL_VERSION}`)
}

function hasDistInfo(nameVersion: string): boolean {
  const lib = join(venvDir(), 'lib')
  if (!existsSync(venvPython()) || !existsSync(lib)) return false
  return readdirSync(lib).some((py) => existsSync(join(lib, py, 'site-packages', `${nameVersion}.dist-info`)))
}
