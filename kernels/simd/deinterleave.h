// Splitting a row by stride-2 column phase, over any vector type of kernels/simd.
#pragma once

#include <cstdint>

namespace aivm::kernels::simd {

// even[t] = src[2t] and odd[t] = src[2t + 1] for the indices below n: two loads and two
// permutes per 2W inputs instead of a scalar gather each.
template <class V>
void deinterleave2(const float* src, int64_t n, float* even, float* odd) {
  constexpr int64_t W = int64_t(V::W);
  int64_t t = 0;
  for (; 2 * t + 2 * W <= n; t += W) {
    const typename V::T a = V::load(src + 2 * t), b = V::load(src + 2 * t + W);
    V::store(even + t, V::even(a, b));
    V::store(odd + t, V::odd(a, b));
  }
  // The rest as one more block ending at the row's end, overlapping the last: the values it
  // rewrites are the same, and a scalar tail of up to 2W - 1 floats cost as much as the vectors.
  if (t > 0 && 2 * t < n) {
    t = (n - 2 * W) / 2;
    const typename V::T a = V::load(src + 2 * t), b = V::load(src + 2 * t + W);
    V::store(even + t, V::even(a, b));
    V::store(odd + t, V::odd(a, b));
    t += W;
  }
  for (; 2 * t < n; ++t) {
    even[t] = src[2 * t];
    if (2 * t + 1 < n) odd[t] = src[2 * t + 1];
  }
}

}  // namespace aivm::kernels::simd
