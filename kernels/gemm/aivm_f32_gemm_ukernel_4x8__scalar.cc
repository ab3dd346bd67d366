// Portable packed micro-kernel: 4 x 8 tile of scalar accumulators.
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_4x8__scalar(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                       size_t ldc, const GemmUkernelParams* p) {
  packed_ukernel<VScalar, 4, 8>(m, n, kc, a, b, c, ldc, p);
}

}  // namespace aivm::kernels
