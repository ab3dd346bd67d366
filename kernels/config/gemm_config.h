// GEMM kernel selection: one struct naming the micro-kernels, tile and cache blocking, filled
// once from the CPU's features (kernels/gemm/gemm.inc lists the candidates).
#pragma once

#include <cstddef>

#include "kernels/gemm/ukernel.h"

namespace aivm::kernels {

struct GemmConfig {
  const char* isa;              // "avx512", "avx2", "scalar", "neon"
  const char* packed_b_layout;  // "<isa>-nr<NR>": identifies gemm_pack_b's output format
  size_t mr, nr;                // micro-tile
  size_t kc, mc, nc;            // cache blocking: B micro-panel kc*nr in L1, A block mc*kc in L2,
                                // B block kc*nc in L3
  GemmUkernelFn ukernel;
  GemmPackBFn pack_b;
  GemmSmallFn stream, dot;  // small-M paths (see ukernel.h)
};

// The configuration every GEMM uses, chosen on first call (thread-safe) from cpu_features():
// the first variant in gemm.inc the CPU runs. The environment variable AIVM_FORCE_ISA
// (scalar | avx2 | avx512 | neon) picks that variant instead if the CPU supports it, else the
// default choice stands. The reference stays valid for the process lifetime.
const GemmConfig& gemm_config();

// Every variant of gemm.inc compiled for this architecture, in its order; |supported| says
// whether this CPU can run it. For tests and benchmarks.
struct GemmVariant {
  GemmConfig config;
  bool supported;
};
const GemmVariant* gemm_variants(size_t* count);

// The variant named |isa| if this CPU supports it, else nullptr.
const GemmConfig* gemm_config_for_isa(const char* isa);

}  // namespace aivm::kernels
