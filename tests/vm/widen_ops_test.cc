// Operand casts (compiler/passes/operand_casts.cc): f16 / bf16 / f64 operands of f32-only ops
// run in f32 between casts, constant weights fold through the cast, results round once; Pow
// with an exponent of another dtype; MaxPool on 8-bit integers.
#include <gtest/gtest.h>

#include <cstring>

#include "format/float_formats.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using testing::Operand;
using testing::OpRun;
using Dims = std::vector<int64_t>;

Operand half_operand(Operand::Kind kind, DType dt, Dims shape, const std::vector<float>& v) {
  std::vector<uint8_t> bytes(v.size() * 2);
  for (size_t i = 0; i < v.size(); ++i) {
    uint16_t h = dt == DType::F16 ? float_to_half(v[i]) : float_to_bf16(v[i]);
    std::memcpy(&bytes[i * 2], &h, 2);
  }
  return testing::operand(kind, dt, std::move(shape), std::move(bytes));
}

std::vector<float> floats_of(const testing::TensorBytes& t) {
  std::vector<float> out;
  for (int64_t i = 0; i < t.size(); ++i) {
    if (t.dtype == DType::F64) {
      out.push_back(float(t.ptr<double>()[i]));
    } else {
      uint16_t h = t.ptr<uint16_t>()[i];
      out.push_back(t.dtype == DType::F16 ? half_to_float(h) : bf16_to_float(h));
    }
  }
  return out;
}

std::vector<isa::Opcode> ops_of(const OpRun& r) {
  std::vector<isa::Opcode> out;
  for (const isa::Instr& in : testing::without_halt(r.code)) out.push_back(in.op);
  return out;
}

TEST(WidenOps, HalfMatMulRunsInF32BetweenCasts) {
  for (DType dt : {DType::F16, DType::BF16}) {
    // Constant weights fold through their cast: only the activation is cast at run time.
    Operand a = half_operand(Operand::Input, dt, {2, 3}, {1, 2, 3, 4, 5, 6});
    Operand b = half_operand(Operand::Constant, dt, {3, 2}, {1, 0, 0, 1, 1, 1});
    testing::OpSpec s("MatMul", {a, b});
    OpRun r = testing::run_op(s);
    EXPECT_EQ(ops_of(r), (std::vector<isa::Opcode>{isa::Opcode::CAST, isa::Opcode::GEMM, isa::Opcode::CAST}));
    EXPECT_EQ(r.outputs[0].dtype, dt);
    EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{4, 5, 10, 11}));
  }
}

TEST(WidenOps, F64SoftmaxAndBatchedMatMul) {
  std::vector<double> x = {0, 1, 2, 3};
  std::vector<uint8_t> bytes(x.size() * 8);
  std::memcpy(bytes.data(), x.data(), bytes.size());
  Operand in = testing::operand(Operand::Input, DType::F64, {1, 2, 2}, bytes);
  OpRun r = testing::run_op(testing::OpSpec("Softmax", {in}, {{"__opset", int64_t(13)}}));
  EXPECT_EQ(r.outputs[0].dtype, DType::F64);
  std::vector<float> y = floats_of(r.outputs[0]);
  EXPECT_NEAR(y[0], 0.26894142, 1e-7);
  EXPECT_NEAR(y[3], 0.73105858, 1e-7);
  r = testing::run_op(testing::OpSpec("MatMul", {in, in}));
  // Two graph inputs (the harness makes one per operand), so two casts.
  EXPECT_EQ(ops_of(r), (std::vector<isa::Opcode>{isa::Opcode::CAST, isa::Opcode::CAST, isa::Opcode::MATMUL,
                                                 isa::Opcode::CAST}));
  EXPECT_EQ(floats_of(r.outputs[0]), (std::vector<float>{2, 3, 6, 11}));
}

TEST(WidenOps, HalfActivation) {
  Operand x = half_operand(Operand::Input, DType::F16, {3}, {-1, 0, 2});
  OpRun r = testing::run_op(testing::OpSpec("Elu", {x}));
  EXPECT_EQ(r.outputs[0].dtype, DType::F16);
  std::vector<float> y = floats_of(r.outputs[0]);
  EXPECT_NEAR(y[0], -0.63212056f, 1e-3f);  // f16 has 11 significant bits
  EXPECT_EQ(y[2], 2.f);
}

TEST(WidenOps, PowWithAnExponentOfAnotherDtype) {
  // f32 base, i64 exponent: the exponent is cast to f32.
  OpRun r = testing::run_op(testing::OpSpec(
      "Pow", {testing::input<float>({3}, {1.5f, 2, -3}), testing::input<int64_t>({3}, {2, 3, 3})}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{2.25f, 8, -27}));
  // i32 base, f32 exponent: computed in f64, truncated back to i32.
  r = testing::run_op(testing::OpSpec(
      "Pow", {testing::input<int32_t>({3}, {2, 9, 5}), testing::input<float>({3}, {3, 0.5f, -1})}));
  EXPECT_EQ(r.outputs[0].dtype, DType::I32);
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{8, 3, 0}));
}

TEST(WidenOps, MaxPoolOnBytes) {
  OpRun r = testing::run_op(testing::OpSpec(
      "MaxPool", {testing::input<uint8_t>({1, 1, 2, 2}, {7, 255, 0, 3})},
      {{"kernel_shape", std::vector<int64_t>{2, 2}}}));
  EXPECT_EQ(r.outputs[0].dtype, DType::U8);
  EXPECT_EQ(r.outputs[0].as<uint8_t>(), (std::vector<uint8_t>{255}));
}

}  // namespace
}  // namespace aivm
