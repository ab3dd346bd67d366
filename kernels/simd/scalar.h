// One-lane "vector" so a kernel template written for simd::V512/V256 also builds portably.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace aivm::kernels::simd {

struct Scalar {
  using T = float;
  static constexpr size_t W = 1;
  static T load(const float* p) { return *p; }
  static void store(float* p, T v) { *p = v; }
  static T set1(float f) { return f; }
  static T zero() { return 0.f; }
  static T add(T a, T b) { return a + b; }
  static T sub(T a, T b) { return a - b; }
  static T mul(T a, T b) { return a * b; }
  static T div(T a, T b) { return a / b; }
  static T min(T a, T b) { return a < b ? a : b; }
  static T max(T a, T b) { return a > b ? a : b; }
  static T fmadd(T a, T b, T c) { return std::fma(a, b, c); }
  static T fnmadd(T a, T b, T c) { return std::fma(-a, b, c); }
  // The even / odd lanes of the 2-lane concatenation [a, b].
  static T even(T a, T) { return a; }
  static T odd(T, T b) { return b; }
  // 2^n from t = n + 1.5 * 2^23 (n integral, in [-127, 128)), whose low mantissa bits hold n.
  static T pow2_of_shifted(T t) {
    uint32_t bits;
    std::memcpy(&bits, &t, sizeof bits);
    bits = (bits + 127u) << 23;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};


}  // namespace aivm::kernels::simd
