#!/usr/bin/python3
"""Exports the model-level benchmark's networks to ONNX with random weights.

Run with Debian's python, which has torch and torchvision from Debian's archive
(python3-torch, python3-torchvision; python3-onnx for the op listing):

    /usr/bin/python3 bench/models/export_models.py [--out build/models] [--opset 17]
                                                   [--models resnet18,bert_encoder] [--force]

Every model is batch 1 with static shapes (no dynamic axes): the vision models take
input[1,3,224,224], bert_encoder takes input[1,128,256] (hidden states; seq 128, hidden 256,
4 layers, 4 heads, FFN 1024). Weights are random (torchvision weights=None under a fixed
seed); BatchNorm running statistics are calibrated on random inputs (see
calibrate_batchnorm) so that outputs depend on inputs; models are exported in eval mode
with constant folding on. Files go to OUT/NAME.opsetN.onnx and
are not committed (they are tens of MB). After each export the op types of the graph are
printed with their counts.

If the exporter cannot write a model at the requested opset, the model is retried at the
next lower opset down to 13 and the opset actually used is reported (and is in the file's
name).
"""
import argparse
import collections
import math
import os
import sys
import time

import torch
import torch.nn as nn

SEED = 1234
VISION_SHAPE = (1, 3, 224, 224)
BERT_SEQ, BERT_HIDDEN, BERT_LAYERS, BERT_HEADS, BERT_FFN = 128, 256, 4, 4, 1024


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)

    def split(self, x):  # [B, S, H] -> [B, heads, S, head_dim]
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(b, s, h)
        return self.out(ctx)


class BertLayer(nn.Module):
    """Post-LayerNorm BERT encoder layer (as in BERT-base), GELU with erf."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attn = BertSelfAttention(hidden, heads)
        self.ln1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.ffn_out = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x):
        x = self.ln1(x + self.attn(x))
        return self.ln2(x + self.ffn_out(nn.functional.gelu(self.ffn_in(x))))


class BertEncoder(nn.Module):
    def __init__(self, hidden=BERT_HIDDEN, layers=BERT_LAYERS, heads=BERT_HEADS, ffn=BERT_FFN):
        super().__init__()
        self.layers = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def vision(name, **kwargs):
    def make():
        import torchvision
        return getattr(torchvision.models, name)(weights=None, **kwargs), VISION_SHAPE
    return make


MODELS = collections.OrderedDict([
    ("resnet18", vision("resnet18")),
    ("resnet50", vision("resnet50")),
    ("mobilenet_v2", vision("mobilenet_v2")),
    ("mobilenet_v3_small", vision("mobilenet_v3_small")),
    ("squeezenet1_1", vision("squeezenet1_1")),
    ("efficientnet_b0", vision("efficientnet_b0")),
    ("densenet121", vision("densenet121")),
    ("shufflenet_v2_x1_0", vision("shufflenet_v2_x1_0")),
    ("googlenet", vision("googlenet", aux_logits=False, init_weights=True)),
    ("bert_encoder", lambda: (BertEncoder(), (1, BERT_SEQ, BERT_HIDDEN))),
])


def op_counts(path):
    """Op type -> count over the main graph (None if the onnx module is missing)."""
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(path, load_external_data=False)
    counts = collections.Counter(n.op_type for n in model.graph.node)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    return counts, opset


def calibrate_batchnorm(model, shape, batches=2, batch=8):
    """Sets every BatchNorm's running statistics from random inputs (train-mode forward
    passes, cumulative average), so each BN layer normalises its activations to unit scale.

    With fresh running stats (mean 0, var 1) and torchvision's random init, activations decay
    or blow up through deep stacks: googlenet's output was its fc bias alone, shufflenet's
    moved by 1e-5 of its range between two inputs, so a correctness check could not see a
    wrong kernel. Calibrated, every model's output depends on its input."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return 0
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.rand((batch,) + tuple(shape[1:])) * 2 - 1)
    return len(bns)


def export(name, out_dir, opset, force, calibrate=True):
    torch.manual_seed(SEED)
    model, shape = MODELS[name]()
    if calibrate:
        calibrate_batchnorm(model, shape)
    model.eval()
    torch.manual_seed(SEED + 1)
    example = torch.rand(shape) * 2 - 1
    last_error = None
    for version in range(opset, 12, -1):
        path = os.path.join(out_dir, f"{name}.opset{opset}.onnx")
        if version != opset:
            path = os.path.join(out_dir, f"{name}.opset{version}.onnx")
        if os.path.exists(path) and not force:
            return path, version, "cached"
        tmp = path + ".tmp"
        try:
            with torch.no_grad():
                torch.onnx.export(model, (example,), tmp, opset_version=version,
                                  do_constant_folding=True, input_names=["input"],
                                  output_names=["output"], dynamic_axes=None)
            os.replace(tmp, path)
            if version != opset:
                print(f"  note: opset {opset} failed ({last_error}); exported at opset {version}")
            return path, version, "exported"
        except Exception as e:  # exporter limitation: try a lower opset
            last_error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            if os.path.exists(tmp):
                os.remove(tmp)
    raise RuntimeError(f"export failed down to opset 13: {last_error}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="build/models", help="cache dir (default build/models)")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17; 13 also used)")
    ap.add_argument("--models", default="all", help="comma-separated names or 'all': " + ",".join(MODELS))
    ap.add_argument("--force", action="store_true", help="re-export files that already exist")
    ap.add_argument("--no-calibrate", action="store_true",
                    help="keep BatchNorm's initial running stats (outputs may not depend on the input)")
    args = ap.parse_args()

    names = list(MODELS) if args.models == "all" else [m for m in args.models.split(",") if m]
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {','.join(unknown)}; known: {','.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"torch {torch.__version__}, opset {args.opset}, out {args.out}")

    failed = []
    for name in names:
        t0 = time.time()
        try:
            path, version, how = export(name, args.out, args.opset, args.force, not args.no_calibrate)
        except Exception as e:
            print(f"{name}: FAILED {e}")
            failed.append(name)
            continue
        size = os.path.getsize(path) / 1e6
        print(f"{name}: {how} {path} (opset {version}, {size:.1f} MB, {time.time() - t0:.1f} s)")
        info = op_counts(path)
        if info is None:
            print("  ops: (install python3-onnx to list them)")
        else:
            counts, _ = info
            print(f"  {sum(counts.values())} nodes: " +
                  ", ".join(f"{op} {n}" for op, n in sorted(counts.items())))
    if failed:
        print(f"failed: {','.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
