// aivmc: compiles a model (.onnx, or .aivs stack assembly) into a .aivm bundle.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "compiler/compile.h"
#include "compiler/onnx/onnx_import.h"

namespace {

int usage(FILE* out) {
  std::fprintf(out,
               "usage: aivmc MODEL.onnx|MODEL.aivs -o OUT.aivm [--shape NAME=D0,D1,...]... [--bind NAME=FILE.pb]... [--target T] [--no-fuse] [--verbose]\n"
               "  --shape gives a concrete shape to an input with symbolic dimensions.\n"
               "  --bind NAME=FILE.pb freezes input NAME to the TensorProto in FILE (the bundle no longer\n"
               "    takes it; shapes that depend on its value become static).\n"
               "  --target native|portable|avx512|avx2|scalar: layout of pre-packed GEMM weights\n"
               "    (default native: this machine's kernels; a bundle for another CPU is repacked at load).\n"
               "  Compiles MODEL into a bundle for the aivm runtime. OUT is written atomically:\n"
               "  on any error an existing OUT is left untouched.\n");
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, output;
  aivm::compiler::CompileOptions options;
  bool verbose = false;
  std::map<std::string, std::string> bind_files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(stdout);
    if (a == "-o" && i + 1 < argc) {
      output = argv[++i];
    } else if (a == "--shape" && i + 1 < argc) {
      std::string spec = argv[++i];
      size_t eq = spec.find('=');
      std::vector<int64_t> dims;
      bool ok = eq != std::string::npos && eq > 0;
      for (size_t p = eq + 1; ok && p <= spec.size();) {
        size_t comma = spec.find(',', p);
        std::string tok = spec.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
        char* end = nullptr;
        long long d = std::strtoll(tok.c_str(), &end, 10);
        ok = !tok.empty() && *end == 0 && d >= 0;
        dims.push_back(d);
        if (comma == std::string::npos) break;
        p = comma + 1;
      }
      if (!ok) {
        std::fprintf(stderr, "aivmc: error: --shape wants NAME=D0,D1,... with non-negative integers, got '%s'\n", spec.c_str());
        return 2;
      }
      options.input_shapes[spec.substr(0, eq)] = dims;
    } else if (a == "--bind" && i + 1 < argc) {
      std::string spec = argv[++i];
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "aivmc: error: --bind wants NAME=FILE.pb, got '%s'\n", spec.c_str());
        return 2;
      }
      bind_files[spec.substr(0, eq)] = spec.substr(eq + 1);
    } else if (a == "--target" && i + 1 < argc) {
      options.target = argv[++i];
    } else if (a == "--no-fuse") {
      options.fuse = false;
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (!a.empty() && a[0] != '-' && input.empty()) {
      input = a;
    } else {
      std::fprintf(stderr, "aivmc: error: unexpected argument '%s'\n", a.c_str());
      return usage(stderr);
    }
  }
  if (input.empty() || output.empty()) return usage(stderr);
  try {
    for (const auto& [name, file] : bind_files)
      options.bound_inputs[name] = aivm::compiler::read_tensor_proto_file(file);
    aivm::compiler::CompileReport report;
    aivm::format::BundleDesc desc = aivm::compiler::compile_file(input, options, &report);
    std::string error;
    if (!aivm::format::write_bundle(desc, output, &error)) {
      std::fprintf(stderr, "aivmc: error: %s\n", error.c_str());
      return 1;
    }
    if (verbose)
      std::fprintf(stderr,
                   "aivmc: %s -> %s: %zu instructions, %zu registers, %d activations fused, %d channel affines "
                   "as depthwise convs, %d residual adds fused, %d copies forwarded, %d concats in place, arena %llu "
                   "bytes (lower bound %llu)\n",
                   input.c_str(), output.c_str(), report.instructions, report.registers, report.fused_activations,
                   report.channel_affine_convs, report.residual_adds, report.forwarded_copies, report.concats_in_place,
                   (unsigned long long)report.arena_bytes, (unsigned long long)report.arena_lower_bound);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aivmc: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
