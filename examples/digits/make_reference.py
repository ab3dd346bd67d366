"""Save ONNX Runtime's outputs for every test digit as testdata/ref_probs.npy.

Run with the test venv (numpy + onnxruntime):

    .venv/bin/python examples/digits/make_reference.py

ref_probs.npy is float32 [48, 10]: row i is ONNX Runtime's "probs" for testdata/digit_ii.npy
(CPUExecutionProvider). It lets C++ tests compare aivm against ONNX Runtime without Python.
Re-run it after retraining (train.py).
"""

import argparse
import os
import sys

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))


def test_digit_paths(test_dir):
    with open(os.path.join(test_dir, "labels.txt")) as f:
        labels = [int(line) for line in f if line.strip()]
    return [os.path.join(test_dir, "digit_%02d.npy" % i) for i in range(len(labels))], labels


def ort_probs(model_path, digit_paths):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
    rows = [sess.run(["probs"], {"input": np.load(p)})[0].reshape(10) for p in digit_paths]
    return np.stack(rows).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join(HERE, "digits.onnx"))
    ap.add_argument("--testdata", default=os.path.join(HERE, "testdata"))
    args = ap.parse_args()

    paths, labels = test_digit_paths(args.testdata)
    probs = ort_probs(args.model, paths)
    out = os.path.join(args.testdata, "ref_probs.npy")
    np.save(out, np.ascontiguousarray(probs, dtype="<f4"), allow_pickle=False)
    correct = int((probs.argmax(axis=1) == np.array(labels)).sum())
    print("wrote %s %s; ONNX Runtime %s accuracy %d/%d"
          % (out, list(probs.shape), ort.__version__, correct, len(labels)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
