#!/usr/bin/env python3
"""Symbolic input dims (issue 3): models with a symbolic batch (and sequence) dim, built with
onnx.helper, compiled once by aivmc without --shape, run by `aivm run` at several shapes and
compared with ONNX Runtime (max |aivm - ORT| <= 1e-3 of max |ORT|). A model whose code depends
on the symbol's value must fail to compile with a message naming the node and --shape. With
Debian's torch (tools/setup.sh --with-models), also torchvision's resnet18 exported with a
dynamic batch axis, at batch 1, 2 and 3, and the benchmark's BERT-style encoder with dynamic
batch and sequence axes.

  symbolic_vs_ort.py --build BUILD_DIR
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
from onnx import TensorProto as T, helper as h, numpy_helper as nh

RNG = np.random.default_rng(7)


def init(name: str, shape: tuple[int, ...]) -> onnx.TensorProto:
    return nh.from_array((RNG.standard_normal(shape) * 0.2).astype(np.float32), name)


def model(nodes, inputs, outputs, inits) -> onnx.ModelProto:
    g = h.make_graph(nodes, "g", inputs, outputs, inits)
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)], ir_version=8)


def cnn() -> onnx.ModelProto:
    """Conv, BatchNorm-free ReLU, pools, Flatten, Gemm, Softmax over a symbolic batch."""
    return model(
        [h.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]), h.make_node("Relu", ["c"], ["r"]),
         h.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("AveragePool", ["p"], ["q"], kernel_shape=[2, 2], strides=[2, 2]),
         h.make_node("Flatten", ["q"], ["f"]), h.make_node("Gemm", ["f", "W", "B"], ["g"], transB=1),
         h.make_node("Softmax", ["g"], ["y"], axis=1)],
        [h.make_tensor_value_info("x", T.FLOAT, ["N", 3, 8, 8])], [h.make_tensor_value_info("y", T.FLOAT, ["N", 10])],
        [init("w", (8, 3, 3, 3)), init("b", (8,)), init("W", (10, 32)), init("B", (10,))])


def attention() -> onnx.ModelProto:
    """A small self-attention block over x[N, S, 16]: projections, heads split by Reshape with 0
    and Transpose, MatMul, Softmax, merge, residual, LayerNormalization, ReduceMean."""
    n = lambda *a, **k: h.make_node(*a, **k)
    c = lambda name, v: nh.from_array(np.array(v, dtype=np.int64), name)
    return model(
        [n("MatMul", ["x", "Wq"], ["q"]), n("MatMul", ["x", "Wk"], ["k"]), n("MatMul", ["x", "Wv"], ["v"]),
         n("Reshape", ["q", "heads"], ["qh"]), n("Reshape", ["k", "heads"], ["kh"]), n("Reshape", ["v", "heads"], ["vh"]),
         n("Transpose", ["qh"], ["qt"], perm=[0, 2, 1, 3]), n("Transpose", ["kh"], ["kt"], perm=[0, 2, 3, 1]),
         n("Transpose", ["vh"], ["vt"], perm=[0, 2, 1, 3]),
         n("MatMul", ["qt", "kt"], ["s"]), n("Mul", ["s", "scale"], ["ss"]), n("Softmax", ["ss"], ["a"], axis=-1),
         n("MatMul", ["a", "vt"], ["o"]), n("Transpose", ["o"], ["ot"], perm=[0, 2, 1, 3]),
         n("Reshape", ["ot", "merge"], ["om"]), n("Add", ["om", "x"], ["r"]),
         n("LayerNormalization", ["r", "gam", "bet"], ["y"], axis=-1),
         n("ReduceMean", ["y"], ["m"], axes=[1], keepdims=0)],
        [h.make_tensor_value_info("x", T.FLOAT, ["N", "S", 16])],
        [h.make_tensor_value_info("y", T.FLOAT, ["N", "S", 16]), h.make_tensor_value_info("m", T.FLOAT, ["N", 16])],
        [init("Wq", (16, 16)), init("Wk", (16, 16)), init("Wv", (16, 16)), init("gam", (16,)), init("bet", (16,)),
         c("heads", [0, 0, 4, 4]), c("merge", [0, 0, 16]), nh.from_array(np.array(0.5, np.float32), "scale")])


def shape_dependent() -> onnx.ModelProto:
    """y = x + Shape(x)[0] as float: the code needs the batch's value."""
    return model(
        [h.make_node("Shape", ["x"], ["s"]), h.make_node("Gather", ["s", "zero"], ["n"], axis=0),
         h.make_node("Cast", ["n"], ["nf"], to=T.FLOAT), h.make_node("Add", ["x", "nf"], ["y"], name="add_batch")],
        [h.make_tensor_value_info("x", T.FLOAT, ["N", 4])], [h.make_tensor_value_info("y", T.FLOAT, ["N", 4])],
        [nh.from_array(np.array(0, np.int64), "zero")])


RESNET_EXPORT = r"""
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None).eval()
torch.onnx.export(m, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=17, input_names=["input"],
                  output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
"""

# bench/models/export_models.py's BERT-style encoder with dynamic batch and sequence axes: the
# exporter's Shape -> Gather -> Concat -> Reshape chains fold into register shapes.
BERT_EXPORT = r"""
import sys, torch
sys.path.insert(0, sys.argv[2])
from export_models import BertEncoder
torch.manual_seed(0)
torch.onnx.export(BertEncoder().eval(), torch.randn(1, 16, 256), sys.argv[1], opset_version=17, input_names=["input"],
                  output_names=["output"], dynamic_axes={"input": {0: "batch", 1: "seq"}, "output": {0: "batch", 1: "seq"}})
"""


def run_aivm(build: str, bundle: str, feeds: dict[str, np.ndarray], work: str) -> dict[str, np.ndarray]:
    cmd = [os.path.join(build, "aivm"), "run", bundle, "--output-dir", os.path.join(work, "out")]
    for name, x in feeds.items():
        path = os.path.join(work, name + ".npy")
        np.save(path, x)
        cmd += ["--input", f"{name}={path}"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return {f[:-4]: np.load(os.path.join(work, "out", f)) for f in os.listdir(os.path.join(work, "out"))}


def check(name: str, path: str, shapes: list[dict[str, tuple]], build: str, work: str) -> list[str]:
    bundle = os.path.join(work, name + ".aivm")
    r = subprocess.run([os.path.join(build, "aivmc"), path, "-o", bundle], capture_output=True, text=True)
    if r.returncode:
        return [f"{name}: aivmc failed: {r.stderr.strip()}"]
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    problems = []
    for shape in shapes:
        feeds = {k: RNG.standard_normal(s).astype(np.float32) for k, s in shape.items()}
        want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
        try:
            got = run_aivm(build, bundle, feeds, work)
        except subprocess.CalledProcessError as e:
            problems.append(f"{name} {shape}: aivm run failed: {e.stderr.strip()}")
            continue
        for k, ref in want.items():
            diff = float(np.abs(got[k] - ref).max()) if got[k].shape == ref.shape else float("inf")
            ok = diff <= 1e-3 * max(float(np.abs(ref).max()), 1e-6)
            print(f"{name} {shape} {k}{list(ref.shape)}: max diff {diff:.3g} {'ok' if ok else 'MISMATCH'}")
            if not ok:
                problems.append(f"{name} {shape} {k}: aivm {got[k].shape} vs ORT {ref.shape}, max diff {diff}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="aivm-symbolic-") as work:
        for name, m, shapes in [
            ("cnn", cnn(), [{"x": (n, 3, 8, 8)} for n in (1, 2, 3, 8)]),
            ("attention", attention(), [{"x": s} for s in ((1, 5, 16), (2, 3, 16), (3, 1, 16), (2, 9, 16))]),
        ]:
            path = os.path.join(work, name + ".onnx")
            onnx.save(m, path)
            problems += check(name, path, shapes, args.build, work)
        path = os.path.join(work, "shape_dependent.onnx")
        onnx.save(shape_dependent(), path)
        r = subprocess.run([os.path.join(args.build, "aivmc"), path, "-o", os.path.join(work, "sd.aivm")],
                           capture_output=True, text=True)
        if r.returncode == 0 or "symbolic dim" not in r.stderr or "--shape x=" not in r.stderr:
            problems.append(f"shape_dependent: expected a compile error naming the symbolic dim and --shape, got "
                            f"rc {r.returncode}: {r.stderr.strip()}")
        else:
            print("shape_dependent: " + r.stderr.strip())
        path = os.path.join(work, "resnet18.onnx")
        has_torch = subprocess.run(["/usr/bin/python3", "-c", "import torch, torchvision"], capture_output=True).returncode == 0
        if has_torch:
            subprocess.run(["/usr/bin/python3", "-c", RESNET_EXPORT, path], check=True, capture_output=True)
            problems += check("resnet18", path, [{"input": (n, 3, 224, 224)} for n in (1, 2, 3)], args.build, work)
            path = os.path.join(work, "bert_encoder.onnx")
            bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "models")
            subprocess.run(["/usr/bin/python3", "-c", BERT_EXPORT, path, bench], check=True, capture_output=True)
            problems += check("bert_encoder", path, [{"input": s} for s in ((1, 16, 256), (2, 7, 256), (3, 33, 256))],
                              args.build, work)
        else:
            print("resnet18: skipped (no torch/torchvision for /usr/bin/python3)")
    for p in problems:
        print("FAIL " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
