#!/usr/bin/env bash
# Cross-builds the runtime (isa, format, kernels, vm, the aivm runner) and its tests for
# AArch64 with Debian's g++-aarch64-linux-gnu (preset aarch64), then runs the tests under
# qemu-aarch64 through ctest: the GEMM tests pick the NEON variant from gemm.inc by
# themselves. The compiler is not built (protobuf/ONNX are not cross-installed), so neither
# are the VM, ISA and model tests, which build their bundles with it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "test-aarch64: $tool missing; run tools/setup.sh" >&2; exit 1; }
done

start=$SECONDS
cmake --preset aarch64 >/dev/null
cmake --build --preset aarch64 -j"$jobs"
built=$SECONDS

# The test preset sets AIVM_GEMM_SWEEP_QUICK=1: emulation is ~10x slower than native.
ctest --preset aarch64 -j"$jobs"
echo "test-aarch64: $(ctest --preset aarch64 -N | tail -n 1 | sed 's/^ *//') ran under $(qemu-aarch64 --version | head -n 1);" \
  "build $((built - start)) s, tests $((SECONDS - built)) s"
