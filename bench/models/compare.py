#!/usr/bin/env python3
"""Model-level benchmark: aivm against ONNX Runtime on the exported networks.

Run with the test venv (numpy, onnx, onnxruntime), after export_models.py:

    .venv/bin/python bench/models/compare.py [--build build] [--models-dir build/models]
        [--models resnet18,bert_encoder] [--threads 1,2] [--iters 50] [--rounds 5]
        [--warmup 3] [--opset 17] [--json FILE]

For each model: compile it with aivmc (a failure prints aivmc's error line and the model's
op types the compiler has no rule for, and the other models go on); make one random input
(fixed seed, uniform [-1, 1)); for each thread count check aivm's outputs against ORT's on
that input (max |aivm - ORT| / max |ORT| <= --tol, default 1e-3) and time both, interleaved:
--rounds rounds, each one `aivm bench` call of iters/rounds timed runs then as many ORT runs
in this process, so that machine noise lands on both. The median reported for each side is
the median of its per-round medians; min is the minimum over all runs.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

DEFAULT_MODELS = ("resnet18,resnet50,mobilenet_v2,mobilenet_v3_small,squeezenet1_1,efficientnet_b0,"
                  "densenet121,shufflenet_v2_x1_0,googlenet,bert_encoder")
SEED = 20240601
_workroots = []  # temp dirs (inputs, aivm outputs) removed at exit
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni")
                            if f in flags]
    except OSError:
        pass
    return []


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def find_tool(build, name):
    for cand in (os.path.join(build, name), os.path.join(build, "tools", name),
                 os.path.join(build, "tools", name, name)):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    sys.exit(f"compare: no executable '{name}' under {build} (build the aivmc and aivm_runner targets)")


def source_dir(build):
    """The source tree |build| was configured from (CMakeCache.txt), else this checkout."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_HOME_DIRECTORY:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return REPO


def rule_table_ops(src):
    """ONNX op names that have a row in the compiler's rule tables (SRC/compiler/ops/*.cc),
    plus Constant, which the importer handles itself.

    A source scan, used only to list a failing model's likely-missing ops beyond the first
    one aivmc reports; aivmc's own error is the authority. (The sources may have moved on
    since the build: rebuild before trusting it.)"""
    ops, ops_dir = {"Constant"}, os.path.join(src, "compiler", "ops")
    try:
        for fn in os.listdir(ops_dir):
            if fn.endswith(".cc"):
                with open(os.path.join(ops_dir, fn)) as f:
                    text = f.read()
                # table rows: {"Relu", infer, select} or a row macro: AIVM_UNARY_RULE(Relu)
                ops.update(re.findall(r'\{\s*"([A-Z][A-Za-z0-9]*)"\s*,', text))
                ops.update(re.findall(r'\bAIVM_[A-Z_]*RULE\(\s*([A-Z][A-Za-z0-9]*)\s*[,)]', text))
    except OSError:
        return None
    return ops


def model_info(path):
    import onnx
    model = onnx.load(path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    inputs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        t = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in t.shape.dim]
        inputs.append((vi.name, onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
                       if hasattr(onnx.helper, "tensor_dtype_to_np_dtype")
                       else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t.elem_type], shape))
    ops = []
    for n in model.graph.node:
        if n.op_type not in ops:
            ops.append(n.op_type)
    return inputs, ops


def make_inputs(inputs, seed):
    rng = np.random.default_rng(seed)
    feeds = {}
    for name, dtype, shape in inputs:
        if np.issubdtype(dtype, np.floating):
            feeds[name] = rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
        elif dtype == np.bool_:
            feeds[name] = rng.integers(0, 2, size=shape).astype(dtype)
        else:
            feeds[name] = rng.integers(0, 4, size=shape).astype(dtype)
    return feeds


def run(cmd, timeout=1800):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)


def error_line(proc):
    lines = [l for l in (proc.stderr + proc.stdout).splitlines() if l.strip()]
    for l in lines:
        if "error" in l:
            return l.strip()
    return lines[-1].strip() if lines else f"exit status {proc.returncode}"


def compile_model(aivmc, onnx_path, out_path):
    t0 = time.time()
    proc = run([aivmc, onnx_path, "-o", out_path])
    return proc.returncode == 0, error_line(proc) if proc.returncode else "", time.time() - t0


def inspect_arena(aivm, bundle):
    proc = run([aivm, "inspect", bundle])
    m = re.search(r"^arena\s+(\d+) bytes planned, lower bound (\d+) bytes", proc.stdout, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def ort_session(onnx_path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])


def check(aivm, bundle, sess, feeds, input_files, threads, tol, workdir):
    """(ok, text, worst relative diff) for aivm vs ORT on |feeds|."""
    outdir = os.path.join(workdir, f"out-t{threads}")
    cmd = [aivm, "run", bundle, "--output-dir", outdir, "--threads", str(threads)]
    for name, path in input_files.items():
        cmd += ["--input", f"{name}={path}"]
    proc = run(cmd)
    if proc.returncode:
        return False, "no: aivm run failed: " + error_line(proc), None
    names = [o.name for o in sess.get_outputs()]
    refs = sess.run(names, feeds)
    worst, detail = 0.0, []
    for name, ref in zip(names, refs):
        path = os.path.join(outdir, name + ".npy")
        if not os.path.exists(path):
            return False, f"no: aivm wrote no output '{name}'", None
        got = np.load(path)
        if got.shape != ref.shape:
            return False, f"no: '{name}' shape {list(got.shape)} vs ORT {list(ref.shape)}", None
        if not np.all(np.isfinite(got)):
            return False, f"no: '{name}' has non-finite values", None
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
        rel = diff / scale if scale > 0 else diff
        worst = max(worst, rel)
        detail.append(f"{rel:.1e}")
    ok = worst <= tol
    return ok, ("yes" if ok else "no") + f" (rel {worst:.1e})", worst


def sensitivity(sess, inputs):
    """max |out(x1) - out(x2)| / max |out(x1)| for two random inputs, worst over outputs: if
    this is not well above --tol, the network ignores its input (dead random weights) and
    the correctness check cannot tell a wrong kernel from a right one."""
    a = sess.run(None, make_inputs(inputs, SEED))
    b = sess.run(None, make_inputs(inputs, SEED + 1))
    worst = float("inf")
    for x, y in zip(a, b):
        scale = float(np.max(np.abs(x))) if x.size else 0.0
        worst = min(worst, float(np.max(np.abs(x.astype(np.float64) - y))) / scale if scale > 0 else 0.0)
    return worst


ORT_SPIN_PAUSE_S = 0.5


def time_interleaved(aivm, bundle, sess, feeds, input_files, threads, iters, rounds, warmup):
    per = max(1, iters // rounds)
    aivm_medians, ort_medians, aivm_min, ort_all = [], [], float("inf"), []
    for _ in range(rounds):
        cmd = [aivm, "bench", bundle, "--threads", str(threads), "--warmup", str(warmup),
               "--iters", str(per), "--json"]
        for name, path in input_files.items():
            cmd += ["--input", f"{name}={path}"]
        # ORT's idle intra-op workers spin for a while after its last run (its default,
        # allow_spinning): started at once, aivm's second thread would share a core with them
        # (MobileNetV3-small at 2 threads: 6.5 ms right after ORT, 4.2 ms after this pause).
        time.sleep(ORT_SPIN_PAUSE_S)
        proc = run(cmd)
        if proc.returncode:
            raise RuntimeError("aivm bench failed: " + error_line(proc))
        stats = json.loads(proc.stdout.strip().splitlines()[-1])
        aivm_medians.append(stats["median_ms"])
        aivm_min = min(aivm_min, stats["min_ms"])
        for _ in range(warmup):
            sess.run(None, feeds)
        times = []
        for _ in range(per):
            t0 = time.perf_counter()
            sess.run(None, feeds)
            times.append((time.perf_counter() - t0) * 1e3)
        ort_medians.append(float(np.median(times)))
        ort_all += times
    return {"aivm_median_ms": float(np.median(aivm_medians)), "aivm_min_ms": aivm_min,
            "ort_median_ms": float(np.median(ort_medians)), "ort_min_ms": float(min(ort_all)),
            "aivm_round_medians": aivm_medians, "ort_round_medians": ort_medians,
            "iters_per_round": per, "rounds": rounds}


def time_ort(sess, feeds, iters, warmup):
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def short_error(row):
    err = row["error"]
    if row.get("first_unsupported"):
        text = f"compile: {row['first_unsupported']} unsupported"
        rest = [o for o in row.get("no_rule", []) if o != row["first_unsupported"]]
        return text + (f" (no rule either: {', '.join(rest)})" if rest else "")
    m = re.search(r"error: (?:[^:]*\.onnx: )?(.*)", err)
    return "compile: " + (m.group(1) if m else err)


def fmt(x, spec, width=0):
    return ("-" if x is None else format(x, spec)).rjust(width)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build dir with aivmc and aivm (default build)")
    ap.add_argument("--models-dir", default="build/models", help="where export_models.py wrote the ONNX files")
    ap.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated model names")
    ap.add_argument("--opset", type=int, default=17, help="which export to use: NAME.opsetN.onnx (default 17)")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--iters", type=int, default=50, help="timed runs per side and thread count (default 50)")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds the runs are split into (default 5)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs per side at the start of each round")
    ap.add_argument("--tol", type=float, default=1e-3, help="max |aivm-ORT| / max |ORT| to pass (default 1e-3)")
    ap.add_argument("--no-time", action="store_true", help="compile and check only")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every model compiles and matches ORT (the test tests/models runs)")
    args = ap.parse_args()

    aivmc, aivm = find_tool(args.build, "aivmc"), find_tool(args.build, "aivm")
    threads_list = [int(t) for t in args.threads.split(",") if t]
    models = [m for m in args.models.split(",") if m]
    rules = rule_table_ops(source_dir(args.build))
    workroot = tempfile.mkdtemp(prefix="aivm-models-")
    _workroots.append(workroot)

    import onnxruntime as ort
    started = datetime.datetime.now().astimezone()
    header = {"date": started.isoformat(timespec="seconds"), "cpu": cpu_model(), "cpu_flags": cpu_flags(),
              "nproc": os.cpu_count(), "onnxruntime": ort.__version__, "numpy": np.__version__,
              "iters": args.iters, "rounds": args.rounds, "warmup": args.warmup, "tol": args.tol,
              "opset": args.opset}
    print(f"date   {header['date']}")
    print(f"cpu    {header['cpu']} ({header['nproc']} cpus; {' '.join(header['cpu_flags'])})")
    header["loadavg_start"] = loadavg()
    print(f"load   {header['loadavg_start']} (1/5/15-min load average; above ~0.5 the machine is busy "
          f"and times are noisy)")
    print(f"ort    onnxruntime {ort.__version__}; aivm from {args.build}")
    print(f"timing {args.iters} runs per side in {args.rounds} interleaved rounds, {args.warmup} warm-up "
          f"per round; median of round medians")
    print(flush=True)

    results, compile_rows = [], []
    for name in models:
        onnx_path = os.path.join(args.models_dir, f"{name}.opset{args.opset}.onnx")
        row = {"model": name, "onnx": onnx_path}
        compile_rows.append(row)
        if not os.path.exists(onnx_path):
            row["error"] = f"{onnx_path} missing: run /usr/bin/python3 bench/models/export_models.py"
            print(f"{name}: {row['error']}", flush=True)
            continue
        inputs, ops = model_info(onnx_path)
        row["ops"] = ops
        bundle = os.path.join(args.models_dir, f"{name}.opset{args.opset}.aivm")
        ok, err, secs = compile_model(aivmc, onnx_path, bundle)
        row["compile_s"] = round(secs, 2)
        if not ok:
            row["error"] = err
            m = re.search(r"operator '([^']+)' is not supported", err)
            row["first_unsupported"] = m.group(1) if m else None
            row["no_rule"] = [o for o in ops if rules is not None and o not in rules]
            print(f"{name}: compile FAILED: {err}", flush=True)
            if row["no_rule"]:
                print(f"  ops with no compiler rule (source scan): {', '.join(row['no_rule'])}", flush=True)
            if not args.no_time:  # ORT alone, as the baseline the model will be held to
                feeds = make_inputs(inputs, SEED)
                for threads in threads_list:
                    sess = ort_session(onnx_path, threads)
                    t = time_ort(sess, feeds, args.iters, args.warmup)
                    results.append({"model": name, "threads": threads, "ort_median_ms": t,
                                    "match": None, "match_text": "-"})
                    print(f"  t={threads}: ORT alone {t:.3f} ms", flush=True)
            continue
        row["arena_planned"], row["arena_lower_bound"] = inspect_arena(aivm, bundle)
        print(f"{name}: compiled in {secs:.1f} s; arena {fmt(row['arena_planned'], ',')} B planned, "
              f"lower bound {fmt(row['arena_lower_bound'], ',')} B", flush=True)

        workdir = os.path.join(workroot, name)
        os.makedirs(workdir, exist_ok=True)
        feeds = make_inputs(inputs, SEED)
        input_files = {}
        for i, (iname, arr) in enumerate(feeds.items()):
            input_files[iname] = os.path.join(workdir, f"input{i}.npy")
            np.save(input_files[iname], arr)

        for threads in threads_list:
            res = {"model": name, "threads": threads}
            results.append(res)
            try:
                sess = ort_session(onnx_path, threads)
                ok, text, rel = check(aivm, bundle, sess, feeds, input_files, threads, args.tol, workdir)
                if "sensitivity" not in row:
                    row["sensitivity"] = sensitivity(sess, inputs)
                if row["sensitivity"] < 10 * args.tol:
                    text += f" WEAK: output moves only {row['sensitivity']:.1e} between inputs"
                res.update(match=ok, match_text=text, rel_diff=rel)
                if not args.no_time and not text.startswith("no: aivm run failed"):
                    res.update(time_interleaved(aivm, bundle, sess, feeds, input_files, threads,
                                                args.iters, args.rounds, args.warmup))
                    res["ratio"] = res["aivm_median_ms"] / res["ort_median_ms"]
                    # Best runs too: on a shared host, phases where every run is slower land in
                    # medians (aivm's up to 1.4x, ORT's less), not in minima.
                    res["min_ratio"] = res["aivm_min_ms"] / res["ort_min_ms"]
            except Exception as e:  # keep going with the other models
                res.setdefault("match", False)
                res["match_text"] = res.get("match_text", "") + f" [error: {e}]"
            print(f"  t={threads}: aivm {fmt(res.get('aivm_median_ms'), '.3f')} ms, "
                  f"ORT {fmt(res.get('ort_median_ms'), '.3f')} ms, ratio {fmt(res.get('ratio'), '.2f')}, "
                  f"match {res['match_text']}", flush=True)

    # The table.
    print()
    head = (f"{'model':<20} {'thr':>3} {'aivm ms':>9} {'ORT ms':>9} {'aivm/ORT':>8} {'min/min':>7}  {'arena MB':>8} "
            f"{'bound MB':>8}  match")
    print(head)
    print("-" * len(head))
    by_model = {r["model"]: r for r in compile_rows}
    done = set()
    for name in models:
        row = by_model[name]
        if "error" in row:
            rows = [r for r in results if r["model"] == name] or [{"threads": "-"}]
            for res in rows:
                print(f"{name:<20} {res['threads']:>3} {'-':>9} {fmt(res.get('ort_median_ms'), '.3f', 9)} "
                      f"{'-':>8} {'-':>7}  {'-':>8} {'-':>8}  {short_error(row)}")
            continue
        mb = lambda b: "-" if b is None else f"{b / 1e6:.2f}"
        for res in (r for r in results if r["model"] == name):
            print(f"{name:<20} {res['threads']:>3} {fmt(res.get('aivm_median_ms'), '.3f', 9)} "
                  f"{fmt(res.get('ort_median_ms'), '.3f', 9)} {fmt(res.get('ratio'), '.2f', 8)} "
                  f"{fmt(res.get('min_ratio'), '.2f', 7)}  {mb(row.get('arena_planned')):>8} {mb(row.get('arena_lower_bound')):>8}  {res['match_text']}")
    print()
    failed = [r for r in compile_rows if "error" in r]
    if failed:
        print()
        print("compile errors (aivmc's error line; 'no rule' is a scan of compiler/ops/*.cc):")
        for r in failed:
            print(f"  {r['model']}: {r['error']}")
            if r.get("no_rule"):
                print(f"  {' ' * len(r['model'])}  no rule: {', '.join(r['no_rule'])}")
    header["loadavg_end"] = loadavg()
    print(f"load average at the end: {header['loadavg_end']}")
    print("aivm/ORT (of medians) < 1 means aivm is faster; min/min: the ratio of each side's best run. "
          "match: max |aivm - ORT| / max |ORT| <= "
          f"{args.tol:g}. arena: aivm inspect's planned activation arena and its lower bound.")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "models": compile_rows, "results": results}, f, indent=1)
        print(f"wrote {args.json}")
    if args.check:
        bad = [r["model"] for r in compile_rows if "error" in r]
        bad += [f"{r['model']} (t={r['threads']})" for r in results if not r.get("match")]
        if bad:
            print(f"check: FAILED: {', '.join(bad)}")
            return 1
        print(f"check: all {len(models)} models compile and match ONNX Runtime (opset {args.opset})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for d in _workroots:
            shutil.rmtree(d, ignore_errors=True)
