// AArch64 NEON small-M kernel, B = K x N: up to 4 rows, 4 rows of B streamed per pass over C.
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_4x4__neon_stream(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b,
                                            size_t ldb, float* c, size_t ldc) {
  stream_ukernel<VNeon, 4>(m, n, k, a, lda, b, ldb, c, ldc);
}

}  // namespace aivm::kernels
