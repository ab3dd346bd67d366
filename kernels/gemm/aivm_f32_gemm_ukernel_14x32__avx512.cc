// AVX-512 packed micro-kernel: 14 x 32 tile, 28 zmm accumulators (2 per row).
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_14x32__avx512(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                         size_t ldc, const GemmUkernelParams* p) {
  packed_ukernel<V512, 14, 2>(m, n, kc, a, b, c, ldc, p);
}

}  // namespace aivm::kernels
