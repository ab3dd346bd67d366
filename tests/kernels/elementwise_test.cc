// Elementwise kernels: references against hand-computed values (the semantics ONNX asks for),
// then every fast path against its reference for every supported (kind, dtype) on awkward sizes
// and each broadcast pattern, on one thread and on a pool.
#include "kernels/elementwise/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "format/float_formats.h"
#include "kernels/config/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::shape;

// Every dtype: the fast paths skip the (kind, dtype) pairs *_supports() rules out.
constexpr DType kDTypes[] = {DType::F32,    DType::F16,        DType::I8,     DType::U8,         DType::I32,
                             DType::I64,    DType::Bool,       DType::F64,    DType::I16,        DType::U16,
                             DType::U32,    DType::U64,        DType::BF16,   DType::F8E4M3FN,   DType::F8E4M3FNUZ,
                             DType::F8E5M2, DType::F8E5M2FNUZ, DType::U4,     DType::I4,         DType::F4E2M1,
                             DType::F8E8M0, DType::U2,         DType::I2};
static_assert(sizeof(kDTypes) / sizeof(kDTypes[0]) == size_t(kDTypeCount) - 1, "a dtype is missing from the tests");
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// A typed buffer of n elements as bytes.
struct Buf {
  DType dtype;
  std::vector<uint8_t> bytes;
  Buf(DType t, int64_t n) : dtype(t), bytes(size_t(n) * dtype_size(t)) {}
  void* data() { return bytes.data(); }
  const void* data() const { return bytes.data(); }
  int64_t size() const { return int64_t(bytes.size() / dtype_size(dtype)); }
};

template <typename T>
Buf buf(DType t, std::initializer_list<T> v) {
  Buf b(t, int64_t(v.size()));
  if (v.size()) std::memcpy(b.data(), v.begin(), v.size() * sizeof(T));  // empty: data() may be null
  return b;
}

template <typename T>
std::vector<T> values(const Buf& b) {
  std::vector<T> v(size_t(b.size()));
  if (!b.bytes.empty()) std::memcpy(v.data(), b.data(), b.bytes.size());
  return v;
}

// Random elements: floats in [lo, hi], integers over a small signed range (so Pow and Mul stay
// interesting), bools 0/1; f16 from random bits, bf16 from random floats; the storage-only
// kinds any bit pattern (NaNs included) or, for the sub-byte integers, any value in range.
Buf random_buf(DType t, int64_t n, unsigned seed, float lo = -3.f, float hi = 3.f) {
  std::mt19937 rng(seed);
  Buf b(t, n);
  std::uniform_real_distribution<float> f(lo, hi);
  std::uniform_int_distribution<int> i(-9, 9);
  for (int64_t k = 0; k < n; ++k) {
    uint8_t* p = b.bytes.data() + k * int64_t(dtype_size(t));
    switch (t) {
      case DType::F32: { float v = f(rng); std::memcpy(p, &v, 4); break; }
      case DType::F16: { uint16_t h = uint16_t(rng() & 0x7bff); std::memcpy(p, &h, 2); break; }  // finite
      case DType::I8: *p = uint8_t(int8_t(i(rng))); break;
      case DType::U8: *p = uint8_t(rng() % 12); break;
      case DType::I32: { int32_t v = i(rng); std::memcpy(p, &v, 4); break; }
      case DType::I64: { int64_t v = i(rng); std::memcpy(p, &v, 8); break; }
      case DType::Bool: *p = uint8_t(rng() & 1); break;
      case DType::F64: { double v = f(rng); std::memcpy(p, &v, 8); break; }
      case DType::BF16: { uint16_t h = float_to_bf16(f(rng)); std::memcpy(p, &h, 2); break; }
      case DType::I16: { int16_t v = int16_t(i(rng)); std::memcpy(p, &v, 2); break; }
      case DType::U16: { uint16_t v = uint16_t(rng() % 12); std::memcpy(p, &v, 2); break; }
      case DType::U32: { uint32_t v = uint32_t(rng() % 12); std::memcpy(p, &v, 4); break; }
      case DType::U64: { uint64_t v = rng() % 12; std::memcpy(p, &v, 8); break; }
      case DType::U4: *p = uint8_t(rng() % 16); break;
      case DType::I4: *p = uint8_t(int8_t(int(rng() % 16) - 8)); break;
      case DType::U2: *p = uint8_t(rng() % 4); break;
      case DType::I2: *p = uint8_t(int8_t(int(rng() % 4) - 2)); break;
      case DType::F4E2M1: *p = uint8_t(rng() % 16); break;
      default: *p = uint8_t(rng()); break;  // the float8 kinds and e8m0: any pattern
    }
  }
  return b;
}

// Bit-exact, except that two NaNs of any payload are equal.
void expect_same(const Buf& got, const Buf& want) {
  ASSERT_EQ(got.bytes.size(), want.bytes.size());
  if (got.dtype == DType::F32) {
    std::vector<float> g = values<float>(got), w = values<float>(want);
    for (size_t i = 0; i < g.size(); ++i)
      if (!(std::isnan(g[i]) && std::isnan(w[i]))) {
        ASSERT_EQ(g[i], w[i]) << "at " << i;
      }
    return;
  }
  for (size_t i = 0; i < got.bytes.size(); ++i) ASSERT_EQ(got.bytes[i], want.bytes[i]) << "byte " << i;
}

void expect_f32(const Buf& got, std::vector<float> want, float rtol = 1e-6f) {
  std::vector<float> g = values<float>(got);
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(want[i]) || std::isinf(want[i])) {
      EXPECT_TRUE(std::isnan(want[i]) ? std::isnan(g[i]) : g[i] == want[i]) << "at " << i;
      continue;
    }
    EXPECT_NEAR(g[i], want[i], rtol * std::fmax(1.f, std::fabs(want[i]))) << "at " << i;
  }
}

//===----------------------------------------------------------------------===//
// References: ONNX semantics by hand
//===----------------------------------------------------------------------===//

Buf unary_ref(UnaryOp op, const Buf& x) {
  Buf y(x.dtype, x.size());
  unary_reference(op, x.dtype, x.size(), x.data(), y.data());
  return y;
}

Buf binary_ref(BinaryOp op, const Buf& a, const Buf& b) {  // same shape, 1-D
  Buf y(a.dtype, a.size());
  Shape s = shape({a.size()});
  binary_reference(op, a.dtype, s, s, a.data(), s, b.data(), y.data());
  return y;
}

TEST(ElementwiseReference, UnaryF32) {
  Buf x = buf<float>(DType::F32, {-2.5f, -0.5f, 0.5f, 1.5f, 2.5f});
  expect_f32(unary_ref(UnaryOp::Round, x), {-2.f, -0.f, 0.f, 2.f, 2.f});  // half to even
  expect_f32(unary_ref(UnaryOp::Floor, x), {-3.f, -1.f, 0.f, 1.f, 2.f});
  expect_f32(unary_ref(UnaryOp::Ceil, x), {-2.f, -0.f, 1.f, 2.f, 3.f});
  expect_f32(unary_ref(UnaryOp::Sign, buf<float>(DType::F32, {-3.f, 0.f, 4.f, kNaN})), {-1.f, 0.f, 1.f, kNaN});
  expect_f32(unary_ref(UnaryOp::Softsign, buf<float>(DType::F32, {-1.f, 3.f})), {-0.5f, 0.75f});
  expect_f32(unary_ref(UnaryOp::Softplus, buf<float>(DType::F32, {0.f, 100.f, -100.f})),
             {0.69314718f, 100.f, 3.7200760e-44f});  // no overflow at either end
  expect_f32(unary_ref(UnaryOp::Reciprocal, buf<float>(DType::F32, {4.f, -0.5f})), {0.25f, -2.f});
  expect_f32(unary_ref(UnaryOp::Erf, buf<float>(DType::F32, {0.f, 1.f})), {0.f, 0.84270079f});
  expect_f32(unary_ref(UnaryOp::Relu, buf<float>(DType::F32, {-1.f, 0.f, 2.5f})), {0.f, 0.f, 2.5f});
  expect_f32(unary_ref(UnaryOp::Sigmoid, buf<float>(DType::F32, {0.f, 100.f, -100.f})), {0.5f, 1.f, 0.f});
}

TEST(ElementwiseReference, UnaryIntegersAndBool) {
  Buf x = buf<int32_t>(DType::I32, {-7, 0, 5, std::numeric_limits<int32_t>::min()});
  EXPECT_EQ(values<int32_t>(unary_ref(UnaryOp::Abs, x)), (std::vector<int32_t>{7, 0, 5, INT32_MIN}));  // wraps
  EXPECT_EQ(values<int32_t>(unary_ref(UnaryOp::Neg, x)), (std::vector<int32_t>{7, 0, -5, INT32_MIN}));
  EXPECT_EQ(values<int32_t>(unary_ref(UnaryOp::Sign, x)), (std::vector<int32_t>{-1, 0, 1, -1}));
  EXPECT_EQ(values<int32_t>(unary_ref(UnaryOp::Not, x)), (std::vector<int32_t>{6, -1, -6, INT32_MAX}));
  EXPECT_EQ(values<uint8_t>(unary_ref(UnaryOp::Not, buf<uint8_t>(DType::Bool, {0, 1, 2}))),
            (std::vector<uint8_t>{1, 0, 0}));  // any non-zero byte is true
  EXPECT_FALSE(unary_supports(UnaryOp::Sqrt, DType::I32));
  EXPECT_FALSE(unary_supports(UnaryOp::Not, DType::F32));
  EXPECT_FALSE(unary_supports(UnaryOp::Relu, DType::F8E4M3FN));  // storage-only dtypes
  EXPECT_FALSE(unary_supports(UnaryOp::Not, DType::I4));
}

TEST(ElementwiseReference, BinaryIntegerSemantics) {
  Buf a = buf<int32_t>(DType::I32, {7, -7, 7, -7, 5, INT32_MIN});
  Buf b = buf<int32_t>(DType::I32, {2, 2, -2, -2, 0, -1});
  EXPECT_EQ(values<int32_t>(binary_ref(BinaryOp::Div, a, b)), (std::vector<int32_t>{3, -3, -3, 3, 0, INT32_MIN}));
  EXPECT_EQ(values<int32_t>(binary_ref(BinaryOp::Mod, a, b)), (std::vector<int32_t>{1, 1, -1, -1, 0, 0}));
  EXPECT_EQ(values<int32_t>(binary_ref(BinaryOp::Fmod, a, b)), (std::vector<int32_t>{1, -1, 1, -1, 0, 0}));
  EXPECT_EQ(values<int32_t>(binary_ref(BinaryOp::Pow, buf<int32_t>(DType::I32, {2, -3, 1, -1, 2}),
                                       buf<int32_t>(DType::I32, {10, 3, -5, -3, -1}))),
            (std::vector<int32_t>{1024, -27, 1, -1, 0}));
  Buf i8 = buf<int8_t>(DType::I8, {100, -100, 64});
  EXPECT_EQ(values<int8_t>(binary_ref(BinaryOp::Add, i8, i8)), (std::vector<int8_t>{-56, 56, -128}));  // wraps
  Buf sx = buf<int8_t>(DType::I8, {-8, 4, -1, 64}), sn = buf<int8_t>(DType::I8, {1, -8, 8, 1});
  EXPECT_EQ(values<int8_t>(binary_ref(BinaryOp::ShiftRight, sx, sn)), (std::vector<int8_t>{-4, 0, -1, 32}));
  EXPECT_EQ(values<int8_t>(binary_ref(BinaryOp::ShiftLeft, sx, sn)), (std::vector<int8_t>{-16, 0, 0, -128}));
  Buf ba = buf<uint8_t>(DType::Bool, {0, 0, 1, 1}), bb = buf<uint8_t>(DType::Bool, {0, 1, 0, 1});
  EXPECT_EQ(values<uint8_t>(binary_ref(BinaryOp::Xor, ba, bb)), (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(values<uint8_t>(binary_ref(BinaryOp::And, ba, bb)), (std::vector<uint8_t>{0, 0, 0, 1}));
}

TEST(ElementwiseReference, BinaryF32Semantics) {
  Buf a = buf<float>(DType::F32, {-7.f, 7.f, kNaN, 1.f, -2.f});
  Buf b = buf<float>(DType::F32, {2.f, -2.f, 1.f, kNaN, 0.5f});
  expect_f32(binary_ref(BinaryOp::Max, a, b), {2.f, 7.f, kNaN, kNaN, 0.5f});
  expect_f32(binary_ref(BinaryOp::Min, a, b), {-7.f, -2.f, kNaN, kNaN, -2.f});
  expect_f32(binary_ref(BinaryOp::Fmod, a, b), {-1.f, 1.f, kNaN, kNaN, -0.f});
  expect_f32(binary_ref(BinaryOp::Mod, a, b), {1.f, -1.f, kNaN, kNaN, 0.f});
  expect_f32(binary_ref(BinaryOp::PRelu, a, b), {-14.f, 7.f, kNaN, 1.f, -1.f});
  expect_f32(binary_ref(BinaryOp::Pow, buf<float>(DType::F32, {2.f, 4.f}), buf<float>(DType::F32, {3.f, 0.5f})),
             {8.f, 2.f});
}

TEST(ElementwiseReference, CompareWhereNary) {
  Shape s = shape({4});
  Buf a = buf<float>(DType::F32, {1.f, 2.f, kNaN, 3.f}), b = buf<float>(DType::F32, {1.f, 1.f, kNaN, 4.f});
  Buf y(DType::Bool, 4);
  compare_reference(CompareOp::Equal, DType::F32, s, s, a.data(), s, b.data(), static_cast<uint8_t*>(y.data()));
  EXPECT_EQ(values<uint8_t>(y), (std::vector<uint8_t>{1, 0, 0, 0}));  // NaN equals nothing
  compare_reference(CompareOp::GreaterOrEqual, DType::F32, s, s, a.data(), s, b.data(), static_cast<uint8_t*>(y.data()));
  EXPECT_EQ(values<uint8_t>(y), (std::vector<uint8_t>{1, 1, 0, 0}));

  // where over [2, 3] with a column condition and a scalar "else".
  Buf c = buf<uint8_t>(DType::Bool, {1, 0}), x = buf<int64_t>(DType::I64, {1, 2, 3, 4, 5, 6}), z = buf<int64_t>(DType::I64, {-1});
  Buf w(DType::I64, 6);
  where_reference(8, shape({2, 3}), shape({2, 1}), static_cast<const uint8_t*>(c.data()), shape({2, 3}), x.data(),
                  shape({}), z.data(), w.data());
  EXPECT_EQ(values<int64_t>(w), (std::vector<int64_t>{1, 2, 3, -1, -1, -1}));

  Buf p = buf<float>(DType::F32, {1.f, 2.f}), q = buf<float>(DType::F32, {10.f}), r = buf<float>(DType::F32, {4.f, 0.f});
  Shape shapes[3] = {shape({2}), shape({1}), shape({2})};
  const void* data[3] = {p.data(), q.data(), r.data()};
  Buf mean(DType::F32, 2), mx(DType::F32, 2);
  nary_reference(NaryOp::Mean, DType::F32, shape({2}), 3, shapes, data, mean.data());
  nary_reference(NaryOp::Max, DType::F32, shape({2}), 3, shapes, data, mx.data());
  expect_f32(mean, {5.f, 4.f});
  expect_f32(mx, {10.f, 10.f});
}

TEST(ElementwiseReference, CastSemantics) {
  Buf x = buf<float>(DType::F32, {-1.9f, 2.9f, kNaN, 1e20f, -1e20f, 0.f, -0.f, 300.f});
  Buf i32(DType::I32, x.size()), b(DType::Bool, x.size()), h(DType::F16, x.size()), back(DType::F32, x.size());
  cast_reference(DType::F32, DType::I32, x.size(), x.data(), i32.data());
  EXPECT_EQ(values<int32_t>(i32), (std::vector<int32_t>{-1, 2, 0, INT32_MAX, INT32_MIN, 0, 0, 300}));
  cast_reference(DType::F32, DType::Bool, x.size(), x.data(), b.data());
  EXPECT_EQ(values<uint8_t>(b), (std::vector<uint8_t>{1, 1, 1, 1, 1, 0, 0, 1}));
  cast_reference(DType::F32, DType::F16, x.size(), x.data(), h.data());
  cast_reference(DType::F16, DType::F32, x.size(), h.data(), back.data());
  expect_f32(back, {-1.900390625f, 2.900390625f, kNaN, kInf, -kInf, 0.f, -0.f, 300.f});
  // f16 edge cases: largest finite, rounding to even, smallest subnormal.
  Buf e = buf<float>(DType::F32, {65504.f, 65520.f, 1.00048828125f, 5.9604645e-08f, 2.9802322e-08f}), eh(DType::F16, 5);
  cast_reference(DType::F32, DType::F16, 5, e.data(), eh.data());
  EXPECT_EQ(values<uint16_t>(eh), (std::vector<uint16_t>{0x7bff, 0x7c00, 0x3c00, 0x0001, 0x0000}));
  Buf big = buf<int64_t>(DType::I64, {300, -1, 1}), u8(DType::U8, 3);
  cast_reference(DType::I64, DType::U8, 3, big.data(), u8.data());
  EXPECT_EQ(values<uint8_t>(u8), (std::vector<uint8_t>{44, 255, 1}));  // integer narrowing wraps
}

Buf cast_ref(DType to, const Buf& x, uint32_t options = 0) {
  Buf y(to, x.size());
  cast_reference(x.dtype, to, x.size(), x.data(), y.data(), options);
  return y;
}

TEST(ElementwiseReference, CastNarrowFloatBitPatterns) {
  // bf16: round to nearest even on the dropped half; NaN stays NaN; bf16 -> f32 is exact.
  Buf x = buf<float>(DType::F32, {1.f, 1.00390625f, 1.01171875f, -2.5f, kInf, kNaN, 3.4e38f});  // the last rounds past the largest
  EXPECT_EQ(values<uint16_t>(cast_ref(DType::BF16, x)),
            (std::vector<uint16_t>{0x3f80, 0x3f80, 0x3f82, 0xc020, 0x7f80, 0x7fc0, 0x7f80}));
  expect_f32(cast_ref(DType::F32, buf<uint16_t>(DType::BF16, {0x3f82, 0x0001, 0xff80})),
             {1.015625f, 9.1835496e-41f, -kInf});
  // float8 e4m3fn: largest 448 (0x7e); 464 rounds down to it; 480 overflows: saturated or NaN.
  Buf f8 = buf<float>(DType::F32, {448.f, 464.f, 480.f, -kInf, kNaN, 0.001953125f, -0.f});
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E4M3FN, f8)), (std::vector<uint8_t>{0x7e, 0x7e, 0x7e, 0xfe, 0x7f, 0x01, 0x80}));
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E4M3FN, f8, kCastNoSaturate)),
            (std::vector<uint8_t>{0x7e, 0x7e, 0x7f, 0xff, 0x7f, 0x01, 0x80}));
  // fnuz: no -0, NaN is 0x80; e5m2 keeps infinities when not saturating.
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E4M3FNUZ, f8, kCastNoSaturate)),
            (std::vector<uint8_t>{0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x00}));  // bias 8: 2^-9 is 0x02
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E5M2, buf<float>(DType::F32, {kInf, 57344.f, 61440.f}), kCastNoSaturate)),
            (std::vector<uint8_t>{0x7c, 0x7b, 0x7c}));
  expect_f32(cast_ref(DType::F32, buf<uint8_t>(DType::F8E5M2FNUZ, {0x80, 0x7f, 0x01})), {kNaN, 57344.f, 7.6293945e-06f});
  // float4 e2m1: values 0 0.5 1 1.5 2 3 4 6; ties to even; always saturating.
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F4E2M1, buf<float>(DType::F32, {5.f, 0.25f, 0.75f, -100.f, 2.5f}))),
            (std::vector<uint8_t>{0x6, 0x0, 0x2, 0xf, 0x4}));
  // e8m0: a power of two; rounds up by default, down or to nearest on request.
  Buf e = buf<float>(DType::F32, {3.f, 4.f, 0.75f, kNaN});
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E8M0, e)), (std::vector<uint8_t>{0x81, 0x81, 0x7f, 0xff}));
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E8M0, e, kCastE8M0Down)), (std::vector<uint8_t>{0x80, 0x81, 0x7e, 0xff}));
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::F8E8M0, e, kCastE8M0Nearest)), (std::vector<uint8_t>{0x81, 0x81, 0x7f, 0xff}));
  // f64 -> f16 rounds once from double (no double rounding through f32).
  EXPECT_EQ(values<uint16_t>(cast_ref(DType::F16, buf<double>(DType::F64, {1.0 + 1.0 / 2048 + 1e-12}))),
            (std::vector<uint16_t>{0x3c01}));
}

TEST(ElementwiseReference, CastSubByteIntegers) {
  // One element per byte, sign-extended; narrowing wraps as for every integer; floats truncate first.
  Buf i = buf<int32_t>(DType::I32, {300, -9, 7, 8, -1});
  EXPECT_EQ(values<int8_t>(cast_ref(DType::I4, i)), (std::vector<int8_t>{-4, 7, 7, -8, -1}));
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::U4, i)), (std::vector<uint8_t>{12, 7, 7, 8, 15}));
  EXPECT_EQ(values<int8_t>(cast_ref(DType::I2, i)), (std::vector<int8_t>{0, -1, -1, 0, -1}));
  EXPECT_EQ(values<uint8_t>(cast_ref(DType::U2, buf<float>(DType::F32, {-1.5f, 2.9f, kNaN}))),
            (std::vector<uint8_t>{3, 2, 0}));
  EXPECT_EQ(values<int32_t>(cast_ref(DType::I32, buf<int8_t>(DType::I4, {-8, 7}))), (std::vector<int32_t>{-8, 7}));
  EXPECT_EQ(values<uint64_t>(cast_ref(DType::U64, buf<float>(DType::F32, {1e30f, -5.f}))),
            (std::vector<uint64_t>{UINT64_MAX, 0}));
}

TEST(ElementwiseReference, WideAndNarrowFloatArithmetic) {
  // f64 computes in double: 1 + 1e-12 is not 1 (it would be in f32).
  Buf a = buf<double>(DType::F64, {1.0, 0.1}), b = buf<double>(DType::F64, {1e-12, 0.2});
  EXPECT_EQ(values<double>(binary_ref(BinaryOp::Add, a, b)), (std::vector<double>{1.0 + 1e-12, 0.1 + 0.2}));
  EXPECT_EQ(values<double>(unary_ref(UnaryOp::Sqrt, buf<double>(DType::F64, {2.0}))), (std::vector<double>{std::sqrt(2.0)}));
  // f16 and bf16: computed in float, rounded once. 1.5 * 1.00097656 = 1.50146484 -> 1.50195312 (even).
  Buf h = buf<uint16_t>(DType::F16, {0x3e00, 0x7bff}), g = buf<uint16_t>(DType::F16, {0x3c01, 0x4000});
  EXPECT_EQ(values<uint16_t>(binary_ref(BinaryOp::Mul, h, g)), (std::vector<uint16_t>{0x3e02, 0x7c00}));  // overflow: inf
  Buf bh = buf<uint16_t>(DType::BF16, {0x3f80, 0x4040}), bg = buf<uint16_t>(DType::BF16, {0x3b80, 0x4040});
  EXPECT_EQ(values<uint16_t>(binary_ref(BinaryOp::Add, bh, bg)), (std::vector<uint16_t>{0x3f80, 0x40c0}));  // 1 + 2^-8 ties to 1
  Buf lt(DType::Bool, 2);
  Shape s = shape({2});
  compare_reference(CompareOp::Less, DType::BF16, s, s, bh.data(), s, bg.data(), static_cast<uint8_t*>(lt.data()));
  EXPECT_EQ(values<uint8_t>(lt), (std::vector<uint8_t>{0, 0}));
  // Unsigned integers: Abs is the identity, Neg and Sub wrap, shifts are logical.
  Buf u = buf<uint16_t>(DType::U16, {3, 65535}), v = buf<uint16_t>(DType::U16, {5, 1});
  EXPECT_EQ(values<uint16_t>(binary_ref(BinaryOp::Sub, u, v)), (std::vector<uint16_t>{65534, 65534}));
  EXPECT_EQ(values<uint16_t>(binary_ref(BinaryOp::ShiftRight, u, v)), (std::vector<uint16_t>{0, 32767}));
  EXPECT_EQ(values<uint16_t>(unary_ref(UnaryOp::Abs, u)), (std::vector<uint16_t>{3, 65535}));
}

TEST(ElementwiseReference, ActivationsAndClip) {
  using A = isa::Activation;
  Buf x = buf<float>(DType::F32, {-2.f, -0.5f, 0.f, 0.5f, 2.f});
  auto act = [&](A kind, float p0, float p1) {
    Buf y(DType::F32, x.size());
    activation_f32_reference({kind, p0, p1}, x.size(), static_cast<const float*>(x.data()), static_cast<float*>(y.data()));
    return y;
  };
  expect_f32(act(A::LeakyRelu, 0.1f, 0.f), {-0.2f, -0.05f, 0.f, 0.5f, 2.f});
  expect_f32(act(A::HardSigmoid, 0.2f, 0.5f), {0.1f, 0.4f, 0.5f, 0.6f, 0.9f});
  expect_f32(act(A::ThresholdedRelu, 0.5f, 0.f), {0.f, 0.f, 0.f, 0.f, 2.f});
  expect_f32(act(A::Clip, -1.f, 1.f), {-1.f, -0.5f, 0.f, 0.5f, 1.f});
  expect_f32(act(A::Elu, 1.f, 0.f), {-0.86466472f, -0.39346934f, 0.f, 0.5f, 2.f});
  expect_f32(act(A::Gelu, 0.f, 0.f), {-0.04550026f, -0.15426877f, 0.f, 0.34573123f, 1.95449974f}, 1e-5f);
  expect_f32(act(A::HardSwish, 0.f, 0.f), {-0.33333334f, -0.20833333f, 0.f, 0.29166666f, 1.6666666f});
  // In place (the fused epilogue) agrees with out of place.
  Buf y = x;
  apply_activation_f32({A::Selu, 1.67326319f, 1.05070102f}, y.size(), static_cast<float*>(y.data()));
  expect_same(y, act(A::Selu, 1.67326319f, 1.05070102f));

  Buf ci = buf<int8_t>(DType::I8, {-128, -5, 0, 5, 127}), lo = buf<int8_t>(DType::I8, {-4}), hi = buf<int8_t>(DType::I8, {4});
  Buf co(DType::I8, 5);
  clip_reference(DType::I8, 5, ci.data(), lo.data(), hi.data(), co.data());
  EXPECT_EQ(values<int8_t>(co), (std::vector<int8_t>{-4, -4, 0, 4, 4}));
  Buf cf = buf<float>(DType::F32, {kNaN, 3.f}), flo = buf<float>(DType::F32, {2.f}), fhi = buf<float>(DType::F32, {1.f});
  Buf cfo(DType::F32, 2);
  clip_reference(DType::F32, 2, cf.data(), flo.data(), fhi.data(), cfo.data());
  expect_f32(cfo, {kNaN, 1.f});  // NaN passes; min > max gives max
}

//===----------------------------------------------------------------------===//
// Fast paths against the references
//===----------------------------------------------------------------------===//

class ElementwiseFast : public ::testing::TestWithParam<int> {
 protected:
  ElementwiseFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~ElementwiseFast() override { delete pool_; }
  ThreadPool* pool_;
};

constexpr int64_t kSizes[] = {0, 1, 7, 33, 100, 16385, 40003};

TEST_P(ElementwiseFast, UnaryEveryKindAndDtype) {
  for (int k = 0; k < int(UnaryOp::kCount); ++k) {
    for (DType t : kDTypes) {
      if (!unary_supports(UnaryOp(k), t)) continue;
      for (int64_t n : kSizes) {
        Buf x = random_buf(t, n, unsigned(n + k));
        Buf want(t, n), got(t, n);
        unary_reference(UnaryOp(k), t, n, x.data(), want.data());
        unary(UnaryOp(k), t, n, x.data(), got.data(), pool_);
        SCOPED_TRACE(std::string(isa::unary_kind_name(k)) + " " + std::to_string(int(t)) + " n=" + std::to_string(n));
        expect_same(got, want);
        unary(UnaryOp(k), t, n, x.data(), x.data(), pool_);  // in place
        expect_same(x, want);
      }
    }
  }
}

TEST_P(ElementwiseFast, ActivationEveryKind) {
  for (int k = 0; k < int(isa::Activation::kCount); ++k) {
    for (int64_t n : kSizes) {
      Buf x = random_buf(DType::F32, n, unsigned(n + k), -6.f, 6.f);
      Buf want(DType::F32, n), got(DType::F32, n);
      Activation act{isa::Activation(k), k == int(isa::Activation::Clip) ? -1.f : 0.3f, 1.2f};
      const float* px = static_cast<const float*>(x.data());
      activation_f32_reference(act, n, px, static_cast<float*>(want.data()));
      activation_f32(act, n, px, static_cast<float*>(got.data()), pool_);
      SCOPED_TRACE(testing::Message() << "activation " << k << " n=" << n);
      expect_same(got, want);
      apply_activation_f32(act, n, static_cast<float*>(x.data()));
      expect_same(x, want);
    }
  }
}

TEST_P(ElementwiseFast, ClipAndCastEveryDtype) {
  for (DType from : kDTypes) {
    for (int64_t n : kSizes) {
      Buf x = random_buf(from, n, unsigned(n) + 7, -300.f, 300.f);
      if (clip_supports(from)) {
        Buf lo = random_buf(from, 1, 1), hi = random_buf(from, 1, 2), want(from, n), got(from, n);
        clip_reference(from, n, x.data(), lo.data(), hi.data(), want.data());
        clip(from, n, x.data(), lo.data(), hi.data(), got.data(), pool_);
        expect_same(got, want);
      }
      for (DType to : kDTypes) {
        Buf want(to, n), got(to, n);
        cast_reference(from, to, n, x.data(), want.data());
        cast(from, to, n, x.data(), got.data(), pool_);
        SCOPED_TRACE(testing::Message() << "cast " << int(from) << "->" << int(to) << " n=" << n);
        expect_same(got, want);
      }
    }
  }
}

struct BroadcastCase {
  Shape y, a, b;
};

const BroadcastCase kBroadcasts[] = {
    {shape({1}), shape({1}), shape({1})},                              // one element
    {shape({7}), shape({7}), shape({7})},                              // same shape, odd
    {shape({33, 100}), shape({33, 100}), shape({33, 100})},            // same shape
    {shape({100, 7}), shape({100, 7}), shape({})},                     // rank-0 scalar
    {shape({7, 33}), shape({1}), shape({7, 33})},                      // scalar on the left
    {shape({7, 33}), shape({7, 33}), shape({33})},                     // row
    {shape({33, 7}), shape({33, 1}), shape({33, 7})},                  // column on the left
    {shape({2, 7, 5, 3}), shape({2, 7, 5, 3}), shape({7, 1, 1})},      // channel
    {shape({7, 33}), shape({7, 1}), shape({1, 33})},                   // outer product
    {shape({3, 4, 5, 6}), shape({3, 1, 5, 1}), shape({4, 1, 6})},      // interleaved
    {shape({100, 7, 1}), shape({100, 7, 1}), shape({7, 1})},           // trailing ones
    {shape({0, 3}), shape({0, 3}), shape({3})},                        // empty
    {shape({2, 33, 40, 41}), shape({2, 33, 40, 41}), shape({1, 33, 1, 1})},  // channel, threaded
    {shape({300, 257}), shape({300, 1}), shape({257})},                // outer product, threaded
};

TEST_P(ElementwiseFast, BinaryEveryKindDtypeAndBroadcast) {
  for (const BroadcastCase& c : kBroadcasts) {
    for (bool swap : {false, true}) {
      const Shape& sa = swap ? c.b : c.a;
      const Shape& sb = swap ? c.a : c.b;
      for (DType t : kDTypes) {
        Buf A = random_buf(t, sa.num_elements(), 1), B = random_buf(t, sb.num_elements(), 2);
        for (int k = 0; k < int(BinaryOp::kCount); ++k) {
          if (!binary_supports(BinaryOp(k), t)) continue;
          Buf want(t, c.y.num_elements()), got(t, c.y.num_elements());
          binary_reference(BinaryOp(k), t, c.y, sa, A.data(), sb, B.data(), want.data());
          binary(BinaryOp(k), t, c.y, sa, A.data(), sb, B.data(), got.data(), pool_);
          SCOPED_TRACE(testing::Message() << isa::binary_kind_name(k) << " dtype " << int(t) << " y elems "
                                          << c.y.num_elements() << " swap " << swap);
          expect_same(got, want);
        }
        if (!compare_supports(CompareOp::Equal, t)) continue;
        for (int k = 0; k < int(CompareOp::kCount); ++k) {
          Buf want(DType::Bool, c.y.num_elements()), got(DType::Bool, c.y.num_elements());
          auto* pw = static_cast<uint8_t*>(want.data());
          auto* pg = static_cast<uint8_t*>(got.data());
          compare_reference(CompareOp(k), t, c.y, sa, A.data(), sb, B.data(), pw);
          compare(CompareOp(k), t, c.y, sa, A.data(), sb, B.data(), pg, pool_);
          SCOPED_TRACE(testing::Message() << isa::compare_kind_name(k) << " dtype " << int(t));
          expect_same(got, want);
        }
      }
    }
  }
}

TEST_P(ElementwiseFast, WhereAndNaryBroadcastThreeOperands) {
  for (const BroadcastCase& c : kBroadcasts) {
    // The condition takes the third shape: the broadcast of a and b's dims with a's rank.
    const Shape third = c.a.rank ? shape({c.a.dims[c.a.rank - 1]}) : shape({});
    const Shape* orders[][3] = {{&c.a, &c.b, &third}, {&third, &c.a, &c.b}, {&c.b, &third, &c.a}};
    for (auto& o : orders) {
      Buf cond = random_buf(DType::Bool, o[0]->num_elements(), 3);
      for (DType t : {DType::F32, DType::I8, DType::F16, DType::I64}) {
        Buf A = random_buf(t, o[1]->num_elements(), 4), B = random_buf(t, o[2]->num_elements(), 5);
        Buf want(t, c.y.num_elements()), got(t, c.y.num_elements());
        auto* pc = static_cast<const uint8_t*>(cond.data());
        where_reference(dtype_size(t), c.y, *o[0], pc, *o[1], A.data(), *o[2], B.data(), want.data());
        where(dtype_size(t), c.y, *o[0], pc, *o[1], A.data(), *o[2], B.data(), got.data(), pool_);
        expect_same(got, want);
      }
      for (DType t : {DType::F32, DType::I32}) {
        Shape shapes[3] = {*o[0], *o[1], *o[2]};
        Buf x0 = random_buf(t, shapes[0].num_elements(), 6), x1 = random_buf(t, shapes[1].num_elements(), 7),
            x2 = random_buf(t, shapes[2].num_elements(), 8);
        const void* data[3] = {x0.data(), x1.data(), x2.data()};
        for (int k = 0; k < int(NaryOp::kCount); ++k) {
          if (!nary_supports(NaryOp(k), t)) continue;
          Buf want(t, c.y.num_elements()), got(t, c.y.num_elements());
          nary_reference(NaryOp(k), t, c.y, 3, shapes, data, want.data());
          nary(NaryOp(k), t, c.y, 3, shapes, data, got.data(), pool_);
          SCOPED_TRACE(testing::Message() << isa::nary_kind_name(k) << " dtype " << int(t));
          expect_same(got, want);
        }
      }
    }
  }
}

TEST_P(ElementwiseFast, BinaryInPlace) {
  Shape y = shape({33, 100});
  Buf A = random_buf(DType::F32, y.num_elements(), 3), B = random_buf(DType::F32, 100, 4);
  Buf want(DType::F32, y.num_elements());
  binary_reference(BinaryOp::Mul, DType::F32, y, y, A.data(), shape({100}), B.data(), want.data());
  binary(BinaryOp::Mul, DType::F32, y, y, A.data(), shape({100}), B.data(), A.data(), pool_);
  expect_same(A, want);
}

INSTANTIATE_TEST_SUITE_P(Threads, ElementwiseFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

}  // namespace
}  // namespace aivm::kernels
