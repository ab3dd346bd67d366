// GEMM micro-kernel interface: the parameter block, the three kernel shapes (packed tile,
// row-streaming, dot) and the packing functions, declared from gemm.inc.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

// What a packed micro-kernel does at its store. Without kGemmLoadC the tile's C is not read
// (first K block); with it the tile adds C's current value (a later K block). kGemmEpilogue
// marks the last K block: v = act(alpha * v + beta * bias[r*bias_rs + j*bias_cs]
// + residual[r*residual_rs + j*residual_cs]).
enum : uint32_t { kGemmLoadC = 1, kGemmEpilogue = 2 };

struct GemmUkernelParams {
  uint32_t flags = 0;
  float alpha = 1.f, beta = 1.f;
  const float* bias = nullptr;  // at the tile's origin; nullptr = no bias term
  int64_t bias_rs = 0, bias_cs = 0;
  const float* residual = nullptr;  // at the tile's origin; nullptr = no residual term
  int64_t residual_rs = 0, residual_cs = 0;
  Activation act;
  // 0: b is a packed micro-panel (rows NR apart). Else b is unpacked B read in place, rows
  // b_stride apart, with NR readable columns in each (a full panel's worth).
  int64_t b_stride = 0;
};

// Packed micro-kernel: C[m x n] (row stride ldc) from a packed A micro-panel holding m rows
// (m <= MR; element (r, k) at a[k*m + r]) and a packed B micro-panel (element (k, j) at
// b[k*NR + j], zero-padded to NR columns; or b[k*b_stride + j] in place, see
// GemmUkernelParams). Handles any m <= MR and n <= NR itself.
using GemmUkernelFn = void (*)(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                               size_t ldc, const GemmUkernelParams* p);

// Small-M kernels on unpacked operands; they write raw sums (no epilogue) to c[r*ldc + j].
// A row r is a[r*lda + k], k contiguous; m <= 4 rows.
//   stream: B is K x N (b[k*ldb + j]); walks B rows front to back, C rows stay in L1 (or, for
//           B a few vectors wide such as a pre-packed panel, in registers over all of k).
//   dot:    B is N x K (b[j*ldb + k]); one dot product per output, vectorized along k.
using GemmSmallFn = void (*)(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                             float* c, size_t ldc);

// Packs kc x nc of op(B) into ceil(nc/NR) micro-panels of kc x NR, zero-padded (see gemm.inc).
// op(B)(k, j) is b[k*ldb + j], or b[j*ldb + k] if trans. |panel_stride| floats between panels.
using GemmPackBFn = void (*)(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out,
                             size_t panel_stride);

// Packs mc x kc of op(A) into micro-panels of |mr| rows (the last may hold fewer), each
// k-major: element (r, k) of a panel with R rows at panel[k*R + r]; panels mr*kc apart.
void aivm_x32_packa_gemm(bool trans, size_t mr, size_t mc, size_t kc, const float* a, size_t lda, float* out);

#define AIVM_GEMM_VARIANT(isa, cpu_check, ukernel, mr, nr, packb, stream, dot) \
  void ukernel(size_t, size_t, size_t, const float*, const float*, float*, size_t, const GemmUkernelParams*); \
  void packb(bool, size_t, size_t, const float*, size_t, float*, size_t);                                    \
  void stream(size_t, size_t, size_t, const float*, size_t, const float*, size_t, float*, size_t);           \
  void dot(size_t, size_t, size_t, const float*, size_t, const float*, size_t, float*, size_t);
#include "kernels/gemm/gemm.inc"
#undef AIVM_GEMM_VARIANT

}  // namespace aivm::kernels
