// aivmc: compiles a model (.onnx, or .aivs stack assembly) into a .aivm bundle.
#include <cstdio>
#include <cstring>
#include <string>

#include "compiler/compile.h"

namespace {

int usage(FILE* out) {
  std::fprintf(out,
               "usage: aivmc MODEL.onnx|MODEL.aivs -o OUT.aivm [--no-fuse] [--verbose]\n"
               "  Compiles MODEL into a bundle for the aivm runtime. OUT is written atomically:\n"
               "  on any error an existing OUT is left untouched.\n");
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, output;
  aivm::compiler::CompileOptions options;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(stdout);
    if (a == "-o" && i + 1 < argc) {
      output = argv[++i];
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
    aivm::compiler::CompileReport report;
    aivm::format::BundleDesc desc = aivm::compiler::compile_file(input, options, &report);
    std::string error;
    if (!aivm::format::write_bundle(desc, output, &error)) {
      std::fprintf(stderr, "aivmc: error: %s\n", error.c_str());
      return 1;
    }
    if (verbose)
      std::fprintf(stderr,
                   "aivmc: %s -> %s: %zu instructions, %zu registers, %d activations fused, arena %llu bytes "
                   "(lower bound %llu)\n",
                   input.c_str(), output.c_str(), report.instructions, report.registers, report.fused_activations,
                   (unsigned long long)report.arena_bytes, (unsigned long long)report.arena_lower_bound);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aivmc: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
