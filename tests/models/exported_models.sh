#!/usr/bin/env bash
# Issue 3's model test: exports torchvision's resnet18, resnet50, mobilenet_v2,
# mobilenet_v3_small, squeezenet1_1, efficientnet_b0, densenet121, shufflenet_v2_x1_0 and
# googlenet and a BERT-style encoder (random weights) at opsets 13 and 17 with Debian's torch,
# compiles each with aivmc and checks aivm's output against ONNX Runtime's on one random input
# (max |aivm - ORT| <= 1e-3 of max |ORT|). Exports are cached in BUILD/models.
#
#   tests/models/exported_models.sh BUILD
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:?usage: exported_models.sh BUILD}" && pwd)"
for opset in 13 17; do
  /usr/bin/python3 "$repo/bench/models/export_models.py" --out "$build/models" --opset "$opset" >/dev/null
  "$repo/.venv/bin/python" "$repo/bench/models/compare.py" --build "$build" --models-dir "$build/models" \
    --opset "$opset" --threads 1 --no-time --check
done
