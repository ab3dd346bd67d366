// GEMM packing kernels (portable): A into MR-row micro-panels, B into NR-column micro-panels.
// Layouts are drawn in gemm.inc.
#include <cassert>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels/gemm/ukernel.h"

namespace aivm::kernels {
namespace {

template <size_t NR>
void pack_b(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out, size_t panel_stride) {
  for (size_t j0 = 0; j0 < nc; j0 += NR, out += panel_stride) {
    const size_t nj = nc - j0 < NR ? nc - j0 : NR;
    if (!trans) {
      const float* src = b + j0;
      for (size_t k = 0; k < kc; ++k, src += ldb) {
        if (nj == NR) {
          std::memcpy(out + k * NR, src, NR * sizeof(float));
        } else {
          for (size_t j = 0; j < NR; ++j) out[k * NR + j] = j < nj ? src[j] : 0.f;
        }
      }
      continue;
    }
    for (size_t j = 0; j < NR; ++j) {
      if (j >= nj) {
        for (size_t k = 0; k < kc; ++k) out[k * NR + j] = 0.f;
        continue;
      }
      const float* src = b + (j0 + j) * ldb;
      for (size_t k = 0; k < kc; ++k) out[k * NR + j] = src[k];
    }
  }
}

// o[k*rows + r] = src[r][k] for r < rows, k < kc: the transpose of a row-major A block. With
// SSE (every x86-64), 4x4 blocks go through registers: four row loads, a 4x4 shuffle, four
// stores, instead of a scalar gather per element, which made packing A cost as much as the
// multiply on thin shapes (3136x64x576: 42% of the time).
void transpose_rows(size_t rows, size_t kc, const float* const* src, float* o) {
  size_t k = 0;
#if defined(__SSE2__)
  for (; k + 4 <= kc; k += 4) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      __m128 r0 = _mm_loadu_ps(src[r] + k), r1 = _mm_loadu_ps(src[r + 1] + k);
      __m128 r2 = _mm_loadu_ps(src[r + 2] + k), r3 = _mm_loadu_ps(src[r + 3] + k);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(o + k * rows + r, r0);
      _mm_storeu_ps(o + (k + 1) * rows + r, r1);
      _mm_storeu_ps(o + (k + 2) * rows + r, r2);
      _mm_storeu_ps(o + (k + 3) * rows + r, r3);
    }
    for (; r < rows; ++r)
      for (size_t kk = k; kk < k + 4; ++kk) o[kk * rows + r] = src[r][kk];
  }
#endif
  for (; k < kc; ++k)
    for (size_t r = 0; r < rows; ++r) o[k * rows + r] = src[r][k];
}

}  // namespace

void aivm_x32_packa_gemm(bool trans, size_t mr, size_t mc, size_t kc, const float* a, size_t lda, float* out) {
  assert(mr <= 32);
  for (size_t i0 = 0; i0 < mc; i0 += mr) {
    const size_t rows = mc - i0 < mr ? mc - i0 : mr;
    float* o = out + i0 * kc;
    if (trans) {  // op(A)(r, k) = a[k*lda + r]: each k is a contiguous run of rows
      // A loop, not memcpy: a call per run of MR floats cost more than the copy.
      for (size_t k = 0; k < kc; ++k)
        for (size_t r = 0; r < rows; ++r) o[k * rows + r] = a[k * lda + i0 + r];
      continue;
    }
    // op(A)(r, k) = a[r*lda + k]: a transpose; read the rows as parallel streams, write
    // the panel front to back.
    const float* src[32];
    for (size_t r = 0; r < rows; ++r) src[r] = a + (i0 + r) * lda;
    transpose_rows(rows, kc, src, o);
  }
}

void aivm_x32_packb_gemm_nr8(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out,
                             size_t panel_stride) {
  pack_b<8>(trans, kc, nc, b, ldb, out, panel_stride);
}
void aivm_x32_packb_gemm_nr12(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out,
                              size_t panel_stride) {
  pack_b<12>(trans, kc, nc, b, ldb, out, panel_stride);
}
void aivm_x32_packb_gemm_nr16(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out,
                              size_t panel_stride) {
  pack_b<16>(trans, kc, nc, b, ldb, out, panel_stride);
}
void aivm_x32_packb_gemm_nr32(bool trans, size_t kc, size_t nc, const float* b, size_t ldb, float* out,
                              size_t panel_stride) {
  pack_b<32>(trans, kc, nc, b, ldb, out, panel_stride);
}

}  // namespace aivm::kernels
