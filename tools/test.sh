#!/usr/bin/env bash
# Builds aivm and runs the whole test suite:
#   1. Release build, computed-goto dispatch: every test.
#   2. The same interpreter compiled as a switch: the VM and model tests.
#   3. AddressSanitizer + UBSan: the format, VM (verifier, byte-flip) and model tests.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

cmake --preset switch-dispatch >/dev/null
cmake --build --preset switch-dispatch -j"$jobs" --target vm_tests models_tests
ctest --preset switch-dispatch -j"$jobs" -L 'vm|models'

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs" --target format_tests vm_tests models_tests
ctest --preset asan -j"$jobs" -L 'format|vm|models'
