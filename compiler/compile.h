// The compiler's entry points: model file or stack program in, bundle description out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/ir/stack_program.h"
#include "format/writer.h"

namespace aivm::compiler {

struct CompileOptions {
  bool fuse = true;  // fold activations into Conv/Gemm superinstructions
  // Weight layout: "native" packs constant GEMM weights for this machine's GEMM kernels,
  // "portable" keeps them plain, an ISA name ("avx512", "avx2", "scalar") packs for that one.
  std::string target = "native";
  // Concrete shapes for inputs with symbolic dimensions (aivmc --shape NAME=D0,D1,...).
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Inputs frozen to a value at compile time (aivmc --bind NAME=FILE.pb): the bundle no longer
  // takes them, and shapes that depend on their values (a Reshape target, Slice bounds) become
  // static. The bundle is then only right for that value.
  std::map<std::string, Tensor> bound_inputs;
};

struct CompileReport {
  int forwarded_copies = 0;      // copies (Identity, zero Pad, ...) whose uses read their input
  int channel_affine_convs = 0;  // Mul + Add per channel made depthwise 1x1 convs
  int residual_adds = 0;         // Adds fused into the Conv before them
  int fused_activations = 0;
  int concats_in_place = 0;      // Concats whose Conv inputs write straight into the output
  int dead_instructions = 0;
  size_t instructions = 0;
  size_t registers = 0;
  uint64_t arena_bytes = 0;
  uint64_t arena_lower_bound = 0;
};

// Lowers, optimises and emits |program|. Throws CompileError.
format::BundleDesc compile_program(const StackProgram& program, const CompileOptions& options,
                                   CompileReport* report = nullptr);

// Reads |path| (.onnx or .aivs, by extension) and compiles it. Throws CompileError.
format::BundleDesc compile_file(const std::string& path, const CompileOptions& options,
                                CompileReport* report = nullptr);

}  // namespace aivm::compiler
