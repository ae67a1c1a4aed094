#!/usr/bin/env node
// Builds the native Groth16 prover (native/, Rust + napi-rs) from source with cargo and copies the
// library to native/zkml-native.node (git-ignored), where src/prover/engines/native/ loads it.
// No download happens beyond crates.io (Cargo.lock is committed). Without cargo it exits 0 with a
// warning: the network then proves with snarkjs. `--if-stale` skips the build when the addon exists and
// is newer than every source file of the crate (a pull that changes the Rust code rebuilds it).
//
//   node scripts/build-native.mjs [--if-stale] [--quiet]     build (and install) the addon
//   node scripts/build-native.mjs --test                      cargo test (no napi bindings)
//   node scripts/build-native.mjs --cuda                      the addon with GPU MSM (feature `cuda`;
//                                                             nvcc from PyPI into .venv-cuda first)
//   node scripts/build-native.mjs --cuda-check                compile the CUDA code for sm_90 and link
//                                                             the gpu_check binary (no GPU needed)
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureCudaVenv } from './cuda-venv.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const crate = join(root, 'native')
const out = join(crate, 'zkml-native.node')
const args = new Set(process.argv.slice(2))

/**
 * ark-ff's assembly field multiplication needs BMI2 and ADX at compile time (it is 1.5-2x faster than
 * the portable code). Enabled only when this CPU has both: the addon is built where it runs, so it
 * never meets a CPU without them. The same flags must go to `cargo test` or every crate rebuilds.
 */
export function nativeRustflags() {
  let info = ''
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    return ''
  }
  return /\bbmi2\b/.test(info) && /\badx\b/.test(info) ? '-C target-feature=+bmi2,+adx' : ''
}

function cargoEnv() {
  const flags = nativeRustflags()
  return { ...process.env, CARGO_BUILD_JOBS: process.env.CARGO_BUILD_JOBS ?? '2', ...(flags ? { RUSTFLAGS: flags } : {}) }
}

/** cargoEnv plus nvcc (installed from PyPI into .venv-cuda when missing) for feature `cuda`. */
function cudaEnv(quiet) {
  const { nvcc } = ensureCudaVenv({ quiet })
  const env = cargoEnv()
  return { ...env, NVCC: nvcc, PATH: `${dirname(nvcc)}${delimiter}${env.PATH ?? ''}` }
}

/**
 * Compiles the CUDA kernels (native/cuda/, sm_90) and links the gpu_check binary: proof that the
 * GPU code builds, on a machine without a GPU. Exit code; the binary is native/target/release/gpu_check.
 */
export function buildCudaCheck({ quiet = false } = {}) {
  if (spawnSync('cargo', ['--version']).status !== 0) {
    console.warn('zkml: cargo not found: the CUDA code is not compiled')
    return 0
  }
  let env
  try {
    env = cudaEnv(quiet)
  } catch (e) {
    console.error(e.message)
    return 1
  }
  const started = Date.now()
  const r = spawnSync('cargo', ['build', '--release', '--no-default-features', '--features', 'cuda', '--bin', 'gpu_check'], { cwd: crate, env, stdio: 'inherit' })
  if (!quiet && r.status === 0) process.stderr.write(`zkml: CUDA code compiled for sm_${env.ZKML_CUDA_ARCH ?? '90'} and gpu_check linked in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  return r.status ?? 1
}

/** The newest modification time (ms) of the crate's sources: Cargo files, build script, src/, cuda/. */
function newestSource() {
  let newest = 0
  const walk = (p) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name))
    else newest = Math.max(newest, st.mtimeMs)
  }
  for (const p of ['Cargo.toml', 'Cargo.lock', 'build.rs', 'src', 'cuda']) walk(join(crate, p))
  return newest
}

/** Whether native/zkml-native.node exists and is newer than every source of the crate. */
export function addonUpToDate() {
  return existsSync(out) && statSync(out).mtimeMs >= newestSource()
}

export async function buildNative({ ifStale = false, quiet = false, cuda = false } = {}) {
  if (ifStale && addonUpToDate()) return { built: false, path: out }
  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
  if (cargo.status !== 0) {
    console.warn('zkml: cargo not found: the native prover is not built; workers prove with snarkjs (install Rust from rustup or your distribution to build it)')
    return { built: false, path: undefined }
  }
  const started = Date.now()
  if (!quiet) process.stderr.write('zkml: building the native prover (cargo build --release in native/; a few minutes the first time)…\n')
  const code = await new Promise((resolve) => {
    let env
    try {
      env = cuda ? cudaEnv(quiet) : cargoEnv()
    } catch (e) {
      process.stderr.write(`${e.message}\n`)
      resolve(1)
      return
    }
    const p = spawn('cargo', ['build', '--release', '--lib', '--message-format=short', ...(cuda ? ['--features', 'cuda'] : [])], {
      cwd: crate,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let n = 0
    let tail = ''
    p.stderr.on('data', (d) => {
      const text = String(d)
      tail = (tail + text).slice(-4000)
      for (const line of text.split('\n')) {
        const m = /^\s*Compiling (\S+)/.exec(line)
        if (m && !quiet) process.stderr.write(`\r  compiling ${++n}: ${m[1].padEnd(28)}`)
      }
    })
    p.on('close', (c) => {
      if (!quiet && n) process.stderr.write('\n')
      if (c !== 0) process.stderr.write(tail)
      resolve(c)
    })
    p.on('error', () => resolve(1))
  })
  if (code !== 0) {
    console.warn('zkml: the native prover failed to build (above); workers prove with snarkjs')
    return { built: false, path: undefined }
  }
  // Copy then rename: another process (a second worker building at the same time) may be loading
  // the addon, and must see either the old file or the whole new one.
  const tmp = `${out}.${process.pid}.tmp`
  copyFileSync(join(crate, 'target', 'release', 'libzkml_native.so'), tmp)
  renameSync(tmp, out)
  if (!quiet) process.stderr.write(`zkml: native prover built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${out}\n`)
  return { built: true, path: out }
}

/** Runs the crate's Rust tests (readers' golden bytes, MSMs) with the addon's flags; exit code. */
export function testNative() {
  if (spawnSync('cargo', ['--version']).status !== 0) {
    console.warn('zkml: cargo not found: the native prover\'s Rust tests are skipped')
    return 0
  }
  return spawnSync('cargo', ['test', '--release', '--no-default-features'], { cwd: crate, env: cargoEnv(), stdio: 'inherit' }).status ?? 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (args.has('--test')) process.exit(testNative())
  if (args.has('--cuda-check')) process.exit(buildCudaCheck({ quiet: args.has('--quiet') }))
  const r = await buildNative({ ifStale: args.has('--if-stale') || args.has('--if-missing'), quiet: args.has('--quiet'), cuda: args.has('--cuda') })
  if (args.has('--cuda') && !r.built) process.exit(1)
}
