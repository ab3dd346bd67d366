// 16-lane f32 vector for AVX-512 kernels; include only from files built with AVX-512 flags (…__avx512.cc).
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace aivm::kernels::simd {

struct V512 {
  using T = __m512;
  static constexpr size_t W = 16;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T set1(float f) { return _mm512_set1_ps(f); }
  static T zero() { return _mm512_setzero_ps(); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }
  // The even / odd lanes of the 2W-lane concatenation [a, b]: a stride-2 row split in two.
  static T even(T a, T b) {
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);
  }
  static T odd(T a, T b) {
    return _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);
  }
  // 2^n from t = n + 1.5 * 2^23 (n integral, in [-127, 128)), whose low mantissa bits hold n:
  // n + 127 shifted into the exponent field (the bits above it shift out).
  static T pow2_of_shifted(T t) {
    __m512i e = _mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
};


}  // namespace aivm::kernels::simd
