// Scalar reference GEMM: one dot product per output, k ascending (the test oracle).
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {

void gemm_f32_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                        const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      float acc = 0.f;
      for (int64_t k = 0; k < K; ++k) {
        float a = trans_a ? A[k * lda + m] : A[m * lda + k];
        float b = trans_b ? B[n * ldb + k] : B[k * ldb + n];
        acc += a * b;
      }
      float v = ep.alpha * acc;
      if (ep.bias) v += ep.beta * ep.bias[m * ep.bias_row_stride + n * ep.bias_col_stride];
      if (ep.residual) v += ep.residual[m * ep.residual_row_stride + n * ep.residual_col_stride];
      C[m * ldc + n] = v;
    }
    apply_activation_f32(ep.act, N, C + m * ldc);
  }
}

}  // namespace aivm::kernels
