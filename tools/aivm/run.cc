// `aivm run` and `aivm bench`: load a bundle through the C API, bind inputs, run.
#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "aivm.h"
#include "tools/aivm/commands.h"
#include "tools/aivm/profile_report.h"
#include "tools/aivm/tensor_io.h"

namespace aivm::tools {

const char kRunHelp[] =
    "usage: aivm run BUNDLE [--input NAME=FILE]... [--output-dir DIR] [--threads N]\n"
    "                [--max-loop-iterations N]\n"
    "\n"
    "Runs BUNDLE once. Inputs are .npy files (v1-v3, little-endian, C order; <f4 <f8 <f2 <i8\n"
    "<i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1, or an ml_dtypes name such as bfloat16) or ONNX\n"
    "TensorProto .pb files. NAME= may be left out when the model has one input, or when a .pb\n"
    "file's own name matches an input.\n"
    "Each output is written to DIR/NAME.npy (default DIR: current directory; created if\n"
    "missing) and printed as one line: name, dtype, shape and, for <= 16 elements, values.\n"
    "\n"
    "options:\n"
    "  --input NAME=FILE  bind input NAME to the tensor in FILE (repeatable)\n"
    "  --output-dir DIR   where to write the outputs\n"
    "  --threads N        intra-op threads (default 1)\n"
    "  --max-loop-iterations N\n"
    "                     loop back edges the run may take before it fails (default 2^24)\n";

const char kBenchHelp[] =
    "usage: aivm bench BUNDLE [--input NAME=FILE]... [--threads N] [--warmup N] [--iters N]\n"
    "                   [--json] [--profile] [--trace FILE.json]\n"
    "\n"
    "Times repeated runs of BUNDLE and prints median, p90, min and mean latency in ms.\n"
    "Inputs not given are random with a fixed seed: uniform [-1, 1) for floats, 0..3 for\n"
    "integers, 0/1 for bool; symbolic dimensions are 1.\n"
    "\n"
    "options:\n"
    "  --input NAME=FILE  as for `aivm run` (repeatable)\n"
    "  --threads N        intra-op threads (default 1)\n"
    "  --warmup N         untimed runs first (default 5)\n"
    "  --iters N          timed runs (default 50)\n"
    "  --json             print one JSON object instead of text\n"
    "  --profile          after the timed runs, as many profiled runs: time, share and GFLOP/s\n"
    "                     of every instruction, by opcode and by source node\n"
    "  --trace FILE.json  write the profiled runs as a Chrome trace (implies --profile)\n";

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", unsigned(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

//===------------------------------------------------------------------------------------===//
// C API ownership
//===------------------------------------------------------------------------------------===//

// Throws a runtime CliError "|what|: <status message>" for a failed status; frees it.
void check(aivm_status_t status, const std::string& what) {
  if (status == AIVM_OK) return;
  std::string msg = aivm_status_message(status);
  aivm_status_free(status);
  runtime_error(what + ": " + msg);
}

struct Loaded {
  aivm_model_t* model = nullptr;
  aivm_session_t* session = nullptr;
  std::vector<aivm_tensor_info_t> inputs, outputs;
  Loaded() = default;
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;
  ~Loaded() {
    aivm_session_release(session);
    aivm_model_release(model);
  }
};

void load(const std::string& path, long threads, Loaded* out, long max_loop_iterations = 0) {
  check(aivm_model_load_file(path.c_str(), aivm_allocator_system(), &out->model),
        "cannot load '" + path + "'");
  if (*aivm_model_load_note(out->model)) std::fprintf(stderr, "aivm: note: %s\n", aivm_model_load_note(out->model));
  for (size_t i = 0; i < aivm_model_input_count(out->model); ++i) {
    aivm_tensor_info_t info;
    check(aivm_model_input_info(out->model, i, &info), "input " + std::to_string(i));
    out->inputs.push_back(info);
  }
  for (size_t i = 0; i < aivm_model_output_count(out->model); ++i) {
    aivm_tensor_info_t info;
    check(aivm_model_output_info(out->model, i, &info), "output " + std::to_string(i));
    out->outputs.push_back(info);
  }
  aivm_session_options_t options{};
  options.intra_op_threads = int32_t(threads);
  options.max_loop_iterations = max_loop_iterations;
  check(aivm_session_create(out->model, &options, aivm_allocator_system(), &out->session),
        "cannot create a session for '" + path + "'");
}

//===------------------------------------------------------------------------------------===//
// Input binding
//===------------------------------------------------------------------------------------===//

std::string info_string(const aivm_tensor_info_t& info) {
  return std::string(info.name ? info.name : "") + ": " + dtype_label(info.dtype) + " " +
         shape_string(info.shape, info.rank);
}

std::string expected_inputs(const Loaded& m) {
  if (m.inputs.empty()) return "the model has no inputs";
  std::string s = "expected inputs: ";
  for (size_t i = 0; i < m.inputs.size(); ++i) s += (i ? ", " : "") + info_string(m.inputs[i]);
  return s;
}

int find_input(const Loaded& m, const std::string& name) {
  for (size_t i = 0; i < m.inputs.size(); ++i)
    if (m.inputs[i].name && name == m.inputs[i].name) return int(i);
  return -1;
}

// Which model input an --input argument binds, given the tensor it loaded.
int resolve_input(const Loaded& m, const std::string& arg, const std::string& name,
                  const HostTensor& t) {
  if (!name.empty()) {
    int i = find_input(m, name);
    if (i < 0) runtime_error("--input " + arg + ": the model has no input '" + name + "'; " + expected_inputs(m));
    return i;
  }
  if (m.inputs.size() == 1) return 0;
  if (!t.name.empty() && find_input(m, t.name) >= 0) return find_input(m, t.name);
  runtime_error("--input " + arg + ": the model has " + std::to_string(m.inputs.size()) +
                " inputs, so write NAME=FILE; " + expected_inputs(m));
}

void check_matches(const Loaded& m, const aivm_tensor_info_t& want, const HostTensor& t,
                   const std::string& file) {
  bool ok = want.dtype == t.dtype && want.rank == t.shape.size();
  for (size_t d = 0; ok && d < want.rank; ++d) ok = want.shape[d] < 0 || want.shape[d] == t.shape[d];
  if (!ok) {
    runtime_error("input '" + std::string(want.name) + "' from '" + file + "' is " +
                  dtype_label(t.dtype) + " " + shape_string(t.shape.data(), t.shape.size()) +
                  ", expected " + dtype_label(want.dtype) + " " +
                  shape_string(want.shape, want.rank) + "; " + expected_inputs(m));
  }
}

// Loads every --input into its slot of |out| (indexed like m.inputs; empty dtype = not given).
void load_inputs(const Loaded& m, const std::vector<std::string>& args,
                 std::vector<HostTensor>* out) {
  out->assign(m.inputs.size(), HostTensor{});
  for (const std::string& arg : args) {
    std::string name, file = arg;
    size_t eq = arg.find('=');
    // NAME=FILE, unless the text before '=' names no input and the whole argument is a file.
    if (eq != std::string::npos &&
        (find_input(m, arg.substr(0, eq)) >= 0 || !std::filesystem::exists(arg))) {
      name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
    }
    if (file.empty()) usage_error("--input " + arg + ": missing FILE");
    HostTensor t;
    std::string error;
    if (!read_tensor_file(file, &t, &error)) runtime_error("--input " + arg + ": " + error);
    int i = resolve_input(m, arg, name, t);
    if ((*out)[size_t(i)].dtype != AIVM_DTYPE_UNDEFINED)
      usage_error("input '" + std::string(m.inputs[size_t(i)].name) + "' is given twice");
    check_matches(m, m.inputs[size_t(i)], t, file);
    (*out)[size_t(i)] = std::move(t);
  }
}

// A tensor for |info| with a fixed-seed random fill; symbolic dims become 1.
HostTensor random_input(const aivm_tensor_info_t& info, std::mt19937* rng) {
  HostTensor t;
  t.dtype = info.dtype;
  for (size_t d = 0; d < info.rank; ++d) t.shape.push_back(info.shape[d] < 0 ? 1 : info.shape[d]);
  size_t n = t.element_count(), elem = dtype_bytes(t.dtype);
  t.data.resize(n * elem);
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 3);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* p = t.data.data() + i * elem;
    if (t.dtype == AIVM_DTYPE_F32) {
      float f = real(*rng);
      std::memcpy(p, &f, 4);
    } else if (t.dtype == AIVM_DTYPE_F64) {
      double d = real(*rng);
      std::memcpy(p, &d, 8);
    } else if (t.dtype == AIVM_DTYPE_F16 || t.dtype == AIVM_DTYPE_BF16) {
      float f = real(*rng);
      uint16_t h = t.dtype == AIVM_DTYPE_F16 ? float_to_half(f) : float_to_bf16(f);
      std::memcpy(p, &h, 2);
    } else {  // integers; for the float8 / float4 kinds these are small valid bit patterns
      int64_t v = t.dtype == AIVM_DTYPE_BOOL ? small(*rng) & 1 : small(*rng);
      std::memcpy(p, &v, elem);  // little-endian: the low bytes
    }
  }
  return t;
}

void set_inputs(const Loaded& m, const std::vector<HostTensor>& tensors) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    const HostTensor& t = tensors[i];
    check(aivm_session_set_input(m.session, m.inputs[i].name, t.dtype, t.shape.data(),
                                 t.shape.size(), t.data.data(), t.data.size()),
          "cannot set input '" + std::string(m.inputs[i].name) + "'");
  }
}

//===------------------------------------------------------------------------------------===//
// Outputs
//===------------------------------------------------------------------------------------===//

// A file name for output |name|: path separators and control characters become '_'.
std::string output_file_name(const char* name, size_t index) {
  std::string s = name ? name : "";
  for (char& c : s)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
  if (s.empty() || s == "." || s == "..") s = "output_" + std::to_string(index);
  return s + ".npy";
}

void write_outputs(const Loaded& m, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) runtime_error("cannot create output directory '" + dir + "': " + ec.message());
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    aivm_tensor_view_t view;
    const char* name = m.outputs[i].name ? m.outputs[i].name : "";
    check(aivm_session_get_output(m.session, i, &view), "cannot read output '" + std::string(name) + "'");
    std::vector<uint8_t> npy = encode_npy(view.dtype, view.shape, view.rank, view.data, view.size_bytes);
    std::string path = (std::filesystem::path(dir) / output_file_name(name, i)).string();
    std::string error;
    if (!write_file_atomic(path, npy.data(), npy.size(), &error)) runtime_error(error);

    size_t elem = dtype_bytes(view.dtype);
    size_t count = elem ? view.size_bytes / elem : 0;
    std::string line = std::string(name) + ": " + dtype_label(view.dtype) + " " +
                       shape_string(view.shape, view.rank);
    if (count <= 16) line += " = " + format_values(view.dtype, view.data, count, 16);
    std::printf("%s\n", line.c_str());
  }
}

//===------------------------------------------------------------------------------------===//
// Timing
//===------------------------------------------------------------------------------------===//

struct Stats {
  double median, p90, min, mean, max;
};

Stats summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  Stats s{};
  s.median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  s.p90 = ms[std::min(n - 1, (n * 9 + 9) / 10 - 1)];  // nearest rank: ceil(0.9 n)
  s.min = ms.front();
  s.max = ms.back();
  for (double v : ms) s.mean += v / double(n);
  return s;
}


}  // namespace

//===------------------------------------------------------------------------------------===//
// Commands
//===------------------------------------------------------------------------------------===//

int run_command(const std::vector<std::string>& argv) {
  Args args("run", argv, {"--input", "--output-dir", "--threads", "--max-loop-iterations"}, {});
  if (args.help()) return std::fputs(kRunHelp, stdout), 0;
  std::string bundle = bundle_argument(args, "run");
  long threads = args.integer("--threads", 1, 1, 1024);
  long max_loop_iterations = args.integer("--max-loop-iterations", 0, 1, LONG_MAX);
  std::vector<std::string> dirs = args.values("--output-dir");
  std::string dir = dirs.empty() ? "." : dirs.back();
  if (dir.empty()) usage_error("run: --output-dir needs a directory");

  Loaded m;
  load(bundle, threads, &m, max_loop_iterations);
  std::vector<HostTensor> inputs;
  load_inputs(m, args.values("--input"), &inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype == AIVM_DTYPE_UNDEFINED)
      runtime_error("missing input '" + std::string(m.inputs[i].name) + "'; " + expected_inputs(m));
  }
  set_inputs(m, inputs);
  check(aivm_session_run(m.session), "run of '" + bundle + "' failed");
  write_outputs(m, dir);
  return 0;
}

int bench_command(const std::vector<std::string>& argv) {
  Args args("bench", argv, {"--input", "--threads", "--warmup", "--iters", "--trace"}, {"--json", "--profile"});
  if (args.help()) return std::fputs(kBenchHelp, stdout), 0;
  std::string bundle = bundle_argument(args, "bench");
  long threads = args.integer("--threads", 1, 1, 1024);
  long warmup = args.integer("--warmup", 5, 0, 1000000);
  long iters = args.integer("--iters", 50, 1, 10000000);

  Loaded m;
  load(bundle, threads, &m);
  std::vector<HostTensor> inputs;
  load_inputs(m, args.values("--input"), &inputs);
  std::mt19937 rng(0x5eed);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].dtype == AIVM_DTYPE_UNDEFINED) inputs[i] = random_input(m.inputs[i], &rng);
  set_inputs(m, inputs);

  for (long i = 0; i < warmup; ++i) check(aivm_session_run(m.session), "warm-up run " + std::to_string(i));
  std::vector<double> ms;
  ms.reserve(size_t(iters));
  for (long i = 0; i < iters; ++i) {
    auto start = std::chrono::steady_clock::now();
    aivm_status_t st = aivm_session_run(m.session);
    auto stop = std::chrono::steady_clock::now();
    check(st, "timed run " + std::to_string(i));
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  Stats s = summarize(ms);

  // Profiled runs come after the timed ones so the latency figures carry no clock overhead.
  std::vector<std::string> trace = args.values("--trace");
  bool profile = args.has("--profile") || !trace.empty();
  std::vector<ProfileRow> rows;
  if (profile) {
    check(aivm_session_set_profiling(m.session, trace.empty() ? AIVM_PROFILING_COUNTERS : AIVM_PROFILING_TRACE),
          "cannot start profiling");
    for (long i = 0; i < iters; ++i) check(aivm_session_run(m.session), "profiled run " + std::to_string(i));
    rows = read_profile(m.session);
    if (!trace.empty()) {
      size_t events = write_chrome_trace(m.session, rows, trace.back());
      std::fprintf(stderr, "aivm: wrote %zu trace events to %s\n", events, trace.back().c_str());
    }
  }

  if (args.has("--json")) {
    std::printf(
        "{\"bundle\": %s, \"threads\": %ld, \"warmup\": %ld, \"iters\": %ld, "
        "\"median_ms\": %.6f, \"p90_ms\": %.6f, \"min_ms\": %.6f, \"mean_ms\": %.6f, "
        "\"max_ms\": %.6f%s%s}\n",
        json_string(bundle).c_str(), threads, warmup, iters, s.median, s.p90, s.min, s.mean, s.max,
        profile ? ", \"profile\": " : "", profile ? profile_json(rows, iters).c_str() : "");
  } else {
    std::printf("bundle   %s\n", bundle.c_str());
    std::printf("runs     %ld timed after %ld warm-up, %ld thread(s)\n", iters, warmup, threads);
    std::printf("latency  median %.4g ms  p90 %.4g ms  min %.4g ms  mean %.4g ms\n", s.median,
                s.p90, s.min, s.mean);
    if (profile) {
      std::printf("\n");
      print_profile(rows, iters);
    }
  }
  return 0;
}

}  // namespace aivm::tools
