"""Digits demo: compile the CNN with aivmc, classify 48 held-out digits with aivm, check vs ONNX Runtime.

Run from the repo root with the test venv, after building:

    .venv/bin/python examples/digits/demo.py --build build

Steps:
  1. BUILD/aivmc examples/digits/digits.onnx -o OUTDIR/digits.aivm
  2. for each test digit NN (00..47), one process each:
       BUILD/aivm run OUTDIR/digits.aivm --input input=examples/digits/testdata/digit_NN.npy
                      --output-dir OUTDIR/digit_NN          (writes OUTDIR/digit_NN/probs.npy)
  3. prints predicted digits vs labels and the accuracy, runs ONNX Runtime
     (CPUExecutionProvider) on the same inputs and prints the largest absolute difference.

Exit status is non-zero if a command fails (its stderr is printed), accuracy < 0.9, or the
difference from ONNX Runtime exceeds 1e-4. Default paths are relative to the repo root; paths
given on the command line are relative to the current directory.
"""

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MIN_ACCURACY = 0.9
TOLERANCE = 1e-4
TOLERANCE_TEXT = "1e-4"
TIMEOUT_S = 120


class DemoError(Exception):
    pass


def show(path):
    """Path as printed: relative to the repo root when inside it."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def run(cmd):
    """Run one command; raise DemoError with its stderr if it fails."""
    printable = " ".join(show(c) if os.path.isabs(c) else c for c in cmd)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT_S, cwd=ROOT)
    except FileNotFoundError:
        raise DemoError("command not found: %s\n  (build first: cmake --preset release && "
                        "cmake --build --preset release, or pass --build DIR)" % show(cmd[0]))
    except subprocess.TimeoutExpired:
        raise DemoError("command timed out after %d s: %s" % (TIMEOUT_S, printable))
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip() or "(no stderr)"
        raise DemoError("command failed (exit status %d): %s\n%s" % (proc.returncode, printable, err))
    return proc


def load_labels(test_dir):
    path = os.path.join(test_dir, "labels.txt")
    with open(path) as f:
        labels = [int(line) for line in f if line.strip()]
    if not labels:
        raise DemoError("no labels in %s" % show(path))
    return labels


def load_probs(path):
    if not os.path.isfile(path):
        raise DemoError("aivm run did not write %s" % show(path))
    probs = np.load(path, allow_pickle=False)
    if probs.dtype != np.float32 or probs.size != 10:
        raise DemoError("%s: expected float32 with 10 values, got %s %s"
                        % (show(path), probs.dtype, list(probs.shape)))
    return probs.reshape(10)


def ort_probs(model, digit_paths):
    try:
        import onnxruntime as ort
    except ImportError:
        raise DemoError("onnxruntime is not installed in this Python (%s); use the test venv: "
                        ".venv/bin/python examples/digits/demo.py" % sys.executable)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    return np.stack([sess.run(["probs"], {"input": np.load(p)})[0].reshape(10)
                     for p in digit_paths])


def print_predictions(pred, labels, per_row=24):
    for start in range(0, len(labels), per_row):
        idx = range(start, min(start + per_row, len(labels)))
        print("  digits %02d-%02d" % (idx[0], idx[-1]))
        print("    label:     " + " ".join(str(labels[i]) for i in idx))
        print("    predicted: " + " ".join(str(pred[i]) for i in idx))
        if any(pred[i] != labels[i] for i in idx):
            print("               " + " ".join("^" if pred[i] != labels[i] else " " for i in idx))


def demo(args):
    build = os.path.abspath(args.build)
    out_dir = os.path.abspath(args.out_dir)
    model = os.path.abspath(args.model)
    test_dir = os.path.abspath(args.testdata)
    aivmc, aivm = os.path.join(build, "aivmc"), os.path.join(build, "aivm")

    labels = load_labels(test_dir)
    digit_paths = [os.path.join(test_dir, "digit_%02d.npy" % i) for i in range(len(labels))]
    for p in digit_paths:
        if not os.path.isfile(p):
            raise DemoError("missing test digit %s" % show(p))
    for tool in (aivmc, aivm):
        if not os.path.isfile(tool):
            raise DemoError("%s not found (build first: cmake --preset release && "
                            "cmake --build --preset release, or pass --build DIR)" % show(tool))
    os.makedirs(out_dir, exist_ok=True)

    bundle = os.path.join(out_dir, "digits.aivm")
    if os.path.exists(bundle):
        os.remove(bundle)
    run([aivmc, model, "-o", bundle])
    if not os.path.isfile(bundle):
        raise DemoError("aivmc did not write %s" % show(bundle))
    print("compiled %s -> %s (%d bytes)" % (show(model), show(bundle), os.path.getsize(bundle)))

    probs = []
    for i, digit in enumerate(digit_paths):
        digit_out = os.path.join(out_dir, "digit_%02d" % i)
        shutil.rmtree(digit_out, ignore_errors=True)   # never read a stale probs.npy
        run([aivm, "run", bundle, "--input", "input=" + digit, "--output-dir", digit_out])
        probs.append(load_probs(os.path.join(digit_out, "probs.npy")))
    probs = np.stack(probs)
    print("ran %d digits through %s run" % (len(labels), show(aivm)))

    pred = probs.argmax(axis=1)
    correct = int((pred == np.array(labels)).sum())
    accuracy = correct / len(labels)
    print_predictions(pred.tolist(), labels)
    print("accuracy: %.4f (%d/%d)" % (accuracy, correct, len(labels)))

    ref = ort_probs(model, digit_paths)
    diff = float(np.max(np.abs(probs.astype(np.float64) - ref.astype(np.float64))))
    close = bool(np.isfinite(diff) and diff <= TOLERANCE)   # NaN anywhere -> not close
    print("max abs difference vs ONNX Runtime: %.3g (within %s: %s)"
          % (diff, TOLERANCE_TEXT, "yes" if close else "no"))

    failures = []
    if accuracy < MIN_ACCURACY:
        failures.append("accuracy %.4f is below %.2f" % (accuracy, MIN_ACCURACY))
    if not close:
        failures.append("difference vs ONNX Runtime exceeds %s" % TOLERANCE_TEXT)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding aivmc and aivm (default: build)")
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "build", "digits-demo"),
                    help="where the bundle and outputs go (default: build/digits-demo)")
    ap.add_argument("--model", default=os.path.join(HERE, "digits.onnx"),
                    help="default: examples/digits/digits.onnx")
    ap.add_argument("--testdata", default=os.path.join(HERE, "testdata"),
                    help="default: examples/digits/testdata")
    args = ap.parse_args()
    try:
        failures = demo(args)
    except (DemoError, OSError, ValueError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    for f in failures:
        print("FAIL: %s" % f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
