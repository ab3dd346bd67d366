#!/usr/bin/env bash
# Installs what aivm needs on a fresh Debian 12 machine: the C++ toolchain and libraries from
# Debian's archive, and a Python venv (.venv) with the test tooling from PyPI. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build git
  flatbuffers-compiler libflatbuffers-dev          # bundle schema
  libprotobuf-dev protobuf-compiler libonnx-dev    # compiler side only: ONNX import
  libgtest-dev libgmock-dev libbenchmark-dev       # tests and benchmarks
  libopenblas-dev libdnnl-dev                      # GEMM benchmark peers (bench/ only)
  clang libclang-rt-14-dev                         # libFuzzer and sanitizers
  g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user  # AArch64 cross build, tests under qemu
  python3 python3-venv                             # test tooling venv
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# --with-models: PyTorch and torchvision from Debian, for bench/models/export_models.py and
# examples/digits/train.py (large; the tests and the demo do not need them).
if [ "${1:-}" = "--with-models" ]; then
  for p in python3-torch python3-torchvision python3-onnx python3-sklearn; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi

if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's python3 (not whatever python3 is first on PATH) so python3-venv matches.
PY=/usr/bin/python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Installed at the pinned versions, not merely importable: a venv made before a pin changed
# would otherwise keep its old packages.
pins_ok() {
  .venv/bin/python - tools/requirements-test.txt <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if "==" in line:
        name, want = line.split("==")
        if version(name.strip()) != want.strip():
            sys.exit(1)
PY
}
if ! pins_ok; then
  .venv/bin/pip install -q --disable-pip-version-check -r tools/requirements-test.txt
fi
echo "setup: ok"
