#!/usr/bin/env bash
# Regenerates the committed PTX of kernels/src/main/cuda/*.cu for sm_80 and sm_90, and the manifest that ties
# them to their sources (PtxResourcesTest checks both). Deterministic: same nvcc, same bytes.
#   kernels/scripts/build-ptx.sh            writes into kernels/src/main/resources/zest/kernels/ptx
#   kernels/scripts/build-ptx.sh OUT_DIR    writes into OUT_DIR (the test regenerates into a temporary folder)
# PTX from CUDA 13's nvcc is ISA 9.0: the driver that JIT-compiles it must support CUDA 13 (R580 or newer).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/zest/kernels/ptx}"
nvcc="${NVCC:-nvcc}"
archs=(sm_80 sm_90)
mkdir -p "$out"
for arch in "${archs[@]}"; do
  mkdir -p "$out/$arch"
  for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    # -O3 default device optimisation; no -lineinfo/-G (they embed paths); explicit std for reproducibility
    "$nvcc" -ptx -arch="$arch" -std=c++17 -o "$out/$arch/$name.ptx" "$cu"
  done
done
# manifest: the nvcc that made the PTX and a SHA-256 of every source it was made from (sorted, stable)
{
  echo "nvcc $("$nvcc" --version | sed -n 's/.*release [0-9.]*, \(V[0-9.]*\).*/\1/p')"
  (cd "$src" && for f in $(ls *.cu *.cuh | LC_ALL=C sort); do echo "source $(sha256sum "$f" | cut -d' ' -f1) $f"; done)
  for arch in "${archs[@]}"; do
    (cd "$out" && for f in $(ls "$arch"/*.ptx | LC_ALL=C sort); do echo "ptx $(sha256sum "$f" | cut -d' ' -f1) $f"; done)
  done
} > "$out/manifest.txt"
