#!/usr/bin/env python3
"""Runs gemm_bench and prints aivm against its peers (OpenBLAS, oneDNN) per shape and thread count.

Usage: bench/gemm_report.py [path/to/gemm_bench] [--repetitions N] [--min-time S] [--filter REGEX]
Every figure is the median over N repetitions (GFLOP/s = 2*M*N*K / time), run with random
interleaving so background load spreads over all libraries alike. "% peak" divides by the
FMA-peak loop of the same ISA and thread count measured in the same run.
"""
import argparse
import json
import subprocess
import sys


def run(binary, reps, min_time, filt):
    cmd = [binary, "--benchmark_format=json", f"--benchmark_repetitions={reps}",
           "--benchmark_report_aggregates_only=true", "--benchmark_enable_random_interleaving=true",
           f"--benchmark_min_time={min_time}"]
    if filt:
        cmd.append(f"--benchmark_filter={filt}")
    print("$ " + " ".join(cmd), file=sys.stderr)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def medians(data):
    """{(lib, shape, threads): GFLOP/s} from the median aggregates."""
    res = {}
    has_aggregates = any(b.get("run_type") == "aggregate" for b in data["benchmarks"])
    for b in data["benchmarks"]:
        if has_aggregates and b.get("aggregate_name") != "median":
            continue
        lib, shape, threads = b["run_name"].split("/")[:3]
        res[(lib, shape, int(threads.split(":")[1]))] = b["GFLOPs"]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default="build/bench/gemm_bench")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--min-time", default="0.3")
    ap.add_argument("--filter", default="")
    args = ap.parse_args()
    data = run(args.binary, args.repetitions, args.min_time, args.filter)
    r = medians(data)
    libs = sorted({k[0] for k in r})
    peers = [p for p in ("openblas", "onednn") if p in libs]
    variants = [v for v in libs if v.startswith("aivm")]
    variants.sort(key=lambda v: (v != "aivm", v))
    shapes = []
    for (lib, shape, t) in r:
        if lib == "aivm" and (shape, t) not in shapes:
            shapes.append((shape, t))
    shapes.sort(key=lambda st: (st[1], [int(x) for x in st[0].split("x")]))

    def peak(lib, t):
        isa = lib[5:] if lib.startswith("aivm_") and lib[5:] in ("avx2", "avx512") else None
        key = f"peak_{isa}" if isa else ("peak_avx512" if ("peak_avx512", "0x0x0", t) in r else "peak_avx2")
        return r.get((key, "0x0x0", t))

    ctx = data.get("context", {})
    print(f"host: {ctx.get('num_cpus')} cpus @ {ctx.get('mhz_per_cpu')} MHz, load avg {ctx.get('load_avg')}")
    for t in sorted({t for _, t in shapes}):
        pk = {k: r.get((k, "0x0x0", t)) for k in ("peak_avx512", "peak_avx2")}
        print(f"FMA peak, {t} thread(s): " + ", ".join(f"{k[5:]} {v:.1f}" for k, v in pk.items() if v))
    cols = variants + peers
    head = f"{'M x N x K':>16} {'thr':>3} " + " ".join(f"{c:>14}" for c in cols)
    head += f" {'best peer':>10} {'aivm/peer':>9} {'% peak':>7}"
    print(head)
    print("-" * len(head))
    for shape, t in shapes:
        vals = [r.get((c, shape, t)) for c in cols]
        line = f"{shape:>16} {t:>3} " + " ".join(f"{v:14.1f}" if v else f"{'-':>14}" for v in vals)
        aivm = r.get(("aivm", shape, t))
        best = max((r[(p, shape, t)] for p in peers if (p, shape, t) in r), default=None)
        pk = peak("aivm", t)
        line += f" {best:10.1f}" if best else f" {'-':>10}"
        line += f" {aivm / best:9.2f}" if best and aivm else f" {'-':>9}"
        line += f" {100 * aivm / pk:6.0f}%" if pk and aivm else f" {'-':>7}"
        print(line)


if __name__ == "__main__":
    main()
