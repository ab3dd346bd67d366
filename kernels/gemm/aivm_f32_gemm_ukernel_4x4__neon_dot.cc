// AArch64 NEON small-M kernel, B = N x K: 4 rows x 4 columns of dot products along k.
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_4x4__neon_dot(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b,
                                         size_t ldb, float* c, size_t ldc) {
  dot_ukernel<VNeon, 2>(m, n, k, a, lda, b, ldb, c, ldc);
}

}  // namespace aivm::kernels
