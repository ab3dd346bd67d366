// AVX2+FMA packed micro-kernel: 6 x 16 tile, 12 ymm accumulators (2 per row).
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_6x16__avx2(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                      size_t ldc, const GemmUkernelParams* p) {
  packed_ukernel<V256, 6, 2>(m, n, kc, a, b, c, ldc, p);
}

}  // namespace aivm::kernels
