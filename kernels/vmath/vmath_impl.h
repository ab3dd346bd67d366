// The one polynomial exp every variant instantiates with its vector type V (kernels/vmath/vmath.h).
//
// exp(x) = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2]; e^r by a
// degree-6 polynomial (Taylor with the last terms tuned for float, as in Cephes' expf); ln 2
// split in two so r is exact enough; 2^n built in the exponent bits.
#pragma once

#include <cstddef>

namespace aivm::kernels::vmath_impl {

constexpr float kExpHi = 88.3762626647949f, kExpLo = -87.3365478515625f;
constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

template <class V>
inline typename V::T exp(typename V::T x) {
  using T = typename V::T;
  // Operand order keeps NaN: max/min return their second operand when either is NaN.
  x = V::min(V::set1(kExpHi), V::max(V::set1(kExpLo), x));
  T n = V::round(V::mul(x, V::set1(kLog2e)));
  T r = V::fnmadd(n, V::set1(kLn2Hi), x);
  r = V::fnmadd(n, V::set1(kLn2Lo), r);
  T p = V::set1(kP0);
  p = V::fmadd(p, r, V::set1(kP1));
  p = V::fmadd(p, r, V::set1(kP2));
  p = V::fmadd(p, r, V::set1(kP3));
  p = V::fmadd(p, r, V::set1(kP4));
  p = V::fmadd(p, r, V::set1(kP5));
  T rr = V::mul(r, r);
  p = V::fmadd(p, rr, V::add(r, V::set1(1.f)));
  return V::mul(p, V::pow2i(n));
}

template <class V>
inline typename V::T sigmoid(typename V::T x) {
  const typename V::T one = V::set1(1.f);
  return V::div(one, V::add(one, exp<V>(V::sub(V::zero(), x))));
}

// Full vectors, then the tail through a zero-padded stack copy (no masked-load intrinsics
// needed, so the portable variant uses the same loop).
template <class V, class F>
inline void map(size_t n, const float* x, float* y, F f) {
  constexpr size_t W = V::W;
  size_t i = 0;
  for (; i + W <= n; i += W) V::store(y + i, f(V::load(x + i)));
  if (i < n) {
    float in[W] = {}, out[W];
    for (size_t j = 0; i + j < n; ++j) in[j] = x[i + j];
    V::store(out, f(V::load(in)));
    for (size_t j = 0; i + j < n; ++j) y[i + j] = out[j];
  }
}

template <class V>
void exp_array(size_t n, const float* x, float* y) {
  map<V>(n, x, y, [](typename V::T v) { return exp<V>(v); });
}
template <class V>
void sigmoid_array(size_t n, const float* x, float* y) {
  map<V>(n, x, y, [](typename V::T v) { return sigmoid<V>(v); });
}
template <class V>
void swish_array(size_t n, const float* x, float beta, float* y) {
  const typename V::T b = V::set1(beta);
  map<V>(n, x, y, [b](typename V::T v) { return V::mul(v, sigmoid<V>(V::mul(b, v))); });
}

}  // namespace aivm::kernels::vmath_impl
