// GEMM with a fused bias/activation epilogue, and numpy-style batched matmul built on it.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

// Epilogue applied to each output: bias is addressed as bias[m*bias_row_stride +
// n*bias_col_stride], so a 0 stride broadcasts it along that axis (scalar, row, column, full).
struct GemmEpilogue {
  float alpha = 1.f;
  const float* bias = nullptr;
  int64_t bias_row_stride = 0, bias_col_stride = 0;
  float beta = 1.f;
  Activation act;
};

// C[m,n] = act(alpha * sum_k opA[m,k]*opB[k,n] + beta * bias[m*bias_row_stride + n*bias_col_stride])
// (bias term only if bias != nullptr). opA = A (MxK, row stride lda) or, if trans_a, A^T where A
// is KxM with row stride lda; likewise opB = B (KxN) or, if trans_b, B^T where B is NxK.
// C (row stride ldc) is write-only and must not overlap A, B or bias. K == 0 gives the epilogue
// of zero.
void gemm_f32_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                        const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep);
// Splits output tiles (one row x up to 256 columns) across the pool.
void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool);

// numpy matmul over dense row-major tensors: ranks >= 1; a 1-D a is treated as [1, K] and a
// 1-D b as [K, 1], with that dim removed from the result; batch dims (all but the last two)
// broadcast. y is the result shape (given). Y must not overlap A or B.
void matmul_f32_reference(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y);
void matmul_f32(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y,
                ThreadPool* pool);

}  // namespace aivm::kernels
