// Scalar semantics of every elementwise kind, per dtype: the one definition the reference
// kernels (the oracle) and the fast paths both call, so they agree bit for bit.
//
// Elements are stored as elem_t<D> and computed in compute_t<D> (kernels/dtypes.h): bool is a
// byte read as != 0 and written as 0 or 1; f16 and bf16 are bit patterns computed in float and
// rounded once per result; f64 computes in double. Integer arithmetic wraps
// (it is done on the unsigned type); integer division and modulo by zero give 0 and never trap.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/dtypes.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels::ew {

//===----------------------------------------------------------------------===//
// Which kinds take which dtypes (the rule behind *_supports)
//===----------------------------------------------------------------------===//

constexpr bool unary_valid(UnaryOp k, DType d) {
  if (is_float(d)) return k != UnaryOp::Not;
  if (is_integer(d))
    return k == UnaryOp::Relu || k == UnaryOp::Neg || k == UnaryOp::Abs || k == UnaryOp::Sign || k == UnaryOp::Not;
  return d == DType::Bool && k == UnaryOp::Not;
}

constexpr bool binary_valid(BinaryOp k, DType d) {
  switch (k) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Pow:
    case BinaryOp::Max: case BinaryOp::Min: case BinaryOp::Mod: case BinaryOp::Fmod: case BinaryOp::PRelu:
      return is_float(d) || is_integer(d);
    case BinaryOp::And: case BinaryOp::Or: case BinaryOp::Xor: return d == DType::Bool || is_integer(d);
    case BinaryOp::ShiftLeft: case BinaryOp::ShiftRight: return is_integer(d);
    case BinaryOp::kCount: break;
  }
  return false;
}

constexpr bool compare_valid(DType d) { return is_float(d) || d == DType::Bool || is_integer(d); }

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

// Integer helpers: wrapping arithmetic through the unsigned type.
template <typename T> inline T wrap_neg(T a) {
  using U = std::make_unsigned_t<T>;
  return T(U(0) - U(a));
}
template <typename T> inline T wrap_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return T(U(U(a) + U(b)));
}
template <typename T> inline T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return T(U(U(a) - U(b)));
}
template <typename T> inline T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;  // no int promotion
  return T(U(W(U(a)) * W(U(b))));
}

template <typename C>
inline C softplus(C x) {  // log(1 + exp(x)) without overflow
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// C is float or double.
template <UnaryOp K, typename C>
inline C unary_float_op(C x) {
  if constexpr (K == UnaryOp::Relu) return x > C(0) ? x : C(0);
  else if constexpr (K == UnaryOp::Sigmoid) return sigmoid(x);
  else if constexpr (K == UnaryOp::Tanh) return std::tanh(x);
  else if constexpr (K == UnaryOp::Exp) return std::exp(x);
  else if constexpr (K == UnaryOp::Neg) return -x;
  else if constexpr (K == UnaryOp::Abs) return std::fabs(x);
  else if constexpr (K == UnaryOp::Log) return std::log(x);
  else if constexpr (K == UnaryOp::Sqrt) return std::sqrt(x);
  else if constexpr (K == UnaryOp::Reciprocal) return C(1) / x;
  else if constexpr (K == UnaryOp::Floor) return std::floor(x);
  else if constexpr (K == UnaryOp::Ceil) return std::ceil(x);
  else if constexpr (K == UnaryOp::Round) return std::nearbyint(x);  // default mode: half to even
  else if constexpr (K == UnaryOp::Sign) return x > C(0) ? C(1) : x < C(0) ? C(-1) : x;  // keeps 0, -0, NaN
  else if constexpr (K == UnaryOp::Sin) return std::sin(x);
  else if constexpr (K == UnaryOp::Cos) return std::cos(x);
  else if constexpr (K == UnaryOp::Tan) return std::tan(x);
  else if constexpr (K == UnaryOp::Asin) return std::asin(x);
  else if constexpr (K == UnaryOp::Acos) return std::acos(x);
  else if constexpr (K == UnaryOp::Atan) return std::atan(x);
  else if constexpr (K == UnaryOp::Sinh) return std::sinh(x);
  else if constexpr (K == UnaryOp::Cosh) return std::cosh(x);
  else if constexpr (K == UnaryOp::Asinh) return std::asinh(x);
  else if constexpr (K == UnaryOp::Acosh) return std::acosh(x);
  else if constexpr (K == UnaryOp::Atanh) return std::atanh(x);
  else if constexpr (K == UnaryOp::Erf) return std::erf(x);
  else if constexpr (K == UnaryOp::Softplus) return softplus(x);
  else if constexpr (K == UnaryOp::Softsign) return x / (C(1) + std::fabs(x));
  else return x;  // Not: invalid for floats, never selected
}

template <UnaryOp K, DType D>
inline elem_t<D> unary_op(elem_t<D> x) {
  using T = elem_t<D>;
  if constexpr (is_float(D)) {
    return store<D>(unary_float_op<K>(load<D>(x)));
  } else if constexpr (D == DType::Bool) {
    return T(x == 0);  // Not
  } else {
    if constexpr (K == UnaryOp::Relu) return x > 0 ? x : T(0);
    else if constexpr (K == UnaryOp::Neg) return wrap_neg(x);
    else if constexpr (K == UnaryOp::Abs) return std::is_signed_v<T> && x < T(0) ? wrap_neg(x) : x;
    else if constexpr (K == UnaryOp::Sign) return T((x > 0) - (x < 0));
    else if constexpr (K == UnaryOp::Not) return T(~x);
    else return x;
  }
}

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

template <typename T>
inline T int_pow(T base, T exp) {
  if (exp < 0) {  // only |base| == 1 has an integer result
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>)
      if (base == -1) return (exp & 1) ? T(-1) : T(1);
    return 0;
  }
  T r = 1;
  for (; exp; exp = T(exp >> 1)) {
    if (exp & 1) r = wrap_mul(r, base);
    base = wrap_mul(base, base);
  }
  return r;
}

// C is float or double.
template <BinaryOp K, typename C>
inline C binary_float_op(C a, C b) {
  if constexpr (K == BinaryOp::Add) return a + b;
  else if constexpr (K == BinaryOp::Sub) return a - b;
  else if constexpr (K == BinaryOp::Mul) return a * b;
  else if constexpr (K == BinaryOp::Div) return a / b;
  else if constexpr (K == BinaryOp::Pow) return std::pow(a, b);
  else if constexpr (K == BinaryOp::Max) return (a > b || a != a) ? a : b;  // NaN in either wins
  else if constexpr (K == BinaryOp::Min) return (a < b || a != a) ? a : b;
  else if constexpr (K == BinaryOp::Fmod) return std::fmod(a, b);
  else if constexpr (K == BinaryOp::Mod) {
    C r = std::fmod(a, b);
    return (r != C(0) && ((r < C(0)) != (b < C(0)))) ? r + b : r;
  } else if constexpr (K == BinaryOp::PRelu) return a < C(0) ? a * b : a;
  else return a;  // bitwise kinds: invalid for floats, never selected
}

template <BinaryOp K, DType D>
inline elem_t<D> binary_op(elem_t<D> a, elem_t<D> b) {
  using T = elem_t<D>;
  if constexpr (D == DType::Bool) {
    const bool x = a != 0, y = b != 0;
    if constexpr (K == BinaryOp::And) return T(x && y);
    else if constexpr (K == BinaryOp::Or) return T(x || y);
    else return T(x != y);  // Xor
  } else if constexpr (is_float(D)) {
    return store<D>(binary_float_op<K>(load<D>(a), load<D>(b)));
  } else {
    constexpr bool kSigned = std::is_signed_v<T>;
    if constexpr (K == BinaryOp::Add) return wrap_add(a, b);
    else if constexpr (K == BinaryOp::Sub) return wrap_sub(a, b);
    else if constexpr (K == BinaryOp::Mul) return wrap_mul(a, b);
    else if constexpr (K == BinaryOp::Div || K == BinaryOp::Mod || K == BinaryOp::Fmod) {
      if (b == 0) return 0;
      if constexpr (kSigned)
        if (b == -1) return K == BinaryOp::Div ? wrap_neg(a) : T(0);  // MIN / -1 would trap
      if constexpr (K == BinaryOp::Div) return T(a / b);  // truncates toward zero
      T r = T(a % b);                                      // the dividend's sign
      if constexpr (K == BinaryOp::Mod && kSigned)
        if (r != 0 && ((r < 0) != (b < 0))) r = T(r + b);
      return r;
    } else if constexpr (K == BinaryOp::Pow) return int_pow(a, b);
    else if constexpr (K == BinaryOp::Max) return a > b ? a : b;
    else if constexpr (K == BinaryOp::Min) return a < b ? a : b;
    else if constexpr (K == BinaryOp::PRelu) return a < 0 ? wrap_mul(a, b) : a;
    else if constexpr (K == BinaryOp::And) return T(a & b);
    else if constexpr (K == BinaryOp::Or) return T(a | b);
    else if constexpr (K == BinaryOp::Xor) return T(a ^ b);
    else {
      // Shifts: left wraps, right is arithmetic for signed types; a negative amount or one of
      // the width or more shifts everything out (0, or -1 for a negative value shifted right).
      using U = std::make_unsigned_t<T>;
      constexpr int kBits = int(sizeof(T) * 8);
      const int64_t amount = int64_t(b);  // a huge u64 amount turns negative: also out
      const bool out = amount < 0 || amount >= kBits;
      if constexpr (K == BinaryOp::ShiftLeft) return out ? T(0) : T(U(U(a) << int(b)));
      else return out ? T(a < 0 ? -1 : 0) : T(a >> int(b));
    }
  }
}

template <CompareOp K, DType D>
inline uint8_t compare_op(elem_t<D> a, elem_t<D> b) {
  if constexpr (D == DType::Bool) {
    return compare_op<K, DType::U8>(uint8_t(a != 0), uint8_t(b != 0));
  } else if constexpr (D == DType::F16 || D == DType::BF16) {
    return compare_op<K, DType::F32>(load<D>(a), load<D>(b));
  } else {
    if constexpr (K == CompareOp::Equal) return a == b;
    else if constexpr (K == CompareOp::Less) return a < b;
    else if constexpr (K == CompareOp::Greater) return a > b;
    else if constexpr (K == CompareOp::LessOrEqual) return a <= b;
    else return a >= b;
  }
}

// min(max(x, lo), hi) (so lo > hi gives hi, as ONNX says), compared in the compute type; the
// result is one of the stored values, never re-rounded.
template <DType D>
inline elem_t<D> clip_op(elem_t<D> x, elem_t<D> lo, elem_t<D> hi) {
  const elem_t<D> v = load<D>(x) < load<D>(lo) ? lo : x;
  return load<D>(v) > load<D>(hi) ? hi : v;
}

//===----------------------------------------------------------------------===//
// Activations (ACT and the fused epilogues)
//===----------------------------------------------------------------------===//

// Clamps |v| to [0, 1]; NaN stays NaN.
inline float unit_clamp(float v) {
  v = v > 1.f ? 1.f : v;
  return v < 0.f ? 0.f : v;
}

template <isa::Activation K>
inline float activation_op(float x, float p0, float p1) {
  using A = isa::Activation;
  if constexpr (K == A::Relu) return x > 0.f ? x : 0.f;
  else if constexpr (K == A::Clip) {
    float v = x < p0 ? p0 : x;
    return v > p1 ? p1 : v;
  } else if constexpr (K == A::Sigmoid) return sigmoid_f32(x);
  else if constexpr (K == A::Tanh) return std::tanh(x);
  else if constexpr (K == A::LeakyRelu) return x < 0.f ? p0 * x : x;
  else if constexpr (K == A::Elu) return x < 0.f ? p0 * std::expm1(x) : x;
  else if constexpr (K == A::Selu) return p1 * (x <= 0.f ? p0 * std::expm1(x) : x);
  else if constexpr (K == A::Celu) return std::fmax(0.f, x) + std::fmin(0.f, p0 * std::expm1(x / p0));
  // Compare-and-select rather than fmin/fmax: GCC keeps those as libm calls (their NaN rule is
  // not maxps'), which made a fused HardSwish epilogue cost more than its convolution. A NaN
  // still propagates: both comparisons are false for it.
  else if constexpr (K == A::HardSigmoid) return unit_clamp(p0 * x + p1);
  else if constexpr (K == A::HardSwish) return x * unit_clamp(x * (1.f / 6.f) + 0.5f);
  else if constexpr (K == A::Gelu) return 0.5f * x * (1.f + std::erf(x * 0.70710678118654752f));
  else if constexpr (K == A::GeluTanh) {
    const float c = 0.79788456080286536f;  // sqrt(2 / pi)
    return 0.5f * x * (1.f + std::tanh(c * (x + 0.044715f * x * x * x)));
  } else if constexpr (K == A::ThresholdedRelu) return x > p0 ? x : 0.f;
  else if constexpr (K == A::Mish) return x * std::tanh(softplus(x));
  else if constexpr (K == A::Swish) return x * sigmoid_f32(p0 * x);
  else return x;  // None
}

// Calls f(std::integral_constant<isa::Activation, K>{}) for |k|.
template <typename F>
void dispatch_activation(isa::Activation k, F&& f) {
  using A = isa::Activation;
#define AIVM_ACT_CASE(K) \
  case A::K: return f(std::integral_constant<A, A::K>{});
  switch (k) {
    AIVM_ACT_CASE(None) AIVM_ACT_CASE(Relu) AIVM_ACT_CASE(Clip) AIVM_ACT_CASE(Sigmoid) AIVM_ACT_CASE(Tanh)
    AIVM_ACT_CASE(LeakyRelu) AIVM_ACT_CASE(Elu) AIVM_ACT_CASE(Selu) AIVM_ACT_CASE(Celu) AIVM_ACT_CASE(HardSigmoid)
    AIVM_ACT_CASE(HardSwish) AIVM_ACT_CASE(Gelu) AIVM_ACT_CASE(GeluTanh) AIVM_ACT_CASE(ThresholdedRelu)
    AIVM_ACT_CASE(Mish) AIVM_ACT_CASE(Swish)
    case A::kCount: return;
  }
#undef AIVM_ACT_CASE
}

//===----------------------------------------------------------------------===//
// Kind dispatch: run-time kind -> compile-time template argument
//===----------------------------------------------------------------------===//

template <typename Enum, Enum... Ks, typename F>
void dispatch_kind_impl(Enum k, F&& f) {
  (void)((k == Ks ? (f(std::integral_constant<Enum, Ks>{}), true) : false) || ...);
}

template <typename F>
void dispatch_unary(UnaryOp k, F&& f) {
  using U = UnaryOp;
  dispatch_kind_impl<U, U::Relu, U::Sigmoid, U::Tanh, U::Exp, U::Neg, U::Abs, U::Log, U::Sqrt, U::Reciprocal,
                     U::Floor, U::Ceil, U::Round, U::Sign, U::Sin, U::Cos, U::Tan, U::Asin, U::Acos, U::Atan,
                     U::Sinh, U::Cosh, U::Asinh, U::Acosh, U::Atanh, U::Erf, U::Softplus, U::Softsign, U::Not>(k, f);
}

template <typename F>
void dispatch_binary(BinaryOp k, F&& f) {
  using B = BinaryOp;
  dispatch_kind_impl<B, B::Add, B::Sub, B::Mul, B::Div, B::Pow, B::Max, B::Min, B::Mod, B::Fmod, B::PRelu, B::And,
                     B::Or, B::Xor, B::ShiftLeft, B::ShiftRight>(k, f);
}

template <typename F>
void dispatch_compare(CompareOp k, F&& f) {
  using C = CompareOp;
  dispatch_kind_impl<C, C::Equal, C::Less, C::Greater, C::LessOrEqual, C::GreaterOrEqual>(k, f);
}

//===----------------------------------------------------------------------===//
// Conversions (CAST)
//===----------------------------------------------------------------------===//

// Float to integer: truncate toward zero, saturate, NaN -> 0 (no undefined behaviour).
template <typename T, typename F>
inline T float_to_int(F v) {
  if (v != v) return 0;
  if (v <= F(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v >= F(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return T(v);
}

// The low |bits| bits of v, zero- or sign-extended: integer narrowing to u4 i4 u2 i2 wraps,
// as it does for every integer type.
template <DType To>
inline elem_t<To> wrap_sub_byte(int64_t v) {
  constexpr int kBits = sub_byte_bits(To);
  constexpr uint64_t kMask = (uint64_t(1) << kBits) - 1;
  const uint64_t low = uint64_t(v) & kMask;
  if constexpr (std::is_signed_v<elem_t<To>>) {
    constexpr int64_t kSignBit = int64_t(1) << (kBits - 1);
    return elem_t<To>(int64_t(low ^ uint64_t(kSignBit)) - kSignBit);
  } else {
    return elem_t<To>(low);
  }
}

// CAST's options for narrow float targets (opcodes.def *E4: the D immediate).
struct CastMode {
  bool saturate = true;                  // float8: out of range gives the largest finite value
  E8M0Round e8m0_round = E8M0Round::Up;  // f8e8m0 targets
};

inline CastMode cast_mode(uint32_t options) {
  CastMode m;
  m.saturate = (options & kCastNoSaturate) == 0;
  m.e8m0_round = (options & kCastE8M0Nearest) ? E8M0Round::Nearest
                 : (options & kCastE8M0Down)  ? E8M0Round::Down
                                              : E8M0Round::Up;
  return m;
}

// A storage-only float's value (exact in float).
template <DType D>
inline float narrow_value(elem_t<D> v) {
  if constexpr (D == DType::F8E8M0) return e8m0_to_float(v);
  else return narrow_to_float(narrow_format(D), v);
}

// Every conversion goes through the widest type the source needs: double for f64, float for
// the other floats, int64 / uint64 for integers, and is rounded once into the target.
template <DType From, DType To>
inline elem_t<To> convert(elem_t<From> v, CastMode mode = {}) {
  using T = elem_t<To>;
  if constexpr (From == To && To != DType::Bool) {
    (void)mode;
    return v;  // the identity, NaN payloads included
  } else if constexpr (is_float(From) || is_narrow_float(From)) {
    using W = std::conditional_t<From == DType::F64, double, float>;
    W f;
    if constexpr (is_narrow_float(From)) f = narrow_value<From>(v);
    else f = load<From>(v);
    if constexpr (To == DType::F32 || To == DType::F64) return T(f);
    else if constexpr (To == DType::F16) {
      if constexpr (From == DType::F64) return T(float_to_narrow(kHalfFormat, f, false));
      else return float_to_half(f);
    } else if constexpr (To == DType::BF16) {
      if constexpr (From == DType::F64) return T(float_to_narrow(kBf16Format, f, false));
      else return float_to_bf16(f);
    } else if constexpr (To == DType::F8E8M0) return float_to_e8m0(float(f), mode.saturate, mode.e8m0_round);
    else if constexpr (is_narrow_float(To)) return T(float_to_narrow(narrow_format(To), double(f), mode.saturate));
    else if constexpr (To == DType::Bool) return T(f != W(0));
    else if constexpr (sub_byte_bits(To) != 0) return wrap_sub_byte<To>(float_to_int<int64_t>(f));
    else return float_to_int<T>(f);
  } else {
    using I = std::conditional_t<std::is_unsigned_v<elem_t<From>> && From != DType::Bool, uint64_t, int64_t>;
    const I i = From == DType::Bool ? I(v != 0) : I(v);
    if constexpr (To == DType::F32 || To == DType::F64) return T(i);
    else if constexpr (To == DType::F16) return T(float_to_narrow(kHalfFormat, double(i), false));
    else if constexpr (To == DType::BF16) return T(float_to_narrow(kBf16Format, double(i), false));
    else if constexpr (To == DType::F8E8M0) return float_to_e8m0(float(i), mode.saturate, mode.e8m0_round);
    else if constexpr (is_narrow_float(To)) return T(float_to_narrow(narrow_format(To), double(i), mode.saturate));
    else if constexpr (To == DType::Bool) return T(i != 0);
    else if constexpr (sub_byte_bits(To) != 0) return wrap_sub_byte<To>(int64_t(i));
    else return T(i);  // wraps (C++20 modular conversion)
  }
}

}  // namespace aivm::kernels::ew
