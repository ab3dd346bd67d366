// Vector math: exp-based functions over f32 arrays (exp, sigmoid, swish), vectorised with a
// polynomial exp instead of a libm call per element. Used by the activation epilogues of conv,
// depthwise and GEMM (vactivation_f32, and vmath_impl.h inlined into their kernels).
//
// Accuracy: exp within a few ulp of the correctly rounded result on [-87.3, 88.3]; inputs
// beyond are clamped, so exp saturates at about 1.2e-38 and 2.4e38 instead of reaching 0 and
// inf (which changes sigmoid and swish by less than a float's resolution). NaN stays NaN.
#pragma once

#include <cstddef>

#include "kernels/common.h"

namespace aivm::kernels {

// y may equal x (in place); otherwise they must not overlap.
void vexp_f32(size_t n, const float* x, float* y);
// y = act(y) in place when the kind has a vector form (Relu, Clip, LeakyRelu, HardSigmoid,
// HardSwish, Sigmoid, Swish); false, with y untouched, otherwise.
bool vactivation_f32(const Activation& act, size_t n, float* y);

// The variants behind them, for tests and benchmarks: the scalar reference (libm), the
// portable polynomial, and the ISA-specific ones (call only when the CPU has the ISA).
struct VmathKernels {
  const char* isa;
  void (*exp)(size_t, const float*, float*);
  void (*sigmoid)(size_t, const float*, float*);
  void (*swish)(size_t, const float*, float, float*);
  bool (*activation)(const Activation&, size_t, float*);  // the reference has none: false
};
const VmathKernels& vmath_reference();
const VmathKernels& vmath_portable();
const VmathKernels* vmath_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built

}  // namespace aivm::kernels
