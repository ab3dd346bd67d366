#!/usr/bin/env bash
# Builds aivm and runs the whole test suite:
#   1. libFuzzer over the loader and verifiers, two forked jobs for 45 s, seeded with real bundles.
#   2. AddressSanitizer + UBSan with the interpreter compiled as a switch: the format, VM
#      (verifier, byte-flip), model, kernel and compiler tests.
#   3. AArch64 cross build: the runtime and kernel tests under qemu-aarch64 (NEON kernels).
#   4. Release build, computed-goto dispatch: every test (last, so its summary closes the log),
#      including the exported-model test (tests/models/exported_models.sh, label zoo), which
#      needs Debian's torch: run tools/setup.sh --with-models first.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS
stage() { echo "== test.sh: $1 (at $((SECONDS - start)) s)"; }

stage "release build"

cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
if ! ctest --preset release -N -L zoo | grep -q "Total Tests: [1-9]"; then
  echo "test.sh: the exported-model test is not registered: it needs Debian's torch and" \
       "torchvision (bash tools/setup.sh --with-models), then a fresh cmake --preset release" >&2
  exit 1
fi

if command -v clang++ >/dev/null; then
  stage "fuzz"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j"$jobs" --target bundle_fuzzer
  corpus=build-fuzz/corpus
  mkdir -p "$corpus"
  build/aivmc examples/digits/digits.onnx -o "$corpus/digits.aivm"
  build/aivmc examples/digits/digits.onnx -o "$corpus/digits-portable.aivm" --target portable
  build/aivmc tests/compiler/data/tiny_cnn.onnx -o "$corpus/tiny_cnn.aivm" --shape x=2,3,4,4
  ASAN_OPTIONS=allocator_may_return_null=1 build-fuzz/tests/fuzz/bundle_fuzzer "$corpus" \
    -fork=2 -max_total_time=45 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 12
fi

# AddressSanitizer + UBSan, with the interpreter compiled as a switch (the release build uses
# computed goto), so the one stage checks both the sanitizers and the other dispatch. Built at
# -O1 -g1 (CMakePresets.json): the dtype-templated kernels take minutes per file at -O2 -g.
# aivmc and aivm too: the control-flow test compiles ONNX models and runs them with the runner.
stage "asan+ubsan, switch dispatch"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs" --target format_tests vm_tests models_tests kernels_tests compiler_tests aivmc aivm_runner
ctest --preset asan -j"$jobs" -L 'format|vm|models|kernels|compiler'

stage "aarch64 under qemu"
tools/test-aarch64.sh

stage "release ctest"
ctest --preset release -j"$jobs"
stage "done"
