#!/usr/bin/env bash
# Builds what scripts/gpu-check.sh needs on a GPU host, into .gpu-pack/ (git-ignored; it travels
# with a copy of the repository, well under 64 MiB):
#   .gpu-pack/gpu_check             the check binary: CUDA kernels for sm_90 (nvcc 13.0 from PyPI),
#                                   the CUDA runtime linked statically; needs glibc 2.34+, libstdc++
#                                   of GCC 12+ (GLIBCXX_3.4.30) and an NVIDIA driver for CUDA 13
#   .gpu-pack/gpu_check-static      the same with libstdc++ linked in too: needs glibc 2.36+ (its
#                                   std::random_device calls arc4random), no libstdc++;
#                                   scripts/gpu-check.sh runs whichever of the two loads there
#   .gpu-pack/pool-risk.zkey        the bundled pool-risk circuit's key (test-only ptau) and
#   .gpu-pack/pool-risk-<i>.wtns    witnesses, for the batched proofs/s step
#   .gpu-pack/pool-risk.vkey.json   to verify what comes back
#   .gpu-pack/MANIFEST              what was built, with which nvcc, sizes
# Needs cargo, node and python3 (pip reaches PyPI for the nvcc wheels). ZKML_CUDA_ARCH=90 default.
set -euo pipefail
cd "$(dirname "$0")/.."
pack=.gpu-pack
started=$(date +%s)
mkdir -p "$pack"
# Two builds (each recompiles the kernels: a few minutes apiece on 2 cores).
ZKML_STATIC_CXX=1 node scripts/build-native.mjs --cuda-check
cp native/target/release/gpu_check "$pack/gpu_check-static"
ZKML_STATIC_CXX=0 node scripts/build-native.mjs --cuda-check
cp native/target/release/gpu_check "$pack/gpu_check"
strip "$pack/gpu_check" "$pack/gpu_check-static" 2>/dev/null || true
npx tsx scripts/gpu-pack-circuit.mts "$pack"
nvcc=$(node scripts/cuda-venv.mjs --check)
{
  echo "built $(date -u +%FT%TZ) on $(uname -m), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')"
  echo "nvcc: $("$nvcc" --version | grep -o 'release [0-9.]*, V[0-9.]*')"
  echo "arch: sm_${ZKML_CUDA_ARCH:-90}"
  for b in gpu_check gpu_check-static; do
    echo "$b needs: $(objdump -T "$pack/$b" | grep -o 'GLIBC_[0-9.]*' | sort -V | uniq | tail -1)" \
      "$(objdump -T "$pack/$b" | grep -o 'GLIBCXX_[0-9.]*' | sort -V | uniq | tail -1)," \
      "$(objdump -p "$pack/$b" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')"
  done
  du -b "$pack"/* | awk '{printf "%10d  %s\n", $1, $2}'
} > "$pack/MANIFEST"
cat "$pack/MANIFEST"
echo "gpu-pack: $(du -sh "$pack" | cut -f1) in $pack, $(( $(date +%s) - started )) s; run on the GPU host: bash scripts/gpu-check.sh"
