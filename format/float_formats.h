// Bit-exact conversions between float / double and the narrow floating formats aivm stores:
// IEEE half (f16), bfloat16, the four float8 kinds, float4 e2m1 and float8 e8m0 (format/dtype.h).
// Header-only and dependency-free: the kernels, the compiler and the runner share these, so a
// value converts the same way wherever it is converted.
//
// Rounding is to nearest, ties to even, applied once (from double when the source is double).
// Every narrow value is exact in float, so decoding never rounds.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace aivm {

inline uint32_t float_bits_of(float f) { return std::bit_cast<uint32_t>(f); }
inline float float_from_bits(uint32_t u) { return std::bit_cast<float>(u); }

//===----------------------------------------------------------------------===//
// f16 and bf16 from float (the hot paths of f16 / bf16 arithmetic)
//===----------------------------------------------------------------------===//

inline float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      man <<= 1;
    } while (!(man & 0x400));
    bits = sign | uint32_t(112 - e) << 23 | ((man & 0x3ff) << 13);
  }
  return float_from_bits(bits);
}

// Overflow gives inf, NaN stays NaN (quiet).
inline uint16_t float_to_half(float f) {
  uint32_t x = float_bits_of(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return uint16_t(sign | 0x7c00 | (abs > 0x7f800000u ? 0x200 : 0));
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00);  // rounds past 65504
  if (abs < 0x38800000u) {                                 // below the smallest normal half
    if (abs < 0x33000000u) return sign;                    // rounds to zero
    uint32_t e = abs >> 23, man = (abs & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e;  // 14..24
    uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return uint16_t(sign | h);
  }
  uint32_t h = ((abs >> 13) - (112u << 10)), rem = abs & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;
  return uint16_t(sign | h);
}

inline float bf16_to_float(uint16_t b) { return float_from_bits(uint32_t(b) << 16); }

// The upper half of the float, rounded; NaN stays NaN (quiet), overflow rounds to inf.
inline uint16_t float_to_bf16(float f) {
  uint32_t x = float_bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40);
  x += 0x7fffu + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

//===----------------------------------------------------------------------===//
// Any small binary format, from double (f16 and bf16 from double, float8, float4)
//===----------------------------------------------------------------------===//

struct NarrowFloat {
  enum class Special : uint8_t {
    Ieee,  // all-ones exponent: inf (mantissa 0) or NaN
    Fn,    // no inf; only s.1..1.1..1 is NaN (e4m3fn)
    Fnuz,  // no inf, no -0; 0x80 (sign alone) is NaN
    None,  // no inf, no NaN (e2m1)
  };
  int exp_bits, man_bits, bias;
  Special special;
};

inline constexpr NarrowFloat kHalfFormat{5, 10, 15, NarrowFloat::Special::Ieee};
inline constexpr NarrowFloat kBf16Format{8, 7, 127, NarrowFloat::Special::Ieee};
inline constexpr NarrowFloat kE4M3FN{4, 3, 7, NarrowFloat::Special::Fn};
inline constexpr NarrowFloat kE4M3FNUZ{4, 3, 8, NarrowFloat::Special::Fnuz};
inline constexpr NarrowFloat kE5M2{5, 2, 15, NarrowFloat::Special::Ieee};
inline constexpr NarrowFloat kE5M2FNUZ{5, 2, 16, NarrowFloat::Special::Fnuz};
inline constexpr NarrowFloat kE2M1{2, 1, 1, NarrowFloat::Special::None};

inline float narrow_to_float(const NarrowFloat& f, uint32_t bits) {
  const uint32_t man_mask = (1u << f.man_bits) - 1, exp_mask = (1u << f.exp_bits) - 1;
  const uint32_t sign_bit = 1u << (f.exp_bits + f.man_bits);
  const bool neg = bits & sign_bit;
  const uint32_t exp = (bits >> f.man_bits) & exp_mask, man = bits & man_mask;
  using S = NarrowFloat::Special;
  if (f.special == S::Fnuz && (bits & (sign_bit | (exp_mask << f.man_bits) | man_mask)) == sign_bit)
    return std::numeric_limits<float>::quiet_NaN();
  if (f.special == S::Fn && exp == exp_mask && man == man_mask) return std::numeric_limits<float>::quiet_NaN();
  if (f.special == S::Ieee && exp == exp_mask)
    return man ? std::numeric_limits<float>::quiet_NaN()
               : (neg ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  // exp == 0: subnormal man * 2^(1 - bias - m); else (2^m + man) * 2^(exp - bias - m).
  double v = exp == 0 ? std::ldexp(double(man), 1 - f.bias - f.man_bits)
                      : std::ldexp(double((1u << f.man_bits) | man), int(exp) - f.bias - f.man_bits);
  return float(neg ? -v : v);
}

// The largest finite value's bit pattern (without sign).
inline uint32_t narrow_max_bits(const NarrowFloat& f) {
  const uint32_t man_mask = (1u << f.man_bits) - 1, exp_mask = (1u << f.exp_bits) - 1;
  switch (f.special) {
    case NarrowFloat::Special::Ieee: return ((exp_mask - 1) << f.man_bits) | man_mask;
    case NarrowFloat::Special::Fn: return (exp_mask << f.man_bits) | (man_mask - 1);
    default: return (exp_mask << f.man_bits) | man_mask;
  }
}

// Round to nearest even. Out of range (after rounding) and infinities: the largest finite value
// when |saturate| or the format has neither inf nor NaN; else inf (Ieee) or NaN (Fn, Fnuz).
// NaN gives NaN (0 for a format without one).
inline uint32_t float_to_narrow(const NarrowFloat& f, double x, bool saturate) {
  using S = NarrowFloat::Special;
  const uint32_t man_mask = (1u << f.man_bits) - 1, exp_mask = (1u << f.exp_bits) - 1;
  const uint32_t sign_bit = 1u << (f.exp_bits + f.man_bits);
  const uint32_t sign = std::signbit(x) ? sign_bit : 0;
  auto nan = [&]() -> uint32_t {
    switch (f.special) {
      case S::Ieee: return sign | (exp_mask << f.man_bits) | (1u << (f.man_bits - 1));
      case S::Fn: return sign | (exp_mask << f.man_bits) | man_mask;
      case S::Fnuz: return sign_bit;
      case S::None: break;
    }
    return 0;
  };
  auto overflow = [&]() -> uint32_t {
    if (saturate || f.special == S::None) return sign | narrow_max_bits(f);
    if (f.special == S::Ieee) return sign | (exp_mask << f.man_bits);
    return f.special == S::Fnuz ? sign_bit : nan();
  };
  if (std::isnan(x)) return nan();
  if (std::isinf(x)) return overflow();
  const double a = std::fabs(x);
  const int min_exp = 1 - f.bias;  // of the smallest normal value
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1): a's unbiased exponent is e - 1
  const int quantum_exp = (e - 1 < min_exp ? min_exp : e - 1) - f.man_bits;
  const double q = std::nearbyint(std::ldexp(a, -quantum_exp));  // default mode: ties to even
  if (q == 0) return f.special == S::Fnuz ? 0 : sign;
  const double max = narrow_to_float(f, narrow_max_bits(f));
  const double r = std::ldexp(q, quantum_exp);
  if (r > max) return overflow();
  std::frexp(r, &e);
  if (e - 1 < min_exp) return sign | uint32_t(q);  // subnormal: q < 2^m is the mantissa
  uint32_t man = uint32_t(std::ldexp(r, f.man_bits - (e - 1))) & man_mask;
  return sign | (uint32_t(e - 1 + f.bias) << f.man_bits) | man;
}

//===----------------------------------------------------------------------===//
// float8 e8m0: an exponent alone
//===----------------------------------------------------------------------===//

inline float e8m0_to_float(uint8_t b) {
  return b == 0xff ? std::numeric_limits<float>::quiet_NaN() : std::ldexp(1.f, int(b) - 127);
}

enum class E8M0Round : uint8_t { Up = 0, Down = 1, Nearest = 2 };

// From float's exponent field as ONNX Cast (opset 24) defines it: NaN and inf give 0xff; a
// fraction rounds the exponent up / down / to nearest; |saturate| stops at 0xfe instead of
// overflowing into NaN. The sign is ignored (negative inputs are unspecified).
inline uint8_t float_to_e8m0(float x, bool saturate, E8M0Round mode) {
  const uint32_t bits = float_bits_of(x);
  uint32_t exp = (bits >> 23) & 0xff;
  if (exp == 0xff) return 0xff;
  bool up = false;
  if (mode == E8M0Round::Up) {
    up = (bits & 0x7fffff) != 0;
  } else if (mode == E8M0Round::Nearest) {
    const bool g = bits & 0x400000, r = bits & 0x200000, s = (bits & 0x1fffff) != 0;
    up = g && (r || s || exp > 0);
  }
  if (up && saturate && exp == 0xfe) up = false;
  return uint8_t(exp + (up ? 1 : 0));
}

}  // namespace aivm
