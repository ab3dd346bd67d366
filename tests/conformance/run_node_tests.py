#!/usr/bin/env python3
"""Runs the ONNX backend node-test suite through aivmc and `aivm run`.

For every case: compile model.onnx with aivmc, run each test_data_set_* with `aivm run`, and
compare each output with the suite's reference (same shape and dtype, NaN where the reference
has NaN, values within the case's rtol/atol: 1e-3/1e-7 unless the case says otherwise).

Where the suite comes from: --data DIR if given; else the onnx wheel's
onnx/backend/test/data/node/ if it holds cases; else (onnx >= 1.20 ships no node data) the
suite is generated from the wheel's own case definitions (onnx.backend.test.case.node), in the
same on-disk layout, into a cache directory named after the onnx version. Generation is
seeded, so every run sees the same inputs.

Prints a table by operator, the count over the operators in LISTED_OPS, the most common
failure reasons, and closes with `N passed, N failed` over all cases.

  --check    exit 1 if a case fails that tests/conformance/expected_failures.txt does not list
             (a regression); cases listed there that now pass are printed, not failed on.
  --update   rewrite expected_failures.txt from this run's results (with --filter: only the
             entries of the cases that ran change).

Needs numpy and onnx (tools/requirements-test.txt); onnx only reads and writes .pb files.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTATIONS = os.path.join(HERE, "expected_failures.txt")

DEFAULT_RTOL = 1e-3  # onnx.backend.test.case.node.expect's defaults
DEFAULT_ATOL = 1e-7

# The operators the conformance goal is measured over (the list).
LISTED_OPS = frozenset(
    """
    Add Sub Mul Div Pow Mod Neg Abs Reciprocal Max Min Sum Mean
    Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not BitShift
    BitwiseAnd BitwiseOr BitwiseXor BitwiseNot IsNaN IsInf
    Relu LeakyRelu PRelu Elu Selu Celu Sigmoid HardSigmoid HardSwish Tanh Softplus Softsign
    Gelu Erf Clip Exp Log Sqrt Floor Ceil Round Sign
    Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh
    Conv ConvTranspose MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool
    BatchNormalization InstanceNormalization LayerNormalization GroupNormalization
    Gemm MatMul Softmax LogSoftmax Hardmax
    ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum
    ReduceLogSumExp ReduceSumSquare ArgMax ArgMin
    Reshape Flatten Squeeze Unsqueeze Transpose Concat Split Slice
    Gather GatherElements GatherND ScatterElements ScatterND Expand Tile Pad
    Shape Size ConstantOfShape Range Where Cast CastLike Identity
    DepthToSpace SpaceToDepth Resize Upsample TopK CumSum NonZero OneHot Einsum Trilu
    LSTM GRU RNN If Loop Scan
    """.split()
)


# ---------------------------------------------------------------------------------------------
# The suite on disk
# ---------------------------------------------------------------------------------------------


def _has_cases(path: str) -> bool:
    return os.path.isdir(path) and any(
        os.path.isfile(os.path.join(path, d, "model.onnx")) for d in os.listdir(path)
    )


def _write_value(path: str, value, type_proto: onnx.TypeProto, name: str) -> None:
    """One input_N.pb / output_N.pb, as onnx's own `backend-test-tools generate-data` does."""
    if type_proto.HasField("map_type"):
        proto = numpy_helper.from_dict(value, name)
    elif type_proto.HasField("sequence_type"):
        proto = numpy_helper.from_list(value, name)
    elif type_proto.HasField("optional_type"):
        proto = numpy_helper.from_optional(value, name)
    elif isinstance(value, onnx.TensorProto):
        proto = value
    else:
        proto = numpy_helper.from_array(value, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def generate_suite(dest: str) -> None:
    """Writes onnx's node cases under dest/<case>/ (model.onnx, data.json, test_data_set_N/)."""
    import onnx.backend.test.case.node as node_cases  # noqa: PLC0415 (slow: builds every case)

    np.random.seed(0)  # the case definitions draw their inputs from np.random
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    os.makedirs(dest)
    for case in cases:
        case_dir = os.path.join(dest, case.name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        with open(os.path.join(case_dir, "data.json"), "w") as f:
            json.dump({"rtol": case.rtol, "atol": case.atol}, f)
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds)
            for j, value in enumerate(inputs):
                _write_value(os.path.join(ds, f"input_{j}.pb"), value, graph.input[j].type, graph.input[j].name)
            for j, value in enumerate(outputs):
                _write_value(os.path.join(ds, f"output_{j}.pb"), value, graph.output[j].type, graph.output[j].name)


def locate_suite(data_arg: str | None) -> str:
    if data_arg:
        if not _has_cases(data_arg):
            sys.exit(f"run_node_tests: error: no cases (*/model.onnx) under {data_arg}")
        return data_arg
    wheel = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    if _has_cases(wheel):
        return wheel
    # The reference outputs depend on ml_dtypes too (its casts to the 4-bit types: 0.6 wraps
    # out-of-range values, 0.7 makes them 0), so its version keys the cache as well.
    import ml_dtypes
    cache = os.path.join(tempfile.gettempdir(),
                         f"aivm-onnx-node-suite-{onnx.__version__}-np{np.__version__}-mld{ml_dtypes.__version__}")
    if os.path.isfile(os.path.join(cache, ".complete")):
        return cache
    print(f"generating onnx {onnx.__version__}'s node suite into {cache} ...", file=sys.stderr, flush=True)
    staging = tempfile.mkdtemp(prefix="aivm-onnx-node-suite-", dir=tempfile.gettempdir())
    try:
        generate_suite(os.path.join(staging, "suite"))
        open(os.path.join(staging, "suite", ".complete"), "w").close()
        shutil.rmtree(cache, ignore_errors=True)  # a half-written one from an interrupted run
        try:
            os.rename(os.path.join(staging, "suite"), cache)
        except OSError:
            if not os.path.isfile(os.path.join(cache, ".complete")):  # not a concurrent run's
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cache


# ---------------------------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------------------------


class CaseFailure(Exception):
    """A case's one-line failure reason."""


def _is_static(value_info: onnx.ValueInfoProto) -> bool:
    t = value_info.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return False
    return all(d.HasField("dim_value") for d in t.tensor_type.shape.dim)


def _read_proto(path: str):
    """The value in an input_N.pb / output_N.pb: a numpy array, or None if not a tensor."""
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


_PATH = re.compile(r"(?:[\w.+-]*/)+([\w.+-]+)")


def _one_line(stderr: bytes, tool: str, returncode: int) -> str:
    """First line of a tool's error, without its 'tool: error: ' prefix and directories."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
        return f"crashed ({sig})" + (": " + _PATH.sub(r"\1", lines[0]) if lines else "")
    if not lines:
        return f"exit code {returncode}, no message"
    line = re.sub(rf"^{re.escape(tool)}: error: (?:run: )?", "", lines[0])
    line = _PATH.sub(r"\1", line)
    line = re.sub(r"^model\.onnx: ", "", line)  # every case's model has that name
    return line[:200]


def _run(cmd: list[str], timeout: float, what: str, tool: str) -> None:
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CaseFailure(f"timeout: {tool} > {timeout:g} s") from None
    if p.returncode != 0:
        raise CaseFailure(f"{what}: {_one_line(p.stderr, tool, p.returncode)}")


def _output_file_name(name: str, index: int) -> str:
    """As tools/aivm/run.cc's output_file_name."""
    s = "".join("_" if c in "/\\" or ord(c) < 0x20 else c for c in name)
    if s in ("", ".", ".."):
        s = f"output_{index}"
    return s + ".npy"


def compare(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> None:
    if got.shape != want.shape:
        raise CaseFailure(f"mismatch: shape {list(got.shape)}, expected {list(want.shape)}")
    if got.dtype != want.dtype:
        raise CaseFailure(f"mismatch: dtype {got.dtype}, expected {want.dtype}")
    if want.dtype.kind == "V" and "float" in want.dtype.name:
        # ml_dtypes floats (bfloat16, float8_*, float4_*) are kind 'V' to numpy: compare their
        # values as float32 (exact for every one), so NaN and tolerances work as for floats.
        got, want = got.astype(np.float32), want.astype(np.float32)
    if want.dtype.kind not in "fc":
        if not np.array_equal(got, want):
            bad = int(np.count_nonzero(got != want))
            raise CaseFailure(f"mismatch: {bad} of {want.size} elements differ")
        return
    got_nan, want_nan = np.isnan(got), np.isnan(want)
    if not np.array_equal(got_nan, want_nan):
        raise CaseFailure("mismatch: NaN positions differ")
    g, w = got[~want_nan], want[~want_nan]
    with np.errstate(all="ignore"):
        if np.allclose(g, w, rtol=rtol, atol=atol):
            return
        wide = np.complex128 if want.dtype.kind == "c" else np.float64
        g, w = g.astype(wide), w.astype(wide)
        diff = np.where(g == w, 0.0, np.abs(g - w))  # equal infinities are no difference
    raise CaseFailure(f"mismatch: max abs diff {diff.max():.3g}")


def run_case(case_dir: str, work: str, build: str, timeout: float) -> bool:
    """Raises CaseFailure with the reason, or returns whether shape inputs had to be bound
    at compile time (aivmc --bind) when every data set matches."""
    model = onnx.load(os.path.join(case_dir, "model.onnx"), load_external_data=False)
    graph = model.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [vi for vi in graph.input if vi.name not in initializers]
    outputs = list(graph.output)
    rtol, atol = DEFAULT_RTOL, DEFAULT_ATOL
    data_json = os.path.join(case_dir, "data.json")
    if os.path.isfile(data_json):
        with open(data_json) as f:
            data = json.load(f)
        rtol, atol = data.get("rtol", rtol), data.get("atol", atol)
    data_sets = sorted(
        (d for d in os.listdir(case_dir) if d.startswith("test_data_set_")),
        key=lambda d: int(d.rsplit("_", 1)[1]),
    )
    if not data_sets:
        raise CaseFailure("suite: no test_data_set_*")

    # Compile, with concrete shapes from the first data set for inputs that are not static.
    def compile_for(ds_dir: str, bound: list[int], bundle: str) -> None:
        cmd = [os.path.join(build, "aivmc"), os.path.join(case_dir, "model.onnx"), "-o", bundle]
        for j, vi in enumerate(inputs):
            pb = os.path.join(ds_dir, f"input_{j}.pb")
            if j in bound:
                cmd += ["--bind", f"{vi.name}={pb}"]
            elif not (_is_static(vi) or not vi.type.HasField("tensor_type")) and os.path.isfile(pb):
                shape = _read_proto(pb).shape
                cmd += ["--shape", f"{vi.name}=" + ",".join(str(d) for d in shape)]
        _run(cmd, timeout, "compile", "aivmc")

    def run_data_set(ds: str, bundle: str, bound: list[int]) -> None:
        ds_dir = os.path.join(case_dir, ds)
        out_dir = os.path.join(work, ds)
        cmd = [os.path.join(build, "aivm"), "run", bundle, "--output-dir", out_dir]
        for j, vi in enumerate(inputs):
            pb = os.path.join(ds_dir, f"input_{j}.pb")
            if os.path.isfile(pb) and j not in bound:
                cmd += ["--input", f"{vi.name}={pb}"]
        _run(cmd, timeout, "run", "aivm")
        for j, vi in enumerate(outputs):
            ref = os.path.join(ds_dir, f"output_{j}.pb")
            if not os.path.isfile(ref):
                continue
            if not vi.type.HasField("tensor_type"):
                raise CaseFailure(f"suite: output '{vi.name}' is not a tensor")
            got_path = os.path.join(out_dir, _output_file_name(vi.name, j))
            if not os.path.isfile(got_path):
                raise CaseFailure(f"run: no output file for '{vi.name}'")
            try:
                got = np.load(got_path, allow_pickle=False)
            except ValueError as e:
                raise CaseFailure(f"run: unreadable output '{vi.name}': {e}") from None
            compare(got, _read_proto(ref), rtol, atol)

    bundle = os.path.join(work, "model.aivm")
    try:
        compile_for(os.path.join(case_dir, data_sets[0]), [], bundle)
    except CaseFailure as e:
        # aivm compiles static shapes: an integer input that sets a shape (Reshape's target,
        # Slice's bounds, Pad's pads, Range's bounds) must be known at compile time. Retry with
        # such inputs bound to each data set's value (aivmc --bind), and say so in the result.
        shape_setting = {name for node in graph.node for k, name in enumerate(node.input)
                         if k in _FLOAT_SHAPE_INPUTS.get(node.op_type, ())}
        integer = [j for j, vi in enumerate(inputs)
                   if vi.type.HasField("tensor_type") and
                   (vi.type.tensor_type.elem_type in _INTEGER_TYPES or vi.name in shape_setting)]
        needs_constant = "must be a constant" in str(e) or "needs constant inputs" in str(e)
        if not needs_constant or not integer:
            raise
        for ds in data_sets:
            per_set = os.path.join(work, ds + ".aivm")
            compile_for(os.path.join(case_dir, ds), integer, per_set)
            run_data_set(ds, per_set, integer)
        return True
    for ds in data_sets:
        run_data_set(ds, bundle, [])
    return False


_INTEGER_TYPES = (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
# Float inputs that set an output shape (Resize's roi and scales, Upsample's scales, OneHot's depth): exported
# models hold them as constants; the suite feeds them as inputs, so they are bound like the
# integer shape inputs above.
_FLOAT_SHAPE_INPUTS = {"Resize": (1, 2), "Upsample": (1,), "OneHot": (1,)}


# ---------------------------------------------------------------------------------------------
# Operators, expectations, reports
# ---------------------------------------------------------------------------------------------


_EXPANDED = re.compile(r"_expanded(_ver\d+)?$")


def case_ops(names: list[str], suite: str) -> dict[str, str]:
    """Case name -> operator: the single node's op_type, or the base case's op for an
    _expanded model (the op's function body), or the op guessed from the name."""
    single: dict[str, str] = {}
    for name in names:
        model = onnx.load(os.path.join(suite, name, "model.onnx"), load_external_data=False)
        if len(model.graph.node) == 1:
            single[name] = model.graph.node[0].op_type
    by_lower = {op.lower(): op for op in set(single.values()) | LISTED_OPS}
    ops = {}
    for name in names:
        base = _EXPANDED.sub("", name)
        if base != name and base in single:  # even when the body is one node (Clip -> Identity)
            ops[name] = single[base]
        elif name in single:
            ops[name] = single[name]
        else:
            # The longest known op whose lower-case name prefixes the case name after "test_".
            rest = base[len("test_"):].replace("_", "").lower()
            match = max((k for k in by_lower if rest.startswith(k)), key=len, default=None)
            ops[name] = by_lower[match] if match else "?"
    return ops


def read_expectations(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not os.path.isfile(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition("#")
            out[name.strip()] = reason.strip()
    return out


def write_expectations(path: str, failures: dict[str, str]) -> None:
    header = (
        "# ONNX node-suite cases aivm is known to fail: `test_name  # reason`, sorted.\n"
        "# tests/conformance/run_node_tests.py --check fails on a failing case not listed here;\n"
        "# a listed case that passes is reported so its line can go: the list only shrinks.\n"
        "# Regenerate with run_node_tests.py --update.\n"
    )
    with open(path + ".tmp", "w") as f:
        f.write(header)
        for name in sorted(failures):
            f.write(f"{name}  # {failures[name]}\n")
    os.replace(path + ".tmp", path)


def print_table(results: dict[str, dict], ops: dict[str, str]) -> None:
    per_op: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for name, r in results.items():
        per_op[ops[name]][0 if r["passed"] else 1] += 1
    width = max([len("operator")] + [len(op) for op in per_op])
    print(f"{'operator':<{width}}  passed  failed  listed")
    for op in sorted(per_op, key=str.lower):
        p, f = per_op[op]
        print(f"{op:<{width}}  {p:>6}  {f:>6}  {'yes' if op in LISTED_OPS else ''}")
    print()
    lp = sum(per_op[op][0] for op in per_op if op in LISTED_OPS)
    lf = sum(per_op[op][1] for op in per_op if op in LISTED_OPS)
    covered = sum(1 for op in LISTED_OPS if op in per_op)
    print(f"listed ops ({covered} of {len(LISTED_OPS)} have cases here): {lp} passed, {lf} failed "
          f"of {lp + lf} cases ({100.0 * lp / max(lp + lf, 1):.1f}%)")
    direct = [r["passed"] for n, r in results.items() if ops[n] in LISTED_OPS and not _EXPANDED.search(n)]
    print(f"listed ops without the _expanded (function-body) cases: {sum(direct)} passed, "
          f"{len(direct) - sum(direct)} failed")
    all_p = sum(1 for r in results.values() if r["passed"])
    all_ops_pass = sum(1 for op in per_op if per_op[op][1] == 0)
    print(f"operators with every case passing: {all_ops_pass} of {len(per_op)}; "
          f"all cases: {all_p} of {len(results)} ({100.0 * all_p / max(len(results), 1):.1f}%)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="directory holding aivmc and aivm (default: %(default)s)")
    ap.add_argument("--filter", metavar="REGEX", help="only cases whose name matches (re.search)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel cases (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per aivmc/aivm process (default: %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the per-case work directories")
    ap.add_argument("--json", metavar="FILE", help="write per-case results as JSON")
    ap.add_argument("--data", metavar="DIR", help="the node suite (default: the onnx wheel's, or generated)")
    ap.add_argument("--expectations", default=EXPECTATIONS, help="default: %(default)s")
    ap.add_argument("--reasons", type=int, default=15, help="how many top failure reasons to print")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail on a failing case not in the expectations")
    mode.add_argument("--update", action="store_true", help="rewrite the expectations from this run")
    args = ap.parse_args()

    for tool in ("aivmc", "aivm"):
        if not os.access(os.path.join(args.build, tool), os.X_OK):
            sys.exit(f"run_node_tests: error: no {tool} in {args.build} (build it, or pass --build DIR)")
    build = os.path.abspath(args.build)
    suite = locate_suite(args.data)
    names = sorted(d for d in os.listdir(suite) if os.path.isfile(os.path.join(suite, d, "model.onnx")))
    if args.filter:
        rx = re.compile(args.filter)
        names = [n for n in names if rx.search(n)]
    if not names:
        sys.exit("run_node_tests: error: no case matches")

    work_root = tempfile.mkdtemp(prefix="aivm-conformance-")
    results: dict[str, dict] = {}
    lock = threading.Lock()
    start = time.monotonic()

    def one(name: str) -> None:
        work = os.path.join(work_root, name)
        os.makedirs(work)
        t0 = time.monotonic()
        try:
            bound = run_case(os.path.join(suite, name), work, build, args.timeout)
            r = {"passed": True, "reason": "", "bound": bound}
        except CaseFailure as e:
            r = {"passed": False, "reason": str(e)}
        except Exception as e:  # noqa: BLE001 (a broken case file, say: report, go on)
            r = {"passed": False, "reason": f"harness: {type(e).__name__}: {e}".splitlines()[0][:200]}
        r["seconds"] = round(time.monotonic() - t0, 3)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        with lock:
            results[name] = r

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            list(pool.map(one, names))
    finally:
        if args.keep:
            print(f"work directories kept in {work_root}", file=sys.stderr)
        else:
            shutil.rmtree(work_root, ignore_errors=True)
    elapsed = time.monotonic() - start

    ops = case_ops(names, suite)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({n: {"op": ops[n], **results[n]} for n in names}, f, indent=1, sort_keys=True)

    print_table(results, ops)
    failures = {n: r["reason"] for n, r in results.items() if not r["passed"]}
    # Grouped with node indices masked: "node '#1' (ReduceMax): ..." counts with '#0'.
    reasons = collections.Counter(re.sub(r"'#\d+'", "'#N'", r) for r in failures.values())
    if reasons:
        print(f"\nmost common failure reasons (of {len(reasons)} distinct):")
        for reason, count in reasons.most_common(args.reasons):
            print(f"{count:>6}  {reason}")
    n_bound = sum(1 for r in results.values() if r["passed"] and r.get("bound"))
    print(f"\n{len(names)} cases in {elapsed:.1f} s with {args.jobs} jobs; suite: {suite}")
    print(f"{n_bound} of the passing cases needed shape inputs bound at compile time (aivmc --bind)")

    status = 0
    if args.check or args.update:
        expected = read_expectations(args.expectations)
    shown = os.path.relpath(args.expectations, REPO) if args.expectations.startswith(REPO + os.sep) else args.expectations
    if args.check:
        regressions = sorted(n for n in failures if n not in expected)
        fixed = sorted(n for n in names if n in expected and results[n]["passed"])
        if not args.filter:
            gone = sorted(n for n in expected if n not in results)
            if gone:
                print(f"\n{len(gone)} case(s) listed in {shown} are not in this suite; remove their lines:")
                for n in gone:
                    print(f"  {n}")
        if fixed:
            print(f"\n{len(fixed)} case(s) listed in {shown} now pass; "
                  "remove their lines (the list only shrinks):")
            for n in fixed:
                print(f"  {n}")
        if regressions:
            print(f"\nREGRESSION: {len(regressions)} failing case(s) not listed in "
                  f"{shown}:")
            for n in regressions:
                print(f"  {n}  # {failures[n]}")
            status = 1
        else:
            print("\ncheck: every failing case is listed in the expectations")
    if args.update:
        merged = {n: r for n, r in expected.items() if n not in results} if args.filter else {}
        merged.update(failures)
        write_expectations(args.expectations, merged)
        print(f"\nwrote {len(merged)} expected failures to {args.expectations}")

    print(f"{len(names) - len(failures)} passed, {len(failures)} failed")
    return status


if __name__ == "__main__":
    sys.exit(main())
