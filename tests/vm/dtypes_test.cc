// The dtypes beyond f32 end to end (stack program -> aivmc -> verifier -> interpreter): f64
// arithmetic in double, bf16 casts with known bit patterns, i16 reductions, every dtype through
// CAST against the kernel reference, and the compiler's and the verifier's refusals of dtypes
// an instruction does not take.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "format/writer.h"
#include "isa/decode.h"
#include "kernels/elementwise/elementwise.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using testing::Operand;
using Dims = std::vector<int64_t>;

template <typename T>
Operand typed(DType t, Dims shape, const std::vector<T>& v, Operand::Kind kind = Operand::Input) {
  std::vector<uint8_t> bytes(v.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return testing::operand(kind, t, std::move(shape), std::move(bytes));
}

testing::TensorBytes run(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs = {}) {
  testing::OpRun r = testing::run_op({op, operands, attrs});
  return r.outputs.empty() ? testing::TensorBytes{} : r.outputs[0];
}

std::string compile_error(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs = {}) {
  return testing::compile_error<compiler::CompileError>({op, operands, attrs});
}

TEST(Dtypes, F64AddAndDivComputeInDouble) {
  Operand a = typed<double>(DType::F64, {3}, {1.0, 0.1, 1e300});
  Operand b = typed<double>(DType::F64, {3}, {1e-12, 0.2, 1e300});
  testing::TensorBytes y = run("Add", {a, b});
  ASSERT_EQ(y.dtype, DType::F64);
  EXPECT_EQ(y.as<double>(), (std::vector<double>{1.0 + 1e-12, 0.1 + 0.2, 2e300}));  // 2e300: no f32 overflow
  y = run("Div", {a, typed<double>(DType::F64, {}, {3.0})});
  EXPECT_EQ(y.as<double>(), (std::vector<double>{1.0 / 3.0, 0.1 / 3.0, 1e300 / 3.0}));
}

TEST(Dtypes, Bf16RoundTripCastWithKnownBits) {
  // 1.00390625 is a tie (rounds to even, 1.0); 1.01171875 rounds up to 1.015625; NaN stays NaN.
  Operand x = typed<float>(DType::F32, {5}, {1.f, 1.00390625f, 1.01171875f, -2.5f, NAN});
  testing::TensorBytes b = run("Cast", {x}, {{"to", int64_t(16)}});  // BFLOAT16
  ASSERT_EQ(b.dtype, DType::BF16);
  EXPECT_EQ(b.as<uint16_t>(), (std::vector<uint16_t>{0x3f80, 0x3f80, 0x3f82, 0xc020, 0x7fc0}));
  Operand bits = typed<uint16_t>(DType::BF16, {5}, b.as<uint16_t>());
  testing::TensorBytes back = run("Cast", {bits}, {{"to", int64_t(1)}});
  std::vector<float> f = back.as<float>();
  EXPECT_EQ(f[0], 1.f);
  EXPECT_EQ(f[1], 1.f);
  EXPECT_EQ(f[2], 1.015625f);
  EXPECT_EQ(f[3], -2.5f);
  EXPECT_TRUE(std::isnan(f[4]));
  // bf16 arithmetic: computed in float, one rounding: 3 * 3 = 9 exactly.
  testing::TensorBytes sq = run("Mul", {bits, typed<uint16_t>(DType::BF16, {}, {0x4040})});
  EXPECT_EQ(sq.as<uint16_t>()[3], 0xc0f0);  // -2.5 * 3 = -7.5
}

TEST(Dtypes, I16ReduceAndArgMax) {
  Operand x = typed<int16_t>(DType::I16, {2, 3}, {30000, 30000, -7, 1, -2, 3});
  testing::TensorBytes s = run("ReduceSum", {x, testing::ints({1})}, {{"keepdims", int64_t(0)}});
  ASSERT_EQ(s.dtype, DType::I16);
  EXPECT_EQ(s.as<int16_t>(), (std::vector<int16_t>{int16_t(60000 - 7 - 65536), 2}));  // wraps in 16 bits
  testing::TensorBytes m = run("ReduceMax", {x}, {{"axes", std::vector<int64_t>{0}}});
  EXPECT_EQ(m.as<int16_t>(), (std::vector<int16_t>{30000, 30000, 3}));
  testing::TensorBytes a = run("ArgMin", {x}, {{"axis", int64_t(1)}});
  EXPECT_EQ(a.as<int64_t>(), (std::vector<int64_t>{2, 1}));
}

TEST(Dtypes, UnsignedAndF16ArithmeticAndCompare) {
  Operand u = typed<uint64_t>(DType::U64, {2}, {~uint64_t(0), 5});
  EXPECT_EQ(run("Add", {u, typed<uint64_t>(DType::U64, {}, {1})}).as<uint64_t>(), (std::vector<uint64_t>{0, 6}));
  testing::TensorBytes gt = run("Greater", {u, typed<uint64_t>(DType::U64, {}, {6})});
  EXPECT_EQ(gt.as<uint8_t>(), (std::vector<uint8_t>{1, 0}));  // unsigned, not -1 > 6
  Operand h = typed<uint16_t>(DType::F16, {2}, {0x3e00, 0x7bff});  // 1.5, 65504
  EXPECT_EQ(run("Mul", {h, typed<uint16_t>(DType::F16, {}, {0x4000})}).as<uint16_t>(),
            (std::vector<uint16_t>{0x4200, 0x7c00}));  // 3, inf
  EXPECT_EQ(run("Max", {h, typed<uint16_t>(DType::F16, {2}, {0x4000, 0x3c00})}).as<uint16_t>(),
            (std::vector<uint16_t>{0x4000, 0x7bff}));
}

// Every dtype into and out of f32 and i32 through CAST, as the kernel reference converts.
TEST(Dtypes, EveryDtypeCastsLikeTheReference) {
  Operand x = typed<float>(DType::F32, {2, 7}, {-9.5f, -3.f, -1.25f, -0.f, 0.f, 0.3f, 1.f,
                                                2.5f,  7.f,  15.f,   300.f, 1e6f, NAN, INFINITY});
  for (int onnx = 1; onnx <= 26; ++onnx) {
    DType to = dtype_from_onnx_type(onnx);
    if (to == DType::Undefined) continue;
    SCOPED_TRACE(dtype_name(to));
    std::vector<uint8_t> want(size_t(x.size()) * dtype_size(to));
    kernels::cast_reference(DType::F32, to, x.size(), x.data(), want.data());
    testing::TensorBytes y = run("Cast", {x}, {{"to", int64_t(onnx)}});
    ASSERT_EQ(y.dtype, to);
    EXPECT_EQ(y.bytes, want);
    Operand back_in = testing::operand(Operand::Input, to, x.shape, want);
    std::vector<uint8_t> back(size_t(x.size()) * 4);
    kernels::cast_reference(to, DType::I32, x.size(), want.data(), back.data());
    EXPECT_EQ(run("Cast", {back_in}, {{"to", int64_t(6)}}).bytes, back);
  }
  // saturate = 0: out-of-range float8 gives NaN (e4m3fn) instead of the largest value.
  Operand big = typed<float>(DType::F32, {2}, {1000.f, -1000.f});
  EXPECT_EQ(run("Cast", {big}, {{"to", int64_t(17)}}).as<uint8_t>(), (std::vector<uint8_t>{0x7e, 0xfe}));
  EXPECT_EQ(run("Cast", {big}, {{"to", int64_t(17)}, {"saturate", int64_t(0)}}).as<uint8_t>(),
            (std::vector<uint8_t>{0x7f, 0xff}));
}

TEST(Dtypes, BitCastKeepsTheBytes) {
  Operand x = typed<float>(DType::F32, {2}, {1.f, -2.f});
  testing::TensorBytes y = run("BitCast", {x}, {{"to", int64_t(12)}});  // UINT32
  ASSERT_EQ(y.dtype, DType::U32);
  EXPECT_EQ(y.as<uint32_t>(), (std::vector<uint32_t>{0x3f800000u, 0xc0000000u}));
  EXPECT_NE(compile_error("BitCast", {x}, {{"to", int64_t(7)}}).find("changes the bit width"), std::string::npos);
  format::BundleDesc d = testing::compile_op({"BitCast", {x}, {{"to", int64_t(6)}}});
  EXPECT_EQ(testing::load_edited(d, [](format::FunctionDesc&) {}), "OK");
  EXPECT_NE(testing::load_edited(d, [](format::FunctionDesc& f) { f.registers[1].dtype = DType::F16; })
                .find("changes the element size"),
            std::string::npos);
}

TEST(Dtypes, CompilerRefusesArithmeticOnStorageTypes) {
  Operand f8 = typed<uint8_t>(DType::F8E4M3FN, {2}, {1, 2});
  EXPECT_NE(compile_error("Add", {f8, f8}).find("Add on dtype f8e4m3fn is not supported"), std::string::npos);
  Operand i4 = typed<int8_t>(DType::I4, {2}, {1, -2});
  EXPECT_NE(compile_error("ReduceSum", {i4}).find("ReduceSum on dtype i4 is not supported"), std::string::npos);
  Operand x = typed<float>(DType::F32, {2}, {1.f, 2.f});
  EXPECT_NE(compile_error("Cast", {x}, {{"to", int64_t(24)}, {"round_mode", std::string("sideways")}})
                .find("round_mode 'sideways'"),
            std::string::npos);
}

TEST(Dtypes, VerifierRejectsBadDtypeCombinations) {
  auto expect_message = [](const std::string& got, const std::string& want) {
    EXPECT_NE(got.find(want), std::string::npos) << got;
  };
  auto set_d = [](uint32_t d) {
    return [d](format::FunctionDesc& f) {
      isa::Instr in = isa::decode(f.code[0]);
      in.d = d;
      f.code[0] = isa::encode(in);
    };
  };
  Operand x = typed<float>(DType::F32, {4}, {1, 2, 3, 4});
  format::BundleDesc cast = testing::compile_op({"Cast", {x}, {{"to", int64_t(17)}}});
  EXPECT_EQ(testing::load_edited(cast, [](format::FunctionDesc&) {}), "OK");
  expect_message(testing::load_edited(cast, set_d(16)), "cast options #16 has undefined bits");
  expect_message(testing::load_edited(cast, set_d(8)), "bitwise cast from f32 to f8e4m3fn changes the element size");
  expect_message(testing::load_edited(cast, set_d(6)), "ask for two e8m0 rounding modes");
  // Retypes every register and the signature: the bundle stays consistent but for the rule.
  auto retyped = [](format::BundleDesc d, DType from, DType to) {
    for (auto& r : d.functions[0].registers)
      if (r.dtype == from) r.dtype = to;
    for (auto* specs : {&d.inputs, &d.outputs})
      for (auto& t : *specs)
        if (t.dtype == from) t.dtype = to;
    return testing::load_edited(d, [](format::FunctionDesc&) {});
  };
  Operand b = typed<uint8_t>(DType::U8, {4}, {1, 2, 3, 4});
  format::BundleDesc add = testing::compile_op({"Add", {b, b}});
  expect_message(retyped(add, DType::U8, DType::F8E5M2), "add does not take dtype f8e5m2");
  expect_message(retyped(add, DType::U8, DType::I4), "add does not take dtype i4");
  format::BundleDesc sum = testing::compile_op({"ReduceSum", {b}});
  expect_message(retyped(sum, DType::U8, DType::Bool), "this reduction does not take dtype bool");
  expect_message(retyped(sum, DType::U8, DType::F8E4M3FN), "this reduction does not take dtype f8e4m3fn");
  expect_message(retyped(sum, DType::U8, DType::I8), "OK");
  format::BundleDesc arg = testing::compile_op({"ArgMax", {b}});
  expect_message(retyped(arg, DType::U8, DType::U2), "source has dtype u2, expected a float or integer");
}

TEST(Dtypes, QuantizeLinearPerTensorAxisAndBlocked) {
  // Per tensor, u8 with zero point 128: round half to even, then saturate.
  Operand x = typed<float>(DType::F32, {2, 4}, {0.f, 1.f, 2.5f, -3.f, 1000.f, -1000.f, 0.5f, 1.5f});
  Operand scale = typed<float>(DType::F32, {}, {0.5f}, Operand::Constant);
  Operand zp = typed<uint8_t>(DType::U8, {}, {128}, Operand::Constant);
  testing::TensorBytes y = run("QuantizeLinear", {x, scale, zp});
  ASSERT_EQ(y.dtype, DType::U8);
  EXPECT_EQ(y.as<uint8_t>(), (std::vector<uint8_t>{128, 130, 133, 122, 255, 0, 129, 131}));
  // Per axis (axis 0): one scale per row, i8 without a zero point... given as int8 zeros.
  Operand s2 = typed<float>(DType::F32, {2}, {1.f, 10.f}, Operand::Constant);
  Operand z2 = typed<int8_t>(DType::I8, {2}, {0, -1}, Operand::Constant);
  EXPECT_EQ(run("QuantizeLinear", {x, s2, z2}, {{"axis", int64_t(0)}}).as<int8_t>(),
            (std::vector<int8_t>{0, 1, 2, -3, 99, -101, -1, -1}));
  // Blocked along axis 1 in blocks of 3: scales [2, 2] -> columns 0..2 and 3.
  Operand s3 = typed<float>(DType::F32, {2, 2}, {1.f, 0.25f, 2.f, 1.f}, Operand::Constant);
  EXPECT_EQ(run("QuantizeLinear", {x, s3, typed<int8_t>(DType::I4, {2, 2}, {0, 0, 1, 0}, Operand::Constant)},
                {{"axis", int64_t(1)}, {"block_size", int64_t(3)}})
                .as<int8_t>(),
            (std::vector<int8_t>{0, 1, 2, -8, 7, -8, 1, 2}));  // i4 saturates to [-8, 7]
  // Dequantize inverts (up to the rounding): (q - zp) * scale, in the scale's dtype.
  Operand q = typed<uint8_t>(DType::U8, {2, 4}, y.as<uint8_t>());
  testing::TensorBytes back = run("DequantizeLinear", {q, scale, zp});
  ASSERT_EQ(back.dtype, DType::F32);
  EXPECT_EQ(back.as<float>(), (std::vector<float>{0.f, 1.f, 2.5f, -3.f, 63.5f, -64.f, 0.5f, 1.5f}));
  // float8: x / scale converted with CAST's saturation; the zero point is not added.
  Operand f8zp = typed<uint8_t>(DType::F8E4M3FN, {}, {0}, Operand::Constant);
  EXPECT_EQ(run("QuantizeLinear", {x, scale, f8zp}).as<uint8_t>()[4], 0x7e);  // 2000 saturates to 448
  EXPECT_EQ(run("QuantizeLinear", {x, scale, f8zp}, {{"saturate", int64_t(0)}}).as<uint8_t>()[4], 0x7f);  // NaN
}

TEST(Dtypes, QuantizeRefusesBadLayoutsAtCompileAndVerifyTime) {
  Operand x = typed<float>(DType::F32, {2, 4}, {0, 1, 2, 3, 4, 5, 6, 7});
  Operand bad_scale = typed<float>(DType::F32, {3}, {1, 1, 1}, Operand::Constant);
  EXPECT_NE(compile_error("QuantizeLinear", {x, bad_scale}, {{"axis", int64_t(1)}}).find("fits neither"),
            std::string::npos);
  Operand scale = typed<float>(DType::F32, {4}, {1, 1, 1, 1}, Operand::Constant);
  EXPECT_NE(compile_error("DequantizeLinear", {x, scale}).find("DequantizeLinear on dtype f32"), std::string::npos);
  format::BundleDesc d = testing::compile_op({"QuantizeLinear", {x, scale}, {{"axis", int64_t(1)}}});
  EXPECT_EQ(testing::load_edited(d, [](format::FunctionDesc&) {}), "OK");
  // Record: [zero_point, axis, block_size, options].
  auto message = [&](int word, int32_t value) {
    return testing::load_edited(d, [&](format::FunctionDesc& f) { f.attrs[size_t(word)] = value; });
  };
  EXPECT_NE(message(1, 0).find("does not fit [2,4] along axis 0"), std::string::npos) << message(1, 0);
  EXPECT_NE(message(1, 5).find("axis 5 out of range"), std::string::npos);
  EXPECT_NE(message(2, -1).find("block size is negative"), std::string::npos);
  EXPECT_NE(message(3, 2).find("options #2"), std::string::npos);
  EXPECT_NE(message(0, 99).find("zero point register 99 out of range"), std::string::npos);
}

}  // namespace
}  // namespace aivm
