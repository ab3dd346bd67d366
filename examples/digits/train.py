#!/usr/bin/python3
"""Train the digits demo CNN and export it to ONNX.

Run with Debian's interpreter, which has python3-torch, python3-sklearn and python3-numpy:

    /usr/bin/python3 examples/digits/train.py

Data: scikit-learn's bundled 8x8 handwritten digits (sklearn.datasets.load_digits; no
download), pixel values 0..16 scaled to [0, 1]. A stratified 80/20 split with a fixed seed
holds out 360 digits; the first 48 of those are written to testdata/ for the demo.

Writes (next to this script):
    digits.onnx                  opset 13, input "input" [1,1,8,8] f32, output "probs" [1,10] f32
    testdata/digit_NN.npy        48 held-out digits, float32 [1,1,8,8], NN = 00..47
    testdata/labels.txt          their labels, one per line

Deterministic: fixed seeds, one thread, deterministic algorithms. Takes a few seconds on one core.
"""

import argparse
import os
import random
import sys

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
NUM_TEST_FILES = 48
ALLOWED_OPS = {"Conv", "Relu", "MaxPool", "Flatten", "Gemm",
               "Add", "Mul", "Reshape", "MatMul", "Softmax"}


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, padding=1),   # [1,8,8,8]
            nn.ReLU(),
            nn.MaxPool2d(2),                             # [1,8,4,4]
            nn.Conv2d(8, 16, kernel_size=3, padding=1),  # [1,16,4,4]
            nn.ReLU(),
            nn.MaxPool2d(2),                             # [1,16,2,2]
        )
        self.flatten = nn.Flatten()                      # [1,64]
        self.classifier = nn.Sequential(
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 10),
        )

    def logits(self, x):
        return self.classifier(self.flatten(self.features(x)))

    def forward(self, x):
        # The exported graph ends in Softmax so the output is probabilities.
        return torch.softmax(self.logits(x), dim=1)


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def graph_op_types(path):
    """Node op types of the exported graph (uses onnx if installed, else a tiny protobuf walk)."""
    try:
        import onnx
        model = onnx.load(path)
        return [n.op_type for n in model.graph.node], model.opset_import[0].version
    except ImportError:
        pass
    return _op_types_without_onnx(path), None


def _read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """Yield (field_number, wire_type, value) for a serialized protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _read_varint(buf, i)
        elif wire == 1:
            val, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _read_varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wire == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield field, wire, val


def _op_types_without_onnx(path):
    with open(path, "rb") as f:
        data = f.read()
    ops = []
    for field, _, graph in _fields(data):
        if field != 7:                       # ModelProto.graph
            continue
        for gfield, _, node in _fields(graph):
            if gfield != 1:                  # GraphProto.node
                continue
            for nfield, _, val in _fields(node):
                if nfield == 4:              # NodeProto.op_type
                    ops.append(bytes(val).decode())
    return ops


def write_npy(path, array):
    """np.save writes .npy v1.0, little-endian '<f4', C order for these small arrays."""
    array = np.ascontiguousarray(array, dtype="<f4")
    np.save(path, array, allow_pickle=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out-dir", default=HERE, help="where digits.onnx and testdata/ go")
    args = ap.parse_args()

    seed_everything(SEED)

    digits = load_digits()
    x = (digits.data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=SEED, stratify=y)

    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    gen = torch.Generator().manual_seed(SEED)
    batch = 64

    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model.logits(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            print("epoch %3d  train loss %.4f" % (epoch + 1, total / len(xt)))

    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x_test)).argmax(dim=1).numpy()
    acc = float((pred == y_test).mean())
    print("held-out accuracy: %.4f (%d/%d)" % (acc, int((pred == y_test).sum()), len(y_test)))
    if acc < 0.95:
        print("error: held-out accuracy below 0.95", file=sys.stderr)
        return 1

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, "digits.onnx")
    torch.onnx.export(
        model, torch.zeros(1, 1, 8, 8), onnx_path,
        opset_version=13, do_constant_folding=True,
        input_names=["input"], output_names=["probs"])
    ops, opset = graph_op_types(onnx_path)
    print("wrote %s (opset %s): %s" % (onnx_path, opset if opset else 13, " ".join(ops)))
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        print("error: exported graph has unsupported ops: %s" % ", ".join(bad), file=sys.stderr)
        return 1

    test_dir = os.path.join(args.out_dir, "testdata")
    os.makedirs(test_dir, exist_ok=True)
    for i in range(NUM_TEST_FILES):
        write_npy(os.path.join(test_dir, "digit_%02d.npy" % i), x_test[i:i + 1])
    with open(os.path.join(test_dir, "labels.txt"), "w") as f:
        f.write("".join("%d\n" % int(v) for v in y_test[:NUM_TEST_FILES]))
    print("wrote %d test digits to %s" % (NUM_TEST_FILES, test_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
