// AArch64 NEON packed micro-kernel: 8 x 12 tile, 24 q-register accumulators (3 per row),
// A read 4 rows per load and applied by lane; with 3 B and 2 A registers, 29 of the 32.
#include "kernels/gemm/ukernel_impl.h"

namespace aivm::kernels {

void aivm_f32_gemm_ukernel_8x12__neon(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                      size_t ldc, const GemmUkernelParams* p) {
  packed_ukernel<VNeon, 8, 3>(m, n, kc, a, b, c, ldc, p);
}

}  // namespace aivm::kernels
