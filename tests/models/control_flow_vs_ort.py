#!/usr/bin/env python3
"""ONNX If, Loop and Scan models built with onnx.helper, compiled by aivmc, run by `aivm run`, and
compared with ONNX Runtime on several inputs. Also checks that `aivm dis` shows the jumps
(jmpz for If, loop for Loop and Scan): control flow is compiled, not interpreted per iteration.

  control_flow_vs_ort.py --build BUILD_DIR
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper


def if_model() -> onnx.ModelProto:
    """y = If(sum(x) > 0, then: relu(x) * 2 + bias, else: -x + bias) with bias from outside."""
    then_g = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "two"], ["r2"]),
         helper.make_node("Add", ["r2", "bias"], ["then_out"])],
        "then_body", [], [helper.make_tensor_value_info("then_out", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])])
    else_g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["n"]), helper.make_node("Add", ["n", "bias"], ["else_out"])],
        "else_body", [], [helper.make_tensor_value_info("else_out", TensorProto.FLOAT, [2, 3])])
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["c"]),
        helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g),
    ]
    g = helper.make_graph(
        nodes, "if_model", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
         helper.make_tensor("bias", TensorProto.FLOAT, [3], [0.5, -1.0, 2.0])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def loop_model() -> onnx.ModelProto:
    """Two loops over x[3]:
    counted (M = 4, no cond): y = y * 0.5 + x * i, scan output of y at every iteration;
    while (no M): z = z * 2 + 1 while sum(z) < 200 (data-dependent iteration count)."""
    counted_body = helper.make_graph(
        [helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
         helper.make_node("Mul", ["y_in", "half"], ["h"]),
         helper.make_node("Mul", ["x", "fi"], ["xi"]),
         helper.make_node("Add", ["h", "xi"], ["y_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Identity", ["y_out"], ["scan"])],
        "counted_body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("y_in", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("y_out", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("scan", TensorProto.FLOAT, [3])],
        [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5])])
    while_body = helper.make_graph(
        [helper.make_node("Mul", ["z_in", "two"], ["d"]),
         helper.make_node("Add", ["d", "one"], ["z_out"]),
         helper.make_node("ReduceSum", ["z_out"], ["s"], keepdims=1),  # cond_out [1], cond []
         helper.make_node("Less", ["s", "limit"], ["cond_out"])],
        "while_body",
        [helper.make_tensor_value_info("j", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("z_in", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, [1]),
         helper.make_tensor_value_info("z_out", TensorProto.FLOAT, [3])],
        [helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
         helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])])
    nodes = [
        helper.make_node("Loop", ["M", "", "x"], ["y", "ys"], body=counted_body),
        helper.make_node("ReduceSum", ["x"], ["sx"], keepdims=0),
        helper.make_node("Less", ["sx", "limit"], ["go"]),
        helper.make_node("Abs", ["x"], ["ax"]),
        helper.make_node("Loop", ["", "go", "ax"], ["z"], body=while_body),
    ]
    g = helper.make_graph(
        nodes, "loop_model", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("ys", TensorProto.FLOAT, [4, 3]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [3])],
        [helper.make_tensor("M", TensorProto.INT64, [], [4]),
         helper.make_tensor("limit", TensorProto.FLOAT, [], [200.0])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def scan_model() -> onnx.ModelProto:
    """Scan-9 over x[2,4,3] along axis 1 in reverse: a running sum s (state) and its product
    with the row, the scan output stacked in reverse along output axis 1."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "row"], ["s_out"]),
         helper.make_node("Mul", ["s_out", "row"], ["scan_out"])],
        "scan_body",
        [helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("row", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("scan_out", TensorProto.FLOAT, [2, 3])])
    node = helper.make_node("Scan", ["s0", "x"], ["s", "ys"], body=body, num_scan_inputs=1,
                            scan_input_axes=[1], scan_input_directions=[1],
                            scan_output_axes=[1], scan_output_directions=[1])
    g = helper.make_graph(
        [node], "scan_model", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("ys", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor("s0", TensorProto.FLOAT, [2, 3], [0.5] * 6)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def scan8_model() -> onnx.ModelProto:
    """Scan-8 (batch axis 0, no sequence_lens) over x[2,4,3] in reverse: a running sum."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "row"], ["s_out"]), helper.make_node("Identity", ["s_out"], ["scan_out"])],
        "scan8_body",
        [helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("row", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("scan_out", TensorProto.FLOAT, [3])])
    node = helper.make_node("Scan", ["", "s0", "x"], ["s", "ys"], body=body, num_scan_inputs=1, directions=[1])
    g = helper.make_graph(
        [node], "scan8_model", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("ys", TensorProto.FLOAT, [2, 4, 3])],
        [helper.make_tensor("s0", TensorProto.FLOAT, [2, 3], [0.5, 1, 2, 3, 4, 5])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 8)], ir_version=8)


def check(name: str, model: onnx.ModelProto, inputs: list[np.ndarray], build: str, work: str,
          jump: str) -> list[str]:
    onnx.checker.check_model(model)
    path = os.path.join(work, name + ".onnx")
    onnx.save(model, path)
    bundle = os.path.join(work, name + ".aivm")
    subprocess.run([os.path.join(build, "aivmc"), path, "-o", bundle], check=True)
    dis = subprocess.run([os.path.join(build, "aivm"), "dis", bundle], check=True, capture_output=True, text=True).stdout
    problems = []
    if not any(line.split(":", 1)[-1].strip().startswith(jump + " ") for line in dis.splitlines()):
        problems.append(f"{name}: `aivm dis` shows no {jump} instruction")
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    out_names = [o.name for o in model.graph.output]
    for k, x in enumerate(inputs):
        x_path = os.path.join(work, f"{name}_x{k}.npy")
        np.save(x_path, x)
        out_dir = os.path.join(work, f"{name}_out{k}")
        subprocess.run([os.path.join(build, "aivm"), "run", bundle, "--input", f"x={x_path}", "--output-dir", out_dir],
                       check=True, capture_output=True)
        want = session.run(None, {"x": x})
        for o, w in zip(out_names, want):
            got = np.load(os.path.join(out_dir, o + ".npy"))
            if got.shape != w.shape or not np.allclose(got, w, rtol=1e-5, atol=1e-6):
                problems.append(f"{name} input {k} output {o}: aivm {got.tolist()} vs onnxruntime {w.tolist()}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory(prefix="aivm-control-flow-") as work:
        xs_if = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
        xs_if += [np.abs(xs_if[0]), -np.abs(xs_if[1])]  # both arms for sure
        xs_loop = [rng.standard_normal(3).astype(np.float32) * s for s in (0.1, 1, 10, 100)]
        problems = check("if", if_model(), xs_if, args.build, work, "jmpz")
        problems += check("loop", loop_model(), xs_loop, args.build, work, "loop")
        xs_scan = [rng.standard_normal((2, 4, 3)).astype(np.float32) for _ in range(3)]
        problems += check("scan", scan_model(), xs_scan, args.build, work, "loop")
        problems += check("scan8", scan8_model(), xs_scan, args.build, work, "loop")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"control flow vs onnxruntime: {'FAILED' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
