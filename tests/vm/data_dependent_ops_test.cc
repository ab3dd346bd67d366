// NonZero, Unique and Compress (compiler/ops/data_dependent.cc): folded from constants,
// Compress with a constant condition as a GATHER, and the errors for run-time values.
#include <gtest/gtest.h>

#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using testing::Operand;
using testing::OpRun;
using Dims = std::vector<int64_t>;

testing::OpSpec spec(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs, int outputs = 1) {
  testing::OpSpec s(op, args, attrs);
  s.default_opset = 13;
  s.num_outputs = outputs;
  return s;
}

Operand bools(const std::vector<uint8_t>& v) {
  return testing::operand(Operand::Constant, DType::Bool, {int64_t(v.size())}, v);
}

TEST(DataDependentOps, NonZeroFoldsAConstant) {
  OpRun r = testing::run_op(spec("NonZero", {testing::constant<int32_t>({2, 2}, {1, 0, 3, 4})}, {}));
  EXPECT_EQ(r.code.size(), 1u);  // halt only
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{0, 1, 1, 0, 0, 1}));
  std::string err = testing::compile_error(spec("NonZero", {testing::input<float>({2}, {1, 0})}, {}));
  EXPECT_NE(err.find("the input must be a constant: NonZero's output shape depends on its values"), std::string::npos)
      << err;
}

TEST(DataDependentOps, UniqueSortedAndInOrder) {
  Operand x = testing::constant<float>({6}, {2, 1, 1, 3, 4, 3});
  OpRun r = testing::run_op(spec("Unique", {x}, {}, 4));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(r.outputs[1].as<int64_t>(), (Dims{1, 0, 3, 4}));
  EXPECT_EQ(r.outputs[2].as<int64_t>(), (Dims{1, 0, 0, 2, 3, 2}));
  EXPECT_EQ(r.outputs[3].as<int64_t>(), (Dims{2, 1, 2, 1}));
  r = testing::run_op(spec("Unique", {x}, {{"sorted", int64_t(0)}}, 1));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{2, 1, 3, 4}));
  // Rows of a [3, 2] along axis 0.
  r = testing::run_op(spec("Unique", {testing::constant<int64_t>({3, 2}, {1, 0, 1, 0, 0, 5})}, {{"axis", int64_t(0)}}, 4));
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{0, 5, 1, 0}));
  EXPECT_EQ(r.outputs[2].as<int64_t>(), (Dims{1, 1, 0}));
}

TEST(DataDependentOps, CompressWithAConstantConditionIsAGather) {
  Operand x = testing::input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  OpRun r = testing::run_op(spec("Compress", {x, bools({1, 0, 1})}, {{"axis", int64_t(1)}}));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::GATHER);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 3, 4, 6}));
  // No axis: the flattened data; a constant folds, a run-time 2-D input is an error.
  r = testing::run_op(spec("Compress", {testing::constant<float>({2, 2}, {1, 2, 3, 4}), bools({0, 1, 1})}, {}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{2, 3}));
  std::string err = testing::compile_error(spec("Compress", {x, bools({1})}, {}));
  EXPECT_NE(err.find("without 'axis' the data must be a constant or 1-D"), std::string::npos) << err;
  err = testing::compile_error(
      spec("Compress", {x, testing::operand(Operand::Input, DType::Bool, {2}, {1, 0})}, {{"axis", int64_t(0)}}));
  EXPECT_NE(err.find("the condition must be a constant"), std::string::npos) << err;
}

}  // namespace
}  // namespace aivm
