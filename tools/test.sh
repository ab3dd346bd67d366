#!/usr/bin/env bash
# Builds aivm and runs the whole test suite: the Release build with computed-goto dispatch,
# then the byte-flip and verifier tests again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs" --target format_tests vm_tests aivmc aivm_runner
ctest --preset asan -j"$jobs" -L 'format|vm'
