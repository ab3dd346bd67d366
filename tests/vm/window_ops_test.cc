// Window operators beyond 2-D, end to end: 1-D Conv and pooling on the 2-D instructions (a
// [N, C, W] tensor viewed as [N, C, 1, W]), 3-D pooling and LpPool on POOL; and the verifier's
// rejection of crafted POOL records and 1-D windows that are not.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "isa/decode.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using testing::input;
using testing::Operand;
using testing::OpRun;
using Dims = std::vector<int64_t>;

testing::OpSpec spec(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs) {
  testing::OpSpec s(op, args, attrs);
  s.default_opset = 19;
  return s;
}

std::vector<float> iota_f32(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 1.f);
  return v;
}

TEST(WindowOps, Conv1dOnThe2dInstruction) {
  Operand x = input<float>({1, 1, 5}, {1, 2, 3, 4, 5});
  Operand w = input<float>({2, 1, 3}, {1, 0, -1, 1, 1, 1});
  OpRun r = testing::run_op(spec("Conv", {x, w}, {{"pads", Dims{1, 1}}, {"strides", Dims{2}}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::CONV);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 2, 3}));
  // Padded x: 0 1 2 3 4 5 0; windows at 0, 2, 4.
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{-2, -2, 4, 3, 9, 9}));
}

TEST(WindowOps, Pool1dAnd3d) {
  OpRun r = testing::run_op(spec("MaxPool", {input<float>({1, 1, 5}, {1, 5, 2, 4, 3})}, {{"kernel_shape", Dims{2}}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::MAXPOOL);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{5, 5, 4, 4}));
  Operand x3 = input<float>({1, 1, 2, 2, 2}, iota_f32(8));
  r = testing::run_op(spec("AveragePool", {x3}, {{"kernel_shape", Dims{2, 2, 2}}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::POOL);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 1, 1, 1}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{4.5f}));
  r = testing::run_op(spec("MaxPool", {x3}, {{"kernel_shape", Dims{1, 2, 1}}, {"pads", Dims{0, 0, 0, 0, 1, 0}}}));
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 2, 2, 2}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{3, 4, 3, 4, 7, 8, 7, 8}));
}

TEST(WindowOps, LpPool) {
  Operand x = input<float>({1, 1, 2, 2}, {3, -4, 0, 12});
  OpRun r = testing::run_op(spec("LpPool", {x}, {{"kernel_shape", Dims{2, 2}}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::POOL);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{13}));
  r = testing::run_op(spec("LpPool", {x}, {{"kernel_shape", Dims{2, 1}}, {"p", int64_t(1)}}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{3, 16}));
  EXPECT_NE(testing::compile_error(spec("LpPool", {x}, {{"kernel_shape", Dims{2, 2}}, {"p", int64_t(0)}})).find("p must"),
            std::string::npos);
}

TEST(WindowOps, VerifierRejectsBadPoolRecords) {
  Operand x = input<float>({1, 1, 3, 3, 3}, iota_f32(27));
  auto bundle = testing::compile_op(spec("MaxPool", {x}, {{"kernel_shape", Dims{2, 2, 2}}}));
  auto msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0]] = 7; });
  EXPECT_NE(msg.find("pool kind 7"), std::string::npos) << msg;
  // A kernel that no longer gives the output extent.
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 4] = 3; });
  EXPECT_NE(msg.find("does not follow"), std::string::npos) << msg;
  // A spatial rank that disagrees with the tensors.
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 3] = 2; });
  EXPECT_NE(msg.find("spatial rank"), std::string::npos) << msg;
  // A 1-D conv record whose height is not trivial.
  auto conv = testing::compile_op(
      spec("Conv", {input<float>({1, 1, 5}, iota_f32(5)), input<float>({1, 1, 3}, {1, 1, 1})}, {}));
  msg = testing::load_edited(conv, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 2] = 2; });
  EXPECT_NE(msg.find("does not follow"), std::string::npos) << msg;
}

TEST(WindowOps, ConvTransposeOutputShapeAndCol2Im) {
  Operand x = input<float>({1, 1, 3}, {1, 2, 3});
  Operand w = input<float>({1, 2, 2}, {1, 1, 10, 20});
  // Natural extent 6 (stride 2); output_shape 7 keeps pads 0 and leaves the last element 0.
  OpRun r = testing::run_op(spec("ConvTranspose", {x, w, input<float>({2}, {0.5f, 0})},
                                 {{"strides", Dims{2}}, {"output_shape", Dims{7}}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::CONV_TRANSPOSE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 2, 7}));
  EXPECT_EQ(r.outputs[0].as<float>(),
            (std::vector<float>{1.5f, 1.5f, 2.5f, 2.5f, 3.5f, 3.5f, 0.5f, 10, 20, 20, 40, 30, 60, 0}));
  // Col2Im of [1, 1*2, 3] blocks of 2 with stride 1 over an image of 4: overlaps add.
  r = testing::run_op(spec("Col2Im", {input<float>({1, 2, 3}, {1, 2, 3, 10, 20, 30}), testing::ints({4}),
                                      testing::ints({2})}, {}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::COL2IM);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 12, 23, 30}));
}

TEST(WindowOps, VerifierRejectsBadConvTranspose) {
  Operand x = input<float>({1, 2, 3}, iota_f32(6));
  Operand w = input<float>({2, 1, 2}, {1, 1, 1, 1});
  auto bundle = testing::compile_op(spec("ConvTranspose", {x, w}, {{"group", int64_t(2)}}));
  auto msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 1] = 3; });
  EXPECT_NE(msg.find("inconsistent"), std::string::npos) << msg;
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 3 + 1] = 0; });
  EXPECT_NE(msg.find("stride, dilation >= 1"), std::string::npos) << msg;
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 3] = 5; });
  EXPECT_NE(msg.find("kernel extent differs"), std::string::npos) << msg;
  // Col2Im whose input does not hold the blocks.
  auto col = testing::compile_op(
      spec("Col2Im", {input<float>({1, 2, 3}, iota_f32(6)), testing::ints({4}), testing::ints({2})}, {}));
  msg = testing::load_edited(col, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 1 + 1] = 2; });
  EXPECT_NE(msg.find("does not hold the blocks"), std::string::npos) << msg;
}

}  // namespace
}  // namespace aivm
