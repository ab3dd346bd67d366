// TopK, CumSum and CumProd end to end (compiler rule -> TOPK / CUMSUM / CUMPROD -> kernel),
// their compile errors, and the verifier's rejection of crafted records and shapes.
#include <gtest/gtest.h>

#include "isa/attrs.h"
#include "isa/decode.h"
#include "isa/disasm.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using testing::input;
using testing::Operand;
using testing::OpRun;
using Dims = std::vector<int64_t>;

testing::OpSpec spec(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs,
                     int outputs = 1) {
  testing::OpSpec s(op, args, attrs);
  s.default_opset = 18;
  s.num_outputs = outputs;
  return s;
}

Operand k_of(int64_t k) { return testing::constant<int64_t>({1}, {k}); }

TEST(AxisOps, TopKLargestAlongTheLastAxis) {
  Operand x = input<float>({2, 4}, {1, 4, 4, 2, 0, -1, 3, 3});
  OpRun r = testing::run_op(spec("TopK", {x, k_of(3)}, {}, 2));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::TOPK);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{4, 4, 2, 3, 3, 0}));
  EXPECT_EQ(r.outputs[1].dtype, DType::I64);
  EXPECT_EQ(r.outputs[1].as<int64_t>(), (Dims{1, 2, 3, 2, 3, 0}));
  format::BundleDesc b = testing::compile_op(spec("TopK", {x, k_of(3)}, {{"largest", int64_t(0)}}, 2));
  const format::FunctionDesc& f = b.functions[0];
  std::string text = isa::disassemble_function(f.code.data(), 1, f.attrs.data(), f.attrs.size(), f.attr_offsets.data(),
                                               f.attr_offsets.size(), nullptr);
  EXPECT_NE(text.find("topk r"), std::string::npos) << text;
  EXPECT_NE(text.find("; axis=1 k=3 smallest"), std::string::npos) << text;
}

TEST(AxisOps, TopKSmallestOnAnInnerAxisAndOnlyValues) {
  Operand x = input<int32_t>({3, 2}, {5, 1, 2, 1, 9, 0});
  OpRun r = testing::run_op(spec("TopK", {x, k_of(2)}, {{"axis", int64_t(0)}, {"largest", int64_t(0)}}, 2));
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{2, 0, 5, 1}));
  EXPECT_EQ(r.outputs[1].as<int64_t>(), (Dims{1, 2, 0, 0}));
  // Only the values wanted: the indices still get a (scratch) register.
  r = testing::run_op(spec("TopK", {x, k_of(1)}, {{"axis", int64_t(-2)}}, 1));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{9, 1}));
}

TEST(AxisOps, TopKFoldsAConstantAndRejectsARuntimeK) {
  OpRun r = testing::run_op(spec("TopK", {testing::constant<float>({3}, {1, 3, 2}), k_of(2)}, {}, 2));
  EXPECT_EQ(r.code.size(), 1u);  // halt only
  EXPECT_EQ(r.outputs[1].as<int64_t>(), (Dims{1, 2}));
  Operand x = input<float>({3}, {1, 2, 3});
  std::string err = testing::compile_error(spec("TopK", {x, input<int64_t>({1}, {2})}, {}, 2));
  EXPECT_NE(err.find("K must be a constant"), std::string::npos) << err;
  err = testing::compile_error(spec("TopK", {x, k_of(4)}, {}, 2));
  EXPECT_NE(err.find("outside [0, 3]"), std::string::npos) << err;
  // Opset 1: k is an attribute.
  testing::OpSpec s = spec("TopK", {x}, {{"k", int64_t(1)}, {"__opset", int64_t(1)}}, 2);
  r = testing::run_op(s);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{3}));
}

TEST(AxisOps, TopKVerifierRejectsCraftedRecords) {
  auto bundle = testing::compile_op(spec("TopK", {input<float>({2, 3}, {1, 2, 3, 4, 5, 6}), k_of(2)}, {}, 2));
  auto edit_record = [&](int word, int32_t value) {
    return testing::load_edited(bundle, [&](format::FunctionDesc& f) {
      f.attrs[f.attr_offsets[AIVM_FIELD_D(f.code[0])] + size_t(word)] = value;
    });
  };
  EXPECT_NE(edit_record(1, 4).find("outside [0, 3]"), std::string::npos);   // k
  EXPECT_NE(edit_record(0, 2).find("out of range"), std::string::npos);     // axis
  EXPECT_NE(edit_record(1, 1).find("the op gives"), std::string::npos);     // shape no longer k
  std::string msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.registers[AIVM_FIELD_C(f.code[0])].dtype = DType::I32;
  });
  EXPECT_NE(msg.find("indices must be i64"), std::string::npos) << msg;
}

TEST(AxisOps, CumSumOptionsAndAxisInput) {
  Operand x = input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  OpRun r = testing::run_op(spec("CumSum", {x, testing::constant<int32_t>({}, {1})}, {}));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::CUMSUM);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  r = testing::run_op(spec("CumSum", {x, testing::constant<int64_t>({}, {-2})},
                           {{"exclusive", int64_t(1)}, {"reverse", int64_t(1)}}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{4, 5, 6, 0, 0, 0}));
  std::string err = testing::compile_error(spec("CumSum", {x, input<int64_t>({}, {0})}, {}));
  EXPECT_NE(err.find("the axis input must be a constant"), std::string::npos) << err;
}

TEST(AxisOps, CumProdIntegers) {
  Operand x = input<int64_t>({4}, {1, 2, 3, 4});
  OpRun r = testing::run_op(spec("CumProd", {x, testing::constant<int64_t>({}, {0})}, {{"exclusive", int64_t(1)}}));
  EXPECT_EQ(r.code[0].op, isa::Opcode::CUMPROD);
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 1, 2, 6}));
  auto bundle = testing::compile_op(spec("CumProd", {x, testing::constant<int64_t>({}, {0})}, {}));
  std::string msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.code[0] = isa::encode_abcd(isa::Opcode::CUMPROD, AIVM_FIELD_A(f.code[0]), AIVM_FIELD_B(f.code[0]), 0, 1);
  });
  EXPECT_NE(msg.find("out of range for rank 1"), std::string::npos) << msg;
}

TEST(AxisOps, DftAttributesAndInputs) {
  // [1, 4, 1] real signal along axis 1: opset 17 takes the axis as an attribute.
  Operand x = input<float>({1, 4, 1}, {1, 2, 3, 4});
  OpRun r = testing::run_op(spec("DFT", {x}, {{"__opset", int64_t(17)}, {"onesided", int64_t(1)}}));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::DFT);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 3, 2}));
  auto expect_near = [](const std::vector<float>& got, const std::vector<float>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
  };
  expect_near(r.outputs[0].as<float>(), {10, 0, -2, 2, -2, 0});
  // Opset 20: axis (default -2) and dft_length as inputs; length 2 cuts the signal.
  r = testing::run_op(spec("DFT", {x, k_of(2), testing::constant<int64_t>({}, {-2})}, {{"__opset", int64_t(20)}}));
  expect_near(r.outputs[0].as<float>(), {3, 0, -1, 0});
  std::string err = testing::compile_error(spec("DFT", {x, k_of(2), testing::constant<int64_t>({}, {2})},
                                                {{"__opset", int64_t(20)}}));
  EXPECT_NE(err.find("cannot be the last one"), std::string::npos) << err;
  auto bundle = testing::compile_op(spec("DFT", {x}, {{"__opset", int64_t(17)}}));
  std::string msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.attrs[f.attr_offsets[AIVM_FIELD_D(f.code[0])] + 1] = 5;  // length 5: A's extent no longer matches
  });
  EXPECT_NE(msg.find("the op gives"), std::string::npos) << msg;
}

}  // namespace
}  // namespace aivm
