"""Writes a one-MatMul ONNX model: x[1024,1024] @ W (a constant 1024x1024 initializer).

Used to measure GEMM through the whole VM path (issue: GEMM at the machine's peak):
  .venv/bin/python bench/make_matmul_model.py build/mm1024.onnx
  build/aivmc build/mm1024.onnx -o build/mm1024.aivm
  build/aivm bench build/mm1024.aivm --threads 1 --iters 20 --json      # 2*1024^3 flop per run
  build/bench/gemm_bench --benchmark_filter='peak_avx512/0x0x0/threads:1'  # the FMA peak, same machine
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "mm1024.onnx"
    w = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "matmul1024",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1024, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1024, 1024])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), out)


if __name__ == "__main__":
    main()
