// The one polynomial exp every variant instantiates with its vector type V (kernels/vmath/vmath.h).
//
// exp(x) = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2]; e^r by a
// degree-5 polynomial fitted for the least maximum relative error on that interval (1.05e-7;
// 1.8e-7 evaluated in float, ~2 ulp); ln 2 split in two so r is exact enough. n comes from
// adding 1.5 * 2^23 (the sum rounds x / ln 2 to an integer held in its low mantissa bits, and
// those bits give 2^n directly): no round or convert instruction. The exp of the Swish and
// Sigmoid epilogues: one degree less and those two instructions fewer made efficientnet's
// Swish ~25% cheaper (11 -> 8.3 cycles a vector on Zen 3) than the degree-7 Cephes form.
#pragma once

#include <cstddef>

#include "kernels/common.h"

namespace aivm::kernels::vmath_impl {

constexpr float kExpHi = 88.3762626647949f, kExpLo = -87.3365478515625f;
constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kRoundShift = 12582912.f;  // 1.5 * 2^23
constexpr float kP2 = 0.4999923f, kP3 = 0.16667114f, kP4 = 0.04189012f, kP5 = 0.00831253f;

template <class V>
inline typename V::T exp(typename V::T x) {
  using T = typename V::T;
  // Operand order keeps NaN: max/min return their second operand when either is NaN.
  x = V::min(V::set1(kExpHi), V::max(V::set1(kExpLo), x));
  const T shift = V::set1(kRoundShift);
  const T shifted = V::fmadd(x, V::set1(kLog2e), shift);  // n + 1.5 * 2^23
  const T n = V::sub(shifted, shift);
  T r = V::fnmadd(n, V::set1(kLn2Hi), x);
  r = V::fnmadd(n, V::set1(kLn2Lo), r);
  T p = V::set1(kP5);
  p = V::fmadd(p, r, V::set1(kP4));
  p = V::fmadd(p, r, V::set1(kP3));
  p = V::fmadd(p, r, V::set1(kP2));
  p = V::fmadd(p, r, V::set1(1.f));
  p = V::fmadd(p, r, V::set1(1.f));
  return V::mul(p, V::pow2_of_shifted(shifted));
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

// The fused activations with a vector form, for the epilogues of conv and GEMM: calls
// body(f) once with f the activation as a function on one vector, or returns false (the caller
// then runs epilogue_activation_f32 on the stored output). Chosen once per tile or plane, so
// the loops inside body carry no per-vector switch. Operand order of max/min (they return
// their second operand when either is NaN) gives the scalar forms' NaN rule: Relu maps NaN to
// 0, the other kinds keep it.
template <class V, class Body>
inline bool with_vector_activation(const Activation& act, Body&& body) {
  using T = typename V::T;
  const float p0 = act.p0, p1 = act.p1;
  switch (act.kind) {
    case isa::Activation::Relu:
      body([](T v) { return V::max(v, V::zero()); });
      return true;
    case isa::Activation::Clip:
      body([p0, p1](T v) { return V::min(V::set1(p1), V::max(V::set1(p0), v)); });
      return true;
    case isa::Activation::LeakyRelu:  // max(x, 0) + p0 min(x, 0): exact, as the select is
      body([p0](T v) { return V::add(V::max(V::zero(), v), V::mul(V::set1(p0), V::min(V::zero(), v))); });
      return true;
    case isa::Activation::HardSigmoid:
      body([p0, p1](T v) {
        return V::min(V::set1(1.f), V::max(V::zero(), V::add(V::mul(V::set1(p0), v), V::set1(p1))));
      });
      return true;
    case isa::Activation::HardSwish:
      body([](T v) {
        const T t = V::add(V::mul(v, V::set1(1.f / 6.f)), V::set1(0.5f));
        return V::mul(v, V::min(V::set1(1.f), V::max(V::zero(), t)));
      });
      return true;
    case isa::Activation::Sigmoid:
      body([](T v) { return sigmoid<V>(v); });
      return true;
    case isa::Activation::Swish:
      body([p0](T v) { return V::mul(v, sigmoid<V>(V::mul(V::set1(p0), v))); });
      return true;
    default:
      return false;
  }
}

// body(f) with the activation in registers where it has a vector form; otherwise body with
// none, then after(), which runs the activation over what body stored.
template <class V, class Body, class After>
inline void with_activation_or_after(const Activation& act, Body&& body, After&& after) {
  if (with_vector_activation<V>(act, body)) return;
  body([](typename V::T v) { return v; });
  after();
}

template <class V>
bool activation_array(const Activation& act, size_t n, float* y) {
  return with_vector_activation<V>(act, [&](auto f) { map<V>(n, y, y, f); });
}

}  // namespace aivm::kernels::vmath_impl
