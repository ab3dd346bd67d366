// Dispatch (the ISA gemm_config() chose, so AIVM_FORCE_ISA steers both), the portable
// polynomial variant and the libm reference.
#include "kernels/vmath/vmath.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/config/gemm_config.h"
#include "kernels/simd/scalar.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels {

#if defined(__x86_64__) || defined(_M_X64)
extern const VmathKernels kVmathAvx512;
extern const VmathKernels kVmathAvx2;
#endif

using simd::Scalar;

namespace {

void exp_ref(size_t n, const float* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void sigmoid_ref(size_t n, const float* x, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
}
void swish_ref(size_t n, const float* x, float beta, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] / (1.f + std::exp(-beta * x[i]));
}

bool no_activation(const Activation&, size_t, float*) { return false; }

const VmathKernels kReference = {"reference", exp_ref, sigmoid_ref, swish_ref, no_activation};
const VmathKernels kPortable = {"scalar", vmath_impl::exp_array<Scalar>, vmath_impl::sigmoid_array<Scalar>,
                                vmath_impl::swish_array<Scalar>, vmath_impl::activation_array<Scalar>};

const VmathKernels& selected() {
  static const VmathKernels* k = [] {
    const VmathKernels* v = vmath_for_isa(gemm_config().isa);
    return v ? v : &kPortable;
  }();
  return *k;
}

}  // namespace

const VmathKernels& vmath_reference() { return kReference; }
const VmathKernels& vmath_portable() { return kPortable; }

const VmathKernels* vmath_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return &kVmathAvx512;
  if (std::strcmp(isa, "avx2") == 0) return &kVmathAvx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return &kPortable;
  return nullptr;
}

void vexp_f32(size_t n, const float* x, float* y) { selected().exp(n, x, y); }
bool vactivation_f32(const Activation& act, size_t n, float* y) { return selected().activation(act, n, y); }

}  // namespace aivm::kernels
