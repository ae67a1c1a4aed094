#!/usr/bin/env node
// Installs NVIDIA's CUDA compiler from PyPI (no system CUDA toolkit needed) into the git-ignored
// `.venv-cuda/` (or ZKML_CUDA_VENV), pinned, and prints where nvcc is. Used by
// `node scripts/build-native.mjs --cuda` and `.ci/run` (compile-only: no GPU is needed to build).
//
// A venv of its own, beside the ezkl one (.venv): the toolkit is ~300 MB and pip-resolves on its
// own, so either can be deleted or rebuilt without the other.
//
// The wheels (all NVIDIA proprietary licence, downloaded by pip from PyPI, never redistributed here):
//   nvidia-cuda-nvcc 13.0.88   nvcc, ptxas, nvlink, fatbinary, cudafe++ (bin/)
//   nvidia-nvvm      13.0.88   cicc and libdevice (nvvm/)
//   nvidia-cuda-crt  13.0.88   crt/ headers nvcc needs
//   nvidia-cuda-runtime 13.0.96  cuda_runtime.h, libcudart_static.a (linked statically: the
//                                binary needs only the driver's libcuda.so on the GPU host)
//   nvidia-cuda-cccl 13.0.85   CUB/Thrust/libcu++ headers
// CUDA 13.0: its sm_90 (H100/H200) SASS runs on any CUDA 13.x driver (≥ 580). The cu12 wheels on
// PyPI ship ptxas only, no nvcc, so 12.x is not an option here.
//
// The wheels lay the toolkit out as nvidia/cu13/{bin,include,lib,nvvm}; nvcc.profile looks for
// libraries in lib64/, so a symlink lib64 → lib is added.
//
//   node scripts/cuda-venv.mjs            install if missing; prints the nvcc path
//   node scripts/cuda-venv.mjs --check    exit 1 (with the install command) if not installed
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The pinned wheels (exact versions: a new nvcc may change code generation). */
export const CUDA_WHEELS = [
  'nvidia-cuda-nvcc==13.0.88',
  'nvidia-nvvm==13.0.88',
  'nvidia-cuda-crt==13.0.88',
  'nvidia-cuda-runtime==13.0.96',
  'nvidia-cuda-cccl==13.0.85',
]

export function cudaVenvDir() {
  return process.env.ZKML_CUDA_VENV ?? join(root, '.venv-cuda')
}

/** The toolkit root inside the venv (…/site-packages/nvidia/cu13), or undefined. */
export function cudaHome(venv = cudaVenvDir()) {
  const lib = join(venv, 'lib')
  if (!existsSync(lib)) return undefined
  for (const py of readdirSync(lib)) {
    const home = join(lib, py, 'site-packages', 'nvidia', 'cu13')
    if (existsSync(join(home, 'bin', 'nvcc'))) return home
  }
  return undefined
}

/**
 * Where nvcc is: $NVCC, else the venv's, else one on PATH; undefined when none.
 * Returns { nvcc, home } (home: the toolkit root with include/ and lib64/).
 */
export function findNvcc() {
  if (process.env.NVCC && existsSync(process.env.NVCC)) return { nvcc: process.env.NVCC, home: join(dirname(process.env.NVCC), '..') }
  const home = cudaHome()
  if (home) return { nvcc: join(home, 'bin', 'nvcc'), home }
  const which = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' })
  const p = which.status === 0 ? which.stdout.trim() : ''
  return p ? { nvcc: p, home: join(dirname(p), '..') } : undefined
}

export const installCommand = `node scripts/cuda-venv.mjs   # = python3 -m venv .venv-cuda && .venv-cuda/bin/pip install ${CUDA_WHEELS.join(' ')}`

/** Installs the pinned wheels if the venv lacks nvcc; returns { nvcc, home } or throws with the command. */
export function ensureCudaVenv({ quiet = false } = {}) {
  const venv = cudaVenvDir()
  let home = cudaHome(venv)
  if (!home) {
    if (!quiet) process.stderr.write(`zkml: installing the CUDA compiler (${CUDA_WHEELS.join(', ')}) into ${venv} (about 300 MB)…\n`)
    if (!existsSync(join(venv, 'bin', 'python'))) {
      const v = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' })
      if (v.status !== 0) throw new Error(`CUDA_UNAVAILABLE: expected python3 with the venv module, got: ${(v.stderr || v.error?.message || '').slice(0, 300)}; run: ${installCommand}`)
    }
    const pip = spawnSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...CUDA_WHEELS], { encoding: 'utf8' })
    if (pip.status !== 0) throw new Error(`CUDA_UNAVAILABLE: expected pip to install ${CUDA_WHEELS.join(' ')}, got: ${(pip.stderr || '').slice(-400)}; run: ${installCommand}`)
    home = cudaHome(venv)
    if (!home) throw new Error(`CUDA_UNAVAILABLE: expected nvcc under ${venv}/lib/python*/site-packages/nvidia/cu13/bin after pip, found none; run: ${installCommand}`)
  }
  if (!existsSync(join(home, 'lib64'))) symlinkSync('lib', join(home, 'lib64'))
  return { nvcc: join(home, 'bin', 'nvcc'), home }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const f = findNvcc()
    if (!f) {
      console.error(`no nvcc; run: ${installCommand}`)
      process.exit(1)
    }
    console.log(f.nvcc)
  } else {
    try {
      console.log(ensureCudaVenv().nvcc)
    } catch (e) {
      console.error(e.message)
      process.exit(1)
    }
  }
}
