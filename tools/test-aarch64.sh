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

# The test preset sets AIVM_GEMM_SWEEP_QUICK=1: emulation is ~10x slower than native. What
# emulation adds is the NEON code, so the portable-kernel variants (/scalar_threads) and the
# two-thread repeats (threads2: the same kernels split by the ISA-independent pool), both run
# natively by the x86 stages, are left out: they took half of the ~220 s of emulated tests.
skip='/scalar_threads|threads2( |$)'
ctest --preset aarch64 -j"$jobs" -E "$skip"
echo "test-aarch64: $(ctest --preset aarch64 -N -E "$skip" | tail -n 1 | sed 's/^ *//') ran under $(qemu-aarch64 --version | head -n 1)"

# End to end, when the native compiler is built (tools/test.sh builds it first): the digits CNN
# compiled here, its weights packed for this machine's x86 kernel, so the AArch64 loader
# repacks them for NEON; the AArch64 runner classifies every held-out digit under qemu and
# must match ONNX Runtime's probabilities (examples/digits/testdata/ref_probs.npy).
if [ -x build/aivmc ] && [ -x .venv/bin/python ]; then
  out=build-aarch64/digits
  rm -rf "$out" && mkdir -p "$out"
  build/aivmc examples/digits/digits.onnx -o "$out/digits.aivm"
  for x in examples/digits/testdata/digit_*.npy; do
    qemu-aarch64 -L /usr/aarch64-linux-gnu build-aarch64/aivm run "$out/digits.aivm" --input input="$x" \
      --output-dir "$out/$(basename "$x" .npy)" >/dev/null 2>"$out/stderr.txt" || { cat "$out/stderr.txt" >&2; exit 1; }
  done
  .venv/bin/python - "$out" examples/digits/testdata <<'PY'
import os, sys
import numpy as np
out, data = sys.argv[1], sys.argv[2]
ref = np.load(os.path.join(data, "ref_probs.npy"))
got = np.stack([np.load(os.path.join(out, "digit_%02d" % i, "probs.npy")).reshape(-1) for i in range(len(ref))])
diff = float(np.abs(got - ref).max())
print("test-aarch64: digits CNN, %d images under qemu: max |aivm - onnxruntime| = %.2g" % (len(ref), diff))
sys.exit(0 if diff <= 1e-4 else "test-aarch64: digits differ from ONNX Runtime by more than 1e-4")
PY
  grep -q "repacked at load for neon" "$out/stderr.txt" || echo "test-aarch64: note: the bundle was not repacked"
fi
echo "test-aarch64: build $((built - start)) s, tests $((SECONDS - built)) s"
