// ScatterElements, ScatterND and GatherND end to end, and the verifier's rejection of crafted
// scatter records and shapes (an updates register that does not fit must never reach a kernel).
#include <gtest/gtest.h>

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
  s.default_opset = 18;
  return s;
}

TEST(ScatterOps, ScatterElementsAndNd) {
  Operand data = input<float>({1, 5}, {1, 2, 3, 4, 5});
  OpRun r = testing::run_op(spec("ScatterElements",
                                 {data, input<int64_t>({1, 2}, {1, -2}), input<float>({1, 2}, {1.5f, 2.5f})},
                                 {{"axis", int64_t(1)}, {"reduction", std::string("mul")}}));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::SCATTER_ELEMENTS);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 3, 3, 10, 5}));
  r = testing::run_op(spec("ScatterND", {input<int64_t>({4}, {1, 2, 3, 4}), input<int32_t>({2, 1}, {3, 0}),
                                        input<int64_t>({2}, {9, 8})},
                           {{"reduction", std::string("max")}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::SCATTER_ND);
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{8, 2, 3, 9}));
}

TEST(ScatterOps, GatherNdBatchDims) {
  Operand data = input<int32_t>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  OpRun r = testing::run_op(spec("GatherND", {data, input<int64_t>({2, 1}, {1, 0})}, {{"batch_dims", int64_t(1)}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::GATHER_ND);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{2, 3, 4, 5}));
  std::string err = testing::compile_error(spec("GatherND", {data, input<int64_t>({2, 4}, std::vector<int64_t>(8))}, {}));
  EXPECT_NE(err.find("do not fit"), std::string::npos) << err;
}

TEST(ScatterOps, OneHotWrapsAndDropsOutOfRange) {
  // Indices -1 (wraps to 2), 5 (out of range: all off), 0; depth 3 on axis 0.
  OpRun r = testing::run_op(spec("OneHot", {input<float>({3}, {-1, 5, 0}), testing::constant<int64_t>({}, {3}),
                                            input<int32_t>({2}, {7, 9})},
                                 {{"axis", int64_t(0)}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::ONE_HOT);
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 3}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{7, 7, 9, 7, 7, 7, 9, 7, 7}));
  auto bundle = testing::compile_op(spec("OneHot", {input<int64_t>({2}, {0, 1}), testing::constant<int64_t>({}, {2}),
                                                    input<float>({2}, {0, 1})}, {}));
  auto msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.registers[AIVM_FIELD_C(f.code[0])].shape = {1};
  });
  EXPECT_NE(msg.find("[off, on]"), std::string::npos) << msg;
}

TEST(ScatterOps, VerifierRejectsBadScatter) {
  Operand data = input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto bundle = testing::compile_op(spec(
      "ScatterElements", {data, input<int64_t>({1, 2}, {0, 1}), input<float>({1, 2}, {1, 2})}, {{"axis", int64_t(1)}}));
  auto msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 1] = 9; });
  EXPECT_NE(msg.find("reduction 9"), std::string::npos) << msg;
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 2] = 2; });
  EXPECT_NE(msg.find("axis 2 out of range"), std::string::npos) << msg;
  // Updates naming the data register (wrong shape for the indices).
  msg = testing::load_edited(bundle,
                             [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0]] = int32_t(AIVM_FIELD_B(f.code[0])); });
  EXPECT_NE(msg.find("the op gives"), std::string::npos) << msg;
  // Indices wider than the data off the axis.
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.registers[AIVM_FIELD_C(f.code[0])].shape = {3, 2};
  });
  EXPECT_NE(msg.find("exceeds"), std::string::npos) << msg;
}

}  // namespace
}  // namespace aivm
