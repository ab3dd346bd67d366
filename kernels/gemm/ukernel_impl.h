// Templates behind the per-ISA GEMM micro-kernel files: a vector-traits struct per ISA and the
// packed-tile, row-streaming and dot kernels written once over it. Everything here has internal
// linkage: each *__avx512.cc / *__avx2.cc / *__scalar.cc file instantiates it under its own
// target flags, so no AVX-512 copy of an inline function can leak into another ISA's code.
#pragma once

// GCC 12's AVX-512 headers trip these on their own "undefined" vectors (masked loads, reduces).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
// The vector math of this file's widest ISA only: its inline members compiled with these
// target flags must not be emitted in a TU of another ISA.
#if defined(__AVX512F__)
#include "kernels/simd/avx512.h"
#elif defined(__AVX2__) && defined(__FMA__)
#include "kernels/simd/avx2.h"
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/ukernel.h"
#include "kernels/vmath/vmath_impl.h"

#define AIVM_INLINE inline __attribute__((always_inline))
#define AIVM_INLINE_LAMBDA __attribute__((always_inline))

namespace aivm::kernels {
namespace {

//===----------------------------------------------------------------------===//
// Vector traits: W floats per register; loadn/storen touch only the first n < W lanes.
//===----------------------------------------------------------------------===//

struct VScalar {
  using T = float;
  static constexpr size_t W = 1;
  static AIVM_INLINE T zero() { return 0.f; }
  static AIVM_INLINE T load(const float* p) { return *p; }
  static AIVM_INLINE T loadn(const float* p, size_t) { return *p; }
  static AIVM_INLINE void store(float* p, T v) { *p = v; }
  static AIVM_INLINE void storen(float* p, T v, size_t) { *p = v; }
  static AIVM_INLINE T set1(float x) { return x; }
  static AIVM_INLINE T fma(T a, T b, T c) { return a * b + c; }
  static AIVM_INLINE T add(T a, T b) { return a + b; }
  static AIVM_INLINE T mul(T a, T b) { return a * b; }
  static AIVM_INLINE T max(T a, T b) { return a > b ? a : b; }  // NaN in b -> b, like maxps
  static AIVM_INLINE T min(T a, T b) { return a < b ? a : b; }
  static AIVM_INLINE float hsum(T v) { return v; }
};

#if defined(__AVX512F__)
struct V512 {
  using T = __m512;
  static constexpr size_t W = 16;
  static AIVM_INLINE __mmask16 mask(size_t n) { return __mmask16((1u << n) - 1u); }
  static AIVM_INLINE T zero() { return _mm512_setzero_ps(); }
  static AIVM_INLINE T load(const float* p) { return _mm512_loadu_ps(p); }
  static AIVM_INLINE T loadn(const float* p, size_t n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static AIVM_INLINE void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static AIVM_INLINE void storen(float* p, T v, size_t n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static AIVM_INLINE T set1(float x) { return _mm512_set1_ps(x); }
  static AIVM_INLINE T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static AIVM_INLINE T add(T a, T b) { return _mm512_add_ps(a, b); }
  static AIVM_INLINE T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static AIVM_INLINE T max(T a, T b) { return _mm512_max_ps(a, b); }
  static AIVM_INLINE T min(T a, T b) { return _mm512_min_ps(a, b); }
  static AIVM_INLINE float hsum(T v) { return _mm512_reduce_add_ps(v); }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
struct V256 {
  using T = __m256;
  static constexpr size_t W = 8;
  static AIVM_INLINE __m256i mask(size_t n) {
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + 8 - n));
  }
  static AIVM_INLINE T zero() { return _mm256_setzero_ps(); }
  static AIVM_INLINE T load(const float* p) { return _mm256_loadu_ps(p); }
  static AIVM_INLINE T loadn(const float* p, size_t n) { return _mm256_maskload_ps(p, mask(n)); }
  static AIVM_INLINE void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static AIVM_INLINE void storen(float* p, T v, size_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static AIVM_INLINE T set1(float x) { return _mm256_set1_ps(x); }
  static AIVM_INLINE T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static AIVM_INLINE T add(T a, T b) { return _mm256_add_ps(a, b); }
  static AIVM_INLINE T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static AIVM_INLINE T max(T a, T b) { return _mm256_max_ps(a, b); }
  static AIVM_INLINE T min(T a, T b) { return _mm256_min_ps(a, b); }
  static AIVM_INLINE float hsum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
#endif

#if defined(__aarch64__)
struct VNeon {
  using T = float32x4_t;
  static constexpr size_t W = 4;
  static AIVM_INLINE T zero() { return vdupq_n_f32(0.f); }
  static AIVM_INLINE T load(const float* p) { return vld1q_f32(p); }
  static AIVM_INLINE T loadn(const float* p, size_t n) {
    float t[4] = {0.f, 0.f, 0.f, 0.f};
    for (size_t i = 0; i < n; ++i) t[i] = p[i];
    return vld1q_f32(t);
  }
  static AIVM_INLINE void store(float* p, T v) { vst1q_f32(p, v); }
  static AIVM_INLINE void storen(float* p, T v, size_t n) {
    float t[4];
    vst1q_f32(t, v);
    for (size_t i = 0; i < n; ++i) p[i] = t[i];
  }
  static AIVM_INLINE T set1(float x) { return vdupq_n_f32(x); }
  static AIVM_INLINE T fma(T a, T b, T c) { return vfmaq_f32(c, a, b); }
  static AIVM_INLINE T add(T a, T b) { return vaddq_f32(a, b); }
  static AIVM_INLINE T mul(T a, T b) { return vmulq_f32(a, b); }
  // Keep maxps semantics (NaN in either operand -> b) so Relu/Clip match the reference.
  static AIVM_INLINE T max(T a, T b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static AIVM_INLINE T min(T a, T b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
  static AIVM_INLINE float hsum(T v) { return vaddvq_f32(v); }
};
#endif

//===----------------------------------------------------------------------===//
// Epilogue on a register: alpha, beta * bias, residual, Relu / Clip (the other activations
// run on the stored tile, see activate_stored_tile).
//===----------------------------------------------------------------------===//

// Columns [col, col + cnt) of a bias or residual row with column stride cs (0 broadcasts).
template <class V>
AIVM_INLINE typename V::T load_term(const float* row, size_t col, size_t cnt, int64_t cs) {
  if (cs == 1) return cnt == V::W ? V::load(row + col) : V::loadn(row + col, cnt);
  if (cs == 0) return V::set1(row[0]);
  float t[V::W] = {};
  for (size_t i = 0; i < cnt; ++i) t[i] = row[int64_t(col + i) * cs];
  return V::loadn(t, cnt);
}

// The store's terms, copied out of the parameter block once per tile: C is written through a
// float*, which may alias the block's float fields as far as the compiler knows, so reading
// them from |p| would reload (and re-test) every one of them after each vector stored.
struct StoreTerms {
  bool load_c, epilogue, scale, clip, relu;
  float alpha, beta;
  const float* bias;
  int64_t bias_rs, bias_cs;
  const float* residual;
  int64_t residual_rs, residual_cs;
  float lo, hi;  // Clip's bounds
};

AIVM_INLINE StoreTerms store_terms(const GemmUkernelParams& p) {
  StoreTerms t;
  t.load_c = (p.flags & kGemmLoadC) != 0;
  t.epilogue = (p.flags & kGemmEpilogue) != 0;
  t.scale = p.alpha != 1.f;
  t.relu = p.act.kind == isa::Activation::Relu;
  t.clip = p.act.kind == isa::Activation::Clip;
  t.alpha = p.alpha;
  t.beta = p.beta;
  t.bias = p.bias;
  t.bias_rs = p.bias_rs;
  t.bias_cs = p.bias_cs;
  t.residual = p.residual;
  t.residual_rs = p.residual_rs;
  t.residual_cs = p.residual_cs;
  t.lo = p.act.p0;
  t.hi = p.act.p1;
  return t;
}

// The epilogue on one vector of row r: alpha, beta * bias, residual, Relu / Clip.
template <class V>
AIVM_INLINE typename V::T epilogue(typename V::T v, size_t r, size_t col, size_t cnt, const StoreTerms& t) {
  if (t.scale) v = V::mul(V::set1(t.alpha), v);
  if (t.bias) {
    const float* row = t.bias + int64_t(r) * t.bias_rs;
    v = V::add(v, t.bias_cs == 0 ? V::set1(t.beta * row[0]) : V::mul(V::set1(t.beta), load_term<V>(row, col, cnt, t.bias_cs)));
  }
  if (t.residual) v = V::add(v, load_term<V>(t.residual + int64_t(r) * t.residual_rs, col, cnt, t.residual_cs));
  if (t.relu) v = V::max(v, V::zero());
  if (t.clip) v = V::min(V::set1(t.hi), V::max(V::set1(t.lo), v));
  return v;
}

// Every activation the store does not apply in registers runs on the tile just stored, while
// it is still in L1.
AIVM_INLINE bool row_activation(const GemmUkernelParams& p) {
  return (p.flags & kGemmEpilogue) && p.act.kind != isa::Activation::None && p.act.kind != isa::Activation::Relu &&
         p.act.kind != isa::Activation::Clip;
}

// The kernels/simd type with the vector math for a micro-kernel's vector type, or void.
template <class V>
struct VectorMath {
  using type = void;
};
#if defined(__AVX512F__)
template <>
struct VectorMath<V512> {
  using type = simd::V512;
};
#elif defined(__AVX2__) && defined(__FMA__)
template <>
struct VectorMath<V256> {
  using type = simd::V256;
};
#endif

// The activation over a stored R x n tile: reloaded a vector at a time (no accumulator is
// live any more, so the exp polynomial has the registers), or, for kinds without a vector
// form and ISAs without vector math, a call per row.
template <class V, size_t R>
AIVM_INLINE void activate_stored_tile(size_t n, float* c, size_t ldc, const Activation& act) {
  using S = typename VectorMath<V>::type;
  if constexpr (!std::is_void_v<S>) {
    constexpr size_t W = V::W;
    const bool done = vmath_impl::with_vector_activation<S>(act, [&](auto f) {
      for (size_t r = 0; r < R; ++r) {
        float* cr = c + r * ldc;
        size_t col = 0;
        for (; col + W <= n; col += W) V::store(cr + col, f(V::load(cr + col)));
        if (col < n) V::storen(cr + col, f(V::loadn(cr + col, n - col)), n - col);
      }
    });
    if (done) return;
  }
  for (size_t r = 0; r < R; ++r) epilogue_activation_f32(act, int64_t(n), c + r * ldc);
}

// The common last-K-block store of a full tile (no alpha, a bias per row or none, a residual
// read along the row or none) with the branches taken once per tile: tested per vector, the
// general store's terms cost ~35 instructions a vector, as much as 16 k steps of FMAs
// (a 1x1 conv from 16 channels).
template <class V, size_t R, size_t NV, bool Residual, bool Relu>
AIVM_INLINE void store_full_tile(typename V::T (&acc)[R][NV], float* c, size_t ldc, const StoreTerms& t) {
  using T = typename V::T;
  constexpr size_t W = V::W;
  // Clip with bounds at +-inf is the identity, NaN included (max/min return their second
  // operand on NaN), so no activation and Clip share one form.
  const T lo = V::set1(t.clip ? t.lo : -__builtin_inff()), hi = V::set1(t.clip ? t.hi : __builtin_inff());
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r) {
    const T bias = t.bias ? V::set1(t.beta * t.bias[int64_t(r) * t.bias_rs]) : V::zero();
    const float* residual = Residual ? t.residual + int64_t(r) * t.residual_rs : nullptr;
    float* cr = c + r * ldc;
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      T v = acc[r][j];
      if (t.load_c) v = V::add(v, V::load(cr + j * W));
      if (t.bias) v = V::add(v, bias);
      if constexpr (Residual) v = V::add(v, V::load(residual + j * W));
      if constexpr (Relu) {
        v = V::max(v, V::zero());
      } else {
        v = V::min(hi, V::max(lo, v));
      }
      V::store(cr + j * W, v);
    }
  }
}

// Stores an R x (NV*W) accumulator tile, first n columns, with the K-block flags of |p|.
// FullHeight (R = MR, nearly every tile) adds the whole-tile path; edge rows keep the general
// store only, since the path's four copies per tile shape would otherwise add ~250 KB of code.
template <class V, size_t R, size_t NV, bool FullHeight>
AIVM_INLINE void store_tile(typename V::T (&acc)[R][NV], size_t n, float* c, size_t ldc,
                            const GemmUkernelParams& p) {
  constexpr size_t W = V::W;
  const StoreTerms t = store_terms(p);
  if constexpr (FullHeight) {
    if (n == NV * W && t.epilogue && !t.scale && (!t.bias || t.bias_cs == 0) && (!t.residual || t.residual_cs == 1)) {
      if (t.residual) {
        t.relu ? store_full_tile<V, R, NV, true, true>(acc, c, ldc, t) : store_full_tile<V, R, NV, true, false>(acc, c, ldc, t);
      } else {
        t.relu ? store_full_tile<V, R, NV, false, true>(acc, c, ldc, t)
               : store_full_tile<V, R, NV, false, false>(acc, c, ldc, t);
      }
      if (row_activation(p)) activate_stored_tile<V, R>(n, c, ldc, p.act);
      return;
    }
  }
  // Whole vectors (every column of a full tile) load and store without masks.
  auto store = [&](size_t r, size_t j, size_t cnt) AIVM_INLINE_LAMBDA {
    float* at = c + r * ldc + j * W;
    typename V::T v = acc[r][j];
    if (t.load_c) v = V::add(v, cnt == W ? V::load(at) : V::loadn(at, cnt));
    if (t.epilogue) v = epilogue<V>(v, r, j * W, cnt, t);
    if (cnt == W) {
      V::store(at, v);
    } else {
      V::storen(at, v, cnt);
    }
  };
  if (n == NV * W) {
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) store(r, j, W);
  } else {
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        if (j * W >= n) break;
        store(r, j, n - j * W < W ? n - j * W : W);
      }
  }
  // After the whole tile is stored: while accumulators are live, a call spills them all (every
  // vector register is caller-saved) and the exp polynomial lacks the registers it needs.
  if (row_activation(p)) activate_stored_tile<V, R>(n, c, ldc, p.act);
}

//===----------------------------------------------------------------------===//
// Packed micro-kernel: R (<= MR) rows x NV vectors, instantiated for every R so edge rows
// cost only their own FMAs.
//===----------------------------------------------------------------------===//

// Rows [R0, R) of one k step: each A value broadcast to a register, times the NV B vectors.
template <class V, size_t R, size_t NV, size_t R0 = 0>
AIVM_INLINE void fma_rows_broadcast(typename V::T (&acc)[R][NV], const float* a, const typename V::T (&bv)[NV]) {
#pragma GCC unroll 16
  for (size_t r = R0; r < R; ++r) {
    const typename V::T av = V::set1(a[r]);
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc[r][j] = V::fma(av, bv[j], acc[r][j]);
  }
}

#if defined(__aarch64__)
// NEON multiplies by a vector element (fmla v.4s, v.4s, v.s[L]), so four rows of A come in
// with one load and need no broadcasts: per k, MR/4 loads of A instead of MR. The lane must
// be an immediate, hence the index_sequence instead of a loop.
template <int L, size_t NV>
AIVM_INLINE void fma_lane(float32x4_t (&acc)[NV], float32x4_t av, const float32x4_t (&bv)[NV]) {
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) acc[j] = vfmaq_laneq_f32(acc[j], bv[j], av, L);
}

template <size_t R, size_t NV, int... L>
AIVM_INLINE void fma_quad(float32x4_t (&acc)[R][NV], size_t r0, float32x4_t av, const float32x4_t (&bv)[NV],
                          std::integer_sequence<int, L...>) {
  (fma_lane<L>(acc[r0 + L], av, bv), ...);
}
#endif

// One k step of the packed tile: acc[r][j] += A(r, k) * B(k, j-th vector).
template <class V, size_t R, size_t NV>
AIVM_INLINE void fma_rows(typename V::T (&acc)[R][NV], const float* a, const typename V::T (&bv)[NV]) {
#if defined(__aarch64__)
  if constexpr (std::is_same_v<V, VNeon>) {
    // Whole quads of rows by lane; the last R % 4 rows broadcast, since a full vector load
    // there would read past the end of the A panel.
#pragma GCC unroll 16
    for (size_t q = 0; q < R / 4; ++q) fma_quad(acc, 4 * q, vld1q_f32(a + 4 * q), bv, std::make_integer_sequence<int, 4>());
    fma_rows_broadcast<V, R, NV, R / 4 * 4>(acc, a, bv);
    return;
  }
#endif
  fma_rows_broadcast<V, R, NV>(acc, a, bv);
}

// R rows x NV vectors of C from a packed B panel PNV vectors wide (NV < PNV: a panel whose
// columns past NV * W are padding, so only its first vectors are loaded and multiplied).
// k steps ahead that the AVX-512 tile prefetches its A and B panels (8 and 32 measured slower).
constexpr size_t kAvx512PrefetchSteps = 16;

template <class V, size_t R, size_t NV, size_t PNV, bool FullHeight>
void packed_tile(size_t n, size_t kc, const float* a, const float* b, float* c, size_t ldc,
                 const GemmUkernelParams& p) {
  using T = typename V::T;
  constexpr size_t W = V::W, NR = NV * W;
  T acc[R][NV];
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc[r][j] = V::zero();
  // The C tile's lines (and the residual's) on their way while the k loop runs: the store
  // (and the activation's reload) would otherwise wait for each line from L3 or memory, since
  // the tile's rows are too far apart for the hardware prefetchers.
  const size_t last = (n < NR ? n : NR) - 1;
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r) {
    __builtin_prefetch(c + r * ldc, 1, 3);
    __builtin_prefetch(c + r * ldc + last, 1, 3);
  }
  if (p.residual && (p.flags & kGemmEpilogue) && p.residual_cs == 1) {
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      __builtin_prefetch(p.residual + int64_t(r) * p.residual_rs, 0, 3);
      __builtin_prefetch(p.residual + int64_t(r) * p.residual_rs + last, 0, 3);
    }
  }
  const size_t b_step = p.b_stride ? size_t(p.b_stride) : PNV * W;
  for (size_t k = 0; k < kc; ++k) {
    T bv[NV];
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) bv[j] = V::load(b + j * W);
    if constexpr (W == 16) {
      // AVX-512 drains its operands faster than the hardware prefetchers bring them from L2:
      // 2048^3 on Sapphire Rapids went from 146 to 166 GFLOP/s (kc 768), 512^3 153 -> 165.
      __builtin_prefetch(a + R * kAvx512PrefetchSteps, 0, 3);
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) __builtin_prefetch(b + b_step * kAvx512PrefetchSteps + j * W, 0, 3);
    }
    fma_rows<V, R, NV>(acc, a, bv);
    a += R;
    b += b_step;
  }
  store_tile<V, R, NV, FullHeight>(acc, n, c, ldc, p);
}

template <class V, size_t NV, size_t PNV, size_t... Rs>
AIVM_INLINE void packed_dispatch(std::index_sequence<Rs...>, size_t m, size_t n, size_t kc, const float* a,
                                 const float* b, float* c, size_t ldc, const GemmUkernelParams& p) {
  using Fn = void (*)(size_t, size_t, const float*, const float*, float*, size_t, const GemmUkernelParams&);
  static constexpr Fn table[] = {&packed_tile<V, Rs + 1, NV, PNV, Rs + 1 == sizeof...(Rs)>...};
  table[m - 1](n, kc, a, b, c, ldc, p);
}

template <class V, size_t MR, size_t NV>
AIVM_INLINE void packed_ukernel(size_t m, size_t n, size_t kc, const float* a, const float* b, float* c,
                                size_t ldc, const GemmUkernelParams* p) {
  if (m == 0 || n == 0) return;
  // A last panel at most one vector wide (N = 49 = 3 x 16 + 1: a 7x7 conv output) runs one
  // vector of FMAs per row, not the panel's NV: at 6x16 (AVX2, Zen 3) 512x49x4608 took as
  // long as 512x64x4608.
  if constexpr (NV > 1) {
    if (n <= V::W) return packed_dispatch<V, 1, NV>(std::make_index_sequence<MR>(), m, n, kc, a, b, c, ldc, *p);
  }
  packed_dispatch<V, NV, NV>(std::make_index_sequence<MR>(), m, n, kc, a, b, c, ldc, *p);
}

//===----------------------------------------------------------------------===//
// Small M, B = K x N: KB rows of B at a time are streamed front to back into R C rows; the
// C rows are re-read once per KB rows of B, in column chunks that stay in L1.
//===----------------------------------------------------------------------===//

template <class V, size_t R, size_t KB>
AIVM_INLINE void stream_step(size_t nc, const float* a, size_t lda, const float* b, size_t ldb, float* c,
                             size_t ldc, bool first) {
  using T = typename V::T;
  constexpr size_t W = V::W;
  T av[R][KB];
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (size_t kk = 0; kk < KB; ++kk) av[r][kk] = V::set1(a[r * lda + kk]);
  for (size_t j = 0; j < nc; j += W) {
    const size_t cnt = nc - j < W ? nc - j : W;
    T acc[R];
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) acc[r] = first ? V::zero() : V::loadn(c + r * ldc + j, cnt);
#pragma GCC unroll 16
    for (size_t kk = 0; kk < KB; ++kk) {
      const T bv = cnt == W ? V::load(b + kk * ldb + j) : V::loadn(b + kk * ldb + j, cnt);
#pragma GCC unroll 16
      for (size_t r = 0; r < R; ++r) acc[r] = V::fma(av[r][kk], bv, acc[r]);
    }
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      if (cnt == W) {
        V::store(c + r * ldc + j, acc[r]);
      } else {
        V::storen(c + r * ldc + j, acc[r], cnt);
      }
    }
  }
}

// Accumulator registers a narrow stream may use: the rest hold B vectors and broadcasts.
template <class V>
constexpr size_t kNarrowAccumulators = V::W == 8 ? 8 : 24;  // AVX2 has 16 vector registers, the others 32

// B no wider than NV vectors (a pre-packed panel; a transposed product's few rows): C stays in
// registers over all of k, in U independent sets (one FMA chain per set, so the loop runs at
// load speed rather than FMA latency), summed and stored once at the end.
template <class V, size_t R, size_t NV>
void stream_narrow(size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c,
                   size_t ldc) {
  using T = typename V::T;
  constexpr size_t W = V::W;
  constexpr size_t U = kNarrowAccumulators<V> / (R * NV) >= 4 ? 4 : kNarrowAccumulators<V> / (R * NV) >= 2 ? 2 : 1;
  const size_t last = n - (NV - 1) * W;  // columns in the last vector, 1..W
  T acc[U][R][NV];
#pragma GCC unroll 16
  for (size_t u = 0; u < U; ++u)
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) acc[u][r][j] = V::zero();
  auto step = [&](size_t u, size_t kk) AIVM_INLINE_LAMBDA {
    T bv[NV];
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const float* bj = b + kk * ldb + j * W;
      bv[j] = j + 1 < NV || last == W ? V::load(bj) : V::loadn(bj, last);
    }
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      const T av = V::set1(a[r * lda + kk]);
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) acc[u][r][j] = V::fma(av, bv[j], acc[u][r][j]);
    }
  };
  size_t kk = 0;
  for (; kk + U <= k; kk += U) {
#pragma GCC unroll 16
    for (size_t u = 0; u < U; ++u) step(u, kk + u);
  }
  for (; kk < k; ++kk) step(0, kk);
#pragma GCC unroll 16
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      T sum = acc[0][r][j];
#pragma GCC unroll 16
      for (size_t u = 1; u < U; ++u) sum = V::add(sum, acc[u][r][j]);
      if (j + 1 < NV || last == W) {
        V::store(c + r * ldc + j * W, sum);
      } else {
        V::storen(c + r * ldc + j * W, sum, last);
      }
    }
  }
}

template <class V, size_t R, size_t KB>
void stream_rows(size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c,
                 size_t ldc) {
  constexpr size_t W = V::W;
  if (n <= W) return stream_narrow<V, R, 1>(n, k, a, lda, b, ldb, c, ldc);
  if (n <= 2 * W) return stream_narrow<V, R, 2>(n, k, a, lda, b, ldb, c, ldc);
  if constexpr (kNarrowAccumulators<V> >= 12) {  // NEON's 12-wide packed panels
    if (n <= 3 * W) return stream_narrow<V, R, 3>(n, k, a, lda, b, ldb, c, ldc);
  }
  constexpr size_t kChunk = 4096 / R;  // C columns per pass: R rows x 16 / R KiB stay in L1
  for (size_t n0 = 0; n0 < n; n0 += kChunk) {
    const size_t nc = n - n0 < kChunk ? n - n0 : kChunk;
    if (k == 0) {
      for (size_t r = 0; r < R; ++r) std::memset(c + r * ldc + n0, 0, nc * sizeof(float));
      continue;
    }
    size_t k0 = 0;
    for (; k0 + KB <= k; k0 += KB) stream_step<V, R, KB>(nc, a + k0, lda, b + k0 * ldb + n0, ldb, c + n0, ldc, k0 == 0);
    for (; k0 < k; ++k0) stream_step<V, R, 1>(nc, a + k0, lda, b + k0 * ldb + n0, ldb, c + n0, ldc, k0 == 0);
  }
}

template <class V, size_t KB>
AIVM_INLINE void stream_ukernel(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b,
                                size_t ldb, float* c, size_t ldc) {
  for (; m >= 4; m -= 4, a += 4 * lda, c += 4 * ldc) stream_rows<V, 4, KB>(n, k, a, lda, b, ldb, c, ldc);
  switch (m) {
    case 3: stream_rows<V, 3, KB>(n, k, a, lda, b, ldb, c, ldc); break;
    case 2: stream_rows<V, 2, KB>(n, k, a, lda, b, ldb, c, ldc); break;
    case 1: stream_rows<V, 1, KB>(n, k, a, lda, b, ldb, c, ldc); break;
    default: break;
  }
}

//===----------------------------------------------------------------------===//
// Small M, B = N x K: R rows of A against NJ rows of B, vectorized along k, U vectors of k
// per step for independent accumulators; a horizontal sum per output.
//===----------------------------------------------------------------------===//

template <class V, size_t R, size_t NJ, size_t U>
void dot_tile(size_t nj, size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc) {
  using T = typename V::T;
  constexpr size_t W = V::W;
  const float* brow[NJ];
  for (size_t j = 0; j < NJ; ++j) brow[j] = b + (j < nj ? j : 0) * ldb;
  T acc[U][R][NJ];
#pragma GCC unroll 16
  for (size_t u = 0; u < U; ++u)
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
      for (size_t j = 0; j < NJ; ++j) acc[u][r][j] = V::zero();
  size_t kk = 0;
  for (; kk + U * W <= k; kk += U * W) {
#pragma GCC unroll 16
    for (size_t u = 0; u < U; ++u) {
      T bv[NJ];
#pragma GCC unroll 16
      for (size_t j = 0; j < NJ; ++j) bv[j] = V::load(brow[j] + kk + u * W);
#pragma GCC unroll 16
      for (size_t r = 0; r < R; ++r) {
        const T av = V::load(a + r * lda + kk + u * W);
#pragma GCC unroll 16
        for (size_t j = 0; j < NJ; ++j) acc[u][r][j] = V::fma(av, bv[j], acc[u][r][j]);
      }
    }
  }
  for (; kk < k; kk += W) {
    const size_t cnt = k - kk < W ? k - kk : W;
    T bv[NJ];
#pragma GCC unroll 16
    for (size_t j = 0; j < NJ; ++j) bv[j] = V::loadn(brow[j] + kk, cnt);
#pragma GCC unroll 16
    for (size_t r = 0; r < R; ++r) {
      const T av = V::loadn(a + r * lda + kk, cnt);
#pragma GCC unroll 16
      for (size_t j = 0; j < NJ; ++j) acc[0][r][j] = V::fma(av, bv[j], acc[0][r][j]);
    }
  }
  for (size_t r = 0; r < R; ++r) {
    for (size_t j = 0; j < nj; ++j) {
      T s = acc[0][r][j];
      for (size_t u = 1; u < U; ++u) s = V::add(s, acc[u][r][j]);
      c[r * ldc + j] = V::hsum(s);
    }
  }
}

template <class V, size_t R, size_t U>
void dot_rows(size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb, float* c, size_t ldc) {
  constexpr size_t NJ = 4;
  for (size_t j0 = 0; j0 < n; j0 += NJ) {
    dot_tile<V, R, NJ, U>(n - j0 < NJ ? n - j0 : NJ, k, a, lda, b + j0 * ldb, ldb, c + j0, ldc);
  }
}

template <class V, size_t U>
AIVM_INLINE void dot_ukernel(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                             float* c, size_t ldc) {
  for (; m >= 4; m -= 4, a += 4 * lda, c += 4 * ldc) dot_rows<V, 4, 1>(n, k, a, lda, b, ldb, c, ldc);
  switch (m) {
    case 3: dot_rows<V, 3, 1>(n, k, a, lda, b, ldb, c, ldc); break;
    case 2: dot_rows<V, 2, U>(n, k, a, lda, b, ldb, c, ldc); break;
    case 1: dot_rows<V, 1, U>(n, k, a, lda, b, ldb, c, ldc); break;
    default: break;
  }
}

}  // namespace
}  // namespace aivm::kernels
