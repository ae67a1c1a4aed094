#!/usr/bin/env bash
# Makes the prepared powers-of-tau file used by tests and the demo: fixtures/ptau/pot<POWER>_final.ptau.
# FOR TESTS/DEMO ONLY: a single local contributor plus a public beacon is not a trusted setup.
# Production must point at a public ceremony file (e.g. the Hermez/Polygon powersOfTau28_hez_final_*.ptau).
#
# Usage: scripts/make-ptau.sh [power=15] [outdir=fixtures/ptau]
set -euo pipefail
POWER="${1:-15}"
OUT="${2:-$(cd "$(dirname "$0")/.." && pwd)/fixtures/ptau}"
SNARKJS="${SNARKJS:-$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/snarkjs}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

step() { local name="$1"; shift; local t0; t0=$(date +%s); "$@"; echo "[make-ptau] $name: $(( $(date +%s) - t0 ))s"; }

step "new" "$SNARKJS" powersoftau new bn128 "$POWER" "$TMP/pot_0000.ptau"
# The contribution entropy is random and discarded: nobody, including us, keeps the toxic waste.
step "contribute" "$SNARKJS" powersoftau contribute "$TMP/pot_0000.ptau" "$TMP/pot_0001.ptau" \
  --name="zkml-oracle test contribution" -e="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Beacon: a fixed public value, hashed 2^10 times, closes phase 1 reproducibly.
step "beacon" "$SNARKJS" powersoftau beacon "$TMP/pot_0001.ptau" "$TMP/pot_beacon.ptau" \
  0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 10 -n="zkml-oracle final beacon"
step "prepare phase2" "$SNARKJS" powersoftau prepare phase2 "$TMP/pot_beacon.ptau" "$OUT/pot${POWER}_final.ptau"
step "verify" "$SNARKJS" powersoftau verify "$OUT/pot${POWER}_final.ptau"
sha256sum "$OUT/pot${POWER}_final.ptau"
