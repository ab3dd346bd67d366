// GEMM with a fused bias/activation epilogue, and numpy-style batched matmul built on it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

struct GemmConfig;  // kernels/config/gemm_config.h

// Epilogue applied to each output: bias is addressed as bias[m*bias_row_stride +
// n*bias_col_stride], so a 0 stride broadcasts it along that axis (scalar, row, column, full);
// residual likewise (a skip connection added before the activation: a conv's residual Add).
struct GemmEpilogue {
  float alpha = 1.f;
  const float* bias = nullptr;
  int64_t bias_row_stride = 0, bias_col_stride = 0;
  float beta = 1.f;
  const float* residual = nullptr;
  int64_t residual_row_stride = 0, residual_col_stride = 0;
  Activation act;
};

// C[m,n] = act(alpha * sum_k opA[m,k]*opB[k,n] + beta * bias[m*bias_row_stride + n*bias_col_stride]
//              + residual[m*residual_row_stride + n*residual_col_stride])
// (bias and residual terms only where not nullptr). opA = A (MxK, row stride lda) or, if trans_a, A^T where A
// is KxM with row stride lda; likewise opB = B (KxN) or, if trans_b, B^T where B is NxK.
// C (row stride ldc) is write-only and must not overlap A, B, bias or residual. K == 0 gives the epilogue
// of zero.
void gemm_f32_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                        const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep);
// Fast path, same contract, with the kernels of gemm_config() (kernels/config/gemm_config.h):
//   - M <= 4 (or N <= 4, by computing C^T = op(B)^T op(A)^T): small-M kernels on the unpacked
//     operands, streaming B once (B = K x N) or as dot products (B^T = N x K);
//   - otherwise Goto/BLIS blocking: B packed kc x nc, A packed mc x kc, an MR x NR micro-kernel
//     per tile, the epilogue fused into the last K block's store.
// Threads: the output is cut into a grid of up to pool->num_threads() blocks (along M, N or
// both, on micro-tile boundaries), each packing its own panels. Thread-safe for distinct C.
// Results may differ from the reference by rounding (blocked, FMA sums).
void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool);
// The same with an explicit configuration (tests and benchmarks run every variant).
void gemm_f32(const GemmConfig& cfg, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
              int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep,
              ThreadPool* pool);

//===----------------------------------------------------------------------===//
// Pre-packed B (constant weights packed once, e.g. by the compiler into a bundle)
//===----------------------------------------------------------------------===//
//
// Layout for a config with tile width NR: ceil(N/NR) panels, panel p holding columns
// [p*NR, p*NR+NR) of op(B) as K rows of NR floats (row k = op(B)(k, p*NR .. p*NR+NR-1)),
// columns past N zero; panel p starts at float offset p*K*NR. It depends only on NR, and
// cfg.packed_b_layout ("avx512-nr32", "avx2-nr16", ...) names it: store that string with the
// bytes and compare it with gemm_config().packed_b_layout before use; on a mismatch (bundle
// packed for another CPU) call gemm_f32 on the unpacked B, or repack.

// Bytes gemm_pack_b writes for an op(B) of K x N.
size_t gemm_packed_b_bytes(const GemmConfig& cfg, int64_t N, int64_t K);
// Packs op(B) (B is K x N, or N x K if trans_b; row stride ldb) into |out|, which holds
// gemm_packed_b_bytes bytes, preferably 64-byte aligned. Thread-safe.
void gemm_pack_b(const GemmConfig& cfg, bool trans_b, int64_t N, int64_t K, const float* B, int64_t ldb, void* out);
// gemm_f32 with op(B) given as gemm_pack_b(cfg, ...) output for the same N and K; |cfg| must
// be the configuration that packed it.
void gemm_f32_prepacked_b(const GemmConfig& cfg, bool trans_a, int64_t M, int64_t N, int64_t K, const float* A,
                          int64_t lda, const void* packed_b, float* C, int64_t ldc, const GemmEpilogue& ep,
                          ThreadPool* pool);

//===----------------------------------------------------------------------===//
// Pre-packed A (e.g. convolution weights, packed once and used for every column block)
//===----------------------------------------------------------------------===//
//
// Layout: op(A) cut into panels of r rows (r = MR, or fewer and balanced over M), each panel
// k-major with its rows interleaved (row count r, the last panel possibly fewer) over all of
// K; panel starting at row m begins at float offset m*K. Internal to this library and the
// running process: it is never stored in a bundle.

size_t gemm_packed_a_bytes(const GemmConfig& cfg, int64_t M, int64_t K);
// Rows per panel (r above) for an op(A) of M rows, for callers that write the panels themselves.
int64_t gemm_packed_a_rows(const GemmConfig& cfg, int64_t M);
void gemm_pack_a(const GemmConfig& cfg, bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda, void* out);
// gemm_f32 with op(A) given as gemm_pack_a(cfg, ...) output for the same M and K.
void gemm_f32_prepacked_a(const GemmConfig& cfg, int64_t M, int64_t N, int64_t K, const void* packed_a, bool trans_b,
                          const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep,
                          ThreadPool* pool);

// Both operands packed: A as gemm_pack_a writes it, B in gemm_pack_b's layout (built by the
// caller, e.g. an im2col written straight into B panels). No small-M or small-N paths.
void gemm_f32_prepacked_ab(const GemmConfig& cfg, int64_t M, int64_t N, int64_t K, const void* packed_a,
                           const void* packed_b, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool);

// numpy matmul over dense row-major tensors: ranks >= 1; a 1-D a is treated as [1, K] and a
// 1-D b as [K, 1], with that dim removed from the result; batch dims (all but the last two)
// broadcast. y is the result shape (given). Y must not overlap A or B.
void matmul_f32_reference(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y);
void matmul_f32(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y,
                ThreadPool* pool);

}  // namespace aivm::kernels
