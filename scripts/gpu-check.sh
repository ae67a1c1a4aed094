#!/usr/bin/env bash
# The GPU check, for a GPU host (target: H200, CUDA 13 driver; no network, maybe no cargo or node).
# Runs .gpu-pack/gpu_check (built here by scripts/gpu-pack.sh) within ~9 minutes:
#   GPU MSM = CPU MSM on random inputs 2^16..2^22, timed; a GPU Groth16 proof of a synthetic
#   circuit at 2^16..2^22 equal to the CPU's for the same blinding, timed; batched pool-risk
#   proofs/s, GPU against CPU; one summary table. The smallest proof, its public signals and
#   verification key are written out, for `snarkjs groth16 verify` (here if node is there, or
#   back on the dev machine).
# Output: $OUT/gpu-check (when $OUT is set), else ./gpu-check-out. Exit 0: all checks passed;
# 1: a check failed; 3: no GPU (said plainly); 4: the pack is missing or will not load here.
#
#   bash scripts/gpu-check.sh [--cpu-only] [extra gpu_check flags, e.g. --max-log 20]
set -uo pipefail
cd "$(dirname "$0")/.."
pack=.gpu-pack
out="${OUT:+$OUT/gpu-check}"
out="${out:-gpu-check-out}"
mkdir -p "$out"
say() { echo "gpu-check: $*"; }

say "host $(uname -n), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | sed 's/^/gpu-check: nvidia-smi: /'
else
  say "no nvidia-smi on PATH"
fi
command -v cargo >/dev/null 2>&1 && say "cargo: $(cargo --version)" || say "no cargo (not needed: the binary is prebuilt)"
command -v node >/dev/null 2>&1 && say "node: $(node --version)" || say "no node (the proof is verified back on the dev machine)"
command -v nvcc >/dev/null 2>&1 && say "nvcc: $(nvcc --version | grep -o 'release [0-9.]*')" || true

bin=""
for b in gpu_check gpu_check-static; do
  if [ -x "$pack/$b" ] && "$pack/$b" --probe >/dev/null 2>&1; then bin="$pack/$b"; break; fi
  [ -x "$pack/$b" ] && say "$b does not load here: $("$pack/$b" --probe 2>&1 | head -1)"
done
if [ -z "$bin" ]; then
  say "expected a prebuilt $pack/gpu_check that loads here, found none: run bash scripts/gpu-pack.sh on the dev machine and bring $pack along"
  exit 4
fi
say "running $bin"
[ -f "$pack/MANIFEST" ] && sed 's/^/gpu-check: pack: /' "$pack/MANIFEST"

batch=()
if [ -f "$pack/pool-risk.zkey" ]; then
  w=$(ls "$pack"/pool-risk-*.wtns 2>/dev/null | tr '\n' ',')
  [ -n "$w" ] && batch=(--batch-zkey "$pack/pool-risk.zkey" --batch-wtns "$w" --batch-n 256)
fi

timeout 570 "$bin" --out "$out" --budget-s 450 "${batch[@]}" "$@" 2> "$out/gpu_check.log"
rc=$?
tail -n 40 "$out/gpu_check.log" | sed 's/^/gpu-check: log: /'
case $rc in
  0) ;;
  3) say "no GPU: the CUDA runtime sees no device (no NVIDIA driver, or none visible); nothing was measured"; exit 3 ;;
  124) say "gpu_check ran past its 570 s limit; partial output in $out" ;;
  *) say "gpu_check failed (exit $rc): see $out/gpu_check.log" ;;
esac

if [ -f "$out/proof.json" ]; then
  if command -v node >/dev/null 2>&1 && [ -d node_modules/snarkjs ]; then
    node node_modules/snarkjs/build/cli.cjs groth16 verify "$out/verification_key.json" "$out/public.json" "$out/proof.json" 2>&1 | sed 's/^/gpu-check: snarkjs: /'
  else
    say "proof written: verify on the dev machine with: npx snarkjs groth16 verify $out/verification_key.json $out/public.json $out/proof.json"
  fi
fi
[ "$rc" = 0 ] && say "all checks passed" || true
exit $rc
