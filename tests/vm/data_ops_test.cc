// Data-movement, shape and reduction operators end to end: an ONNX-style op in a stack
// program -> aivmc's rules, selection and memory plan -> verifier -> interpreter -> kernel.
// Expected values are numpy's, written out by hand or computed by the kernels' scalar
// references. Each op runs once on graph inputs (so it reaches the VM) and, where it matters,
// on constants (so the compiler folds it and emits no instruction).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "isa/decode.h"
#include "kernels/reduce/reduce.h"
#include "kernels/transform/transform.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using testing::absent;
using testing::constant;
using testing::input;
using testing::ints;
using testing::Operand;
using testing::OpRun;
using Dims = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Harness: operands of any dtype, any number of outputs, opset 18 unless given
//===----------------------------------------------------------------------===//

std::vector<float> iota_f32(int64_t n, float from = 0.f) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

testing::OpSpec spec(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs, int num_outputs) {
  testing::OpSpec s(op, args, attrs);
  s.num_outputs = num_outputs;
  s.default_opset = 18;
  return s;
}

OpRun run_op(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs = {}, int num_outputs = 1) {
  return testing::run_op(spec(op, args, attrs, num_outputs));
}

// The single instruction an op became (the code is that op, then halt).
isa::Opcode only_op(const OpRun& r) {
  EXPECT_EQ(r.code.size(), 2u);
  return r.code.empty() ? isa::Opcode::NOP : r.code[0].op;
}

bool folded(const OpRun& r) { return r.code.size() == 1 && r.code[0].op == isa::Opcode::HALT; }

std::string compile_error(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs = {}) {
  return testing::compile_error(spec(op, args, attrs, 1));
}

//===----------------------------------------------------------------------===//
// Shape family
//===----------------------------------------------------------------------===//

TEST(DataOps, ShapeSizeFold) {
  Operand x = input<float>({2, 3, 5}, iota_f32(30));
  OpRun r = run_op("Shape", {x});
  EXPECT_TRUE(folded(r));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{2, 3, 5}));
  EXPECT_EQ(r.outputs[0].dtype, DType::I64);
  r = run_op("Shape", {x}, {{"start", int64_t(-2)}, {"end", int64_t(100)}});
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{3, 5}));
  r = run_op("Size", {x});
  EXPECT_TRUE(folded(r));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{30}));
  EXPECT_TRUE(r.outputs[0].shape.empty());
}

TEST(DataOps, ConstantOfShapeAndRangeFold) {
  compiler::Tensor value{DType::I32, {1}, {7, 0, 0, 0}};
  OpRun r = run_op("ConstantOfShape", {ints({2, 3})}, {{"value", value}});
  EXPECT_TRUE(folded(r));
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), std::vector<int32_t>(6, 7));
  r = run_op("Range", {constant<float>({}, {1.f}), constant<float>({}, {2.f}), constant<float>({}, {0.25f})});
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1.f, 1.25f, 1.5f, 1.75f}));
  r = run_op("Range", {constant<int64_t>({}, {10}), constant<int64_t>({}, {4}), constant<int64_t>({}, {-3})});
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{10, 7}));
}

TEST(DataOps, SqueezeUnsqueezeAreMovesForAnyDtype) {
  Operand x = input<int64_t>({1, 3, 1, 2}, {1, 2, 3, 4, 5, 6});
  OpRun r = run_op("Squeeze", {x, ints({0, -2})});
  EXPECT_EQ(only_op(r), isa::Opcode::MOV);
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 2}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 2, 3, 4, 5, 6}));
  r = run_op("Squeeze", {x}, {{"__opset", int64_t(11)}});  // no axes: every extent-1 axis
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 2}));
  r = run_op("Unsqueeze", {input<uint8_t>({3}, {1, 2, 3}), ints({-1, 0})});
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 3, 1}));
  EXPECT_EQ(r.outputs[0].as<uint8_t>(), (std::vector<uint8_t>{1, 2, 3}));
  r = run_op("Unsqueeze", {input<float>({2}, {1, 2})}, {{"axes", Dims{1}}, {"__opset", int64_t(11)}});
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 1}));
  r = run_op("Reshape", {input<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6}), ints({3, -1})});
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 2}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

//===----------------------------------------------------------------------===//
// Data family
//===----------------------------------------------------------------------===//

TEST(DataOps, TransposeDefaultAndPerm) {
  OpRun r = run_op("Transpose", {input<float>({2, 3}, iota_f32(6))});
  EXPECT_EQ(only_op(r), isa::Opcode::TRANSPOSE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 2}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  std::vector<int64_t> x(2 * 3 * 4);
  std::iota(x.begin(), x.end(), 0);
  r = run_op("Transpose", {input<int64_t>({2, 3, 4}, x)}, {{"perm", Dims{1, 2, 0}}});
  kernels::Shape view;
  view.rank = 3;
  view.dims[0] = 2, view.dims[1] = 3, view.dims[2] = 4;
  int32_t perm[3] = {1, 2, 0};
  std::vector<int64_t> want(x.size());
  kernels::transpose_reference(view, perm, 8, x.data(), want.data());
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 4, 2}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), want);
}

TEST(DataOps, DepthToSpaceAndBack) {
  // numpy DCR: reshape [N, b, b, C/b², H, W] -> transpose [0, 3, 4, 1, 5, 2].
  Operand x = input<float>({1, 8, 2, 3}, iota_f32(48));
  OpRun d2s = run_op("DepthToSpace", {x}, {{"blocksize", int64_t(2)}});
  EXPECT_EQ(only_op(d2s), isa::Opcode::TRANSPOSE);
  ASSERT_EQ(d2s.outputs[0].shape, (Dims{1, 2, 4, 6}));
  std::vector<float> y = d2s.outputs[0].as<float>();
  // y[0, c, h*2+i, w*2+j] = x[0, (i*2+j)*2 + c, h, w]
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w)
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j)
            ASSERT_EQ(y[size_t((c * 4 + h * 2 + i) * 6 + w * 2 + j)], float((((i * 2 + j) * 2 + c) * 2 + h) * 3 + w));
  OpRun crd = run_op("DepthToSpace", {x}, {{"blocksize", int64_t(2)}, {"mode", std::string("CRD")}});
  y = crd.outputs[0].as<float>();
  for (int c = 0; c < 2; ++c)  // CRD: y[0, c, h*2+i, w*2+j] = x[0, c*4 + i*2 + j, h, w]
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w)
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j)
            ASSERT_EQ(y[size_t((c * 4 + h * 2 + i) * 6 + w * 2 + j)], float(((c * 4 + i * 2 + j) * 2 + h) * 3 + w));
  OpRun back =
      run_op("SpaceToDepth", {input<float>({1, 2, 4, 6}, d2s.outputs[0].as<float>())}, {{"blocksize", int64_t(2)}});
  EXPECT_EQ(back.outputs[0].shape, (Dims{1, 8, 2, 3}));
  EXPECT_EQ(back.outputs[0].as<float>(), iota_f32(48));
}

TEST(DataOps, ConcatChecksEveryInput) {
  OpRun r = run_op("Concat",
                   {input<int32_t>({2, 1}, {1, 2}), constant<int32_t>({2, 2}, {3, 4, 5, 6}),
                    input<int32_t>({2, 0}, {})},
                   {{"axis", int64_t(-1)}});
  EXPECT_EQ(only_op(r), isa::Opcode::CONCAT);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<int32_t>(), (std::vector<int32_t>{1, 3, 4, 2, 5, 6}));
  EXPECT_NE(
      compile_error("Concat", {input<float>({2, 1}, {1, 2}), input<float>({3, 1}, {1, 2, 3})}, {{"axis", int64_t(1)}}),
      "");
  // All constant: folded.
  r = run_op("Concat", {ints({1, 2}), ints({3})}, {{"axis", int64_t(0)}});
  EXPECT_TRUE(folded(r));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 2, 3}));
}

TEST(DataOps, SplitSizesAndNumOutputs) {
  Operand x = input<float>({2, 5}, iota_f32(10));
  OpRun r = run_op("Split", {x, ints({2, 3})}, {{"axis", int64_t(1)}}, 2);
  EXPECT_EQ(only_op(r), isa::Opcode::SPLIT);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{0, 1, 5, 6}));
  EXPECT_EQ(r.outputs[1].as<float>(), (std::vector<float>{2, 3, 4, 7, 8, 9}));
  r = run_op("Split", {x}, {{"axis", int64_t(1)}, {"num_outputs", int64_t(3)}}, 3);  // 2, 2, 1
  EXPECT_EQ(r.outputs[2].shape, (Dims{2, 1}));
  EXPECT_EQ(r.outputs[2].as<float>(), (std::vector<float>{4, 9}));
  r = run_op("Split", {input<float>({4}, iota_f32(4))}, {{"__opset", int64_t(11)}}, 2);  // even split
  EXPECT_EQ(r.outputs[1].as<float>(), (std::vector<float>{2, 3}));
}

TEST(DataOps, SliceStepsAndClamping) {
  Operand x = input<float>({3, 10}, iota_f32(30));
  // x[0:2, 8:1:-3] (numpy) and out-of-range ends clamp.
  OpRun r = run_op("Slice", {x, ints({0, 8}), ints({2, 1}), ints({0, 1}), ints({1, -3})});
  EXPECT_EQ(only_op(r), isa::Opcode::SLICE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{8, 5, 2, 18, 15, 12}));
  r = run_op("Slice", {x, ints({-100}), ints({INT64_MAX}), ints({-1}), ints({4})});
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 3}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{0, 4, 8, 10, 14, 18, 20, 24, 28}));
  r = run_op("Slice", {x, ints({-1}), ints({INT64_MIN}), ints({0}), ints({-1})});  // full reversal of axis 0
  EXPECT_EQ(r.outputs[0].as<float>()[0], 20.f);
  r = run_op("Slice", {x, ints({5}), ints({5}), ints({1})});  // empty
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 0}));
  r = run_op("Slice", {x}, {{"starts", Dims{1}}, {"ends", Dims{2}}, {"__opset", int64_t(9)}});
  EXPECT_EQ(r.outputs[0].as<float>(), iota_f32(10, 10.f));
}

TEST(DataOps, GatherWrapsNegativeAndZeroesOutOfRange) {
  Operand data = input<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  for (bool wide : {false, true}) {
    Operand idx = wide ? input<int64_t>({2, 2}, {0, -1, 7, -4}) : input<int32_t>({2, 2}, {0, -1, 7, -4});
    OpRun r = run_op("Gather", {data, idx});
    EXPECT_EQ(only_op(r), isa::Opcode::GATHER);
    EXPECT_EQ(r.outputs[0].shape, (Dims{2, 2, 2}));
    // Rows 0 and 2 (= -1); 7 and -4 are out of range for 3 rows: defined as zeros.
    EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 2, 5, 6, 0, 0, 0, 0}));
  }
  OpRun r =
      run_op("Gather", {input<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6}), input<int64_t>({}, {-1})}, {{"axis", int64_t(1)}});
  EXPECT_EQ(r.outputs[0].shape, (Dims{2}));
  EXPECT_EQ(r.outputs[0].as<uint8_t>(), (std::vector<uint8_t>{3, 6}));
  // Shape -> Gather on constants folds (the usual shape arithmetic of exported graphs).
  r = run_op("Gather", {ints({4, 5, 6}), constant<int64_t>({}, {1})});
  EXPECT_TRUE(folded(r));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{5}));
}

TEST(DataOps, GatherElementsIsSafe) {
  Operand data = input<float>({2, 2}, {1, 2, 3, 4});
  OpRun r = run_op("GatherElements", {data, input<int64_t>({2, 2}, {0, 0, 1, 0})}, {{"axis", int64_t(1)}});
  EXPECT_EQ(only_op(r), isa::Opcode::GATHER_ELEMENTS);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 1, 4, 3}));
  r = run_op("GatherElements", {data, input<int32_t>({1, 2}, {-1, 99})}, {{"axis", int64_t(0)}});
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{3, 0}));
}

TEST(DataOps, ExpandAndTile) {
  OpRun r = run_op("Expand", {input<int64_t>({3, 1}, {1, 2, 3}), ints({2, 1, 2})});
  EXPECT_EQ(only_op(r), isa::Opcode::EXPAND);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3, 2}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  r = run_op("Tile", {input<float>({2, 2}, {1, 2, 3, 4}), ints({2, 3})});
  EXPECT_EQ(only_op(r), isa::Opcode::TILE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{4, 6}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,
                                                          1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
}

TEST(DataOps, PadModes) {
  Operand x = input<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  OpRun r = run_op("Pad", {x, ints({0, 2, 1, -1}), constant<float>({}, {9.f})});
  EXPECT_EQ(only_op(r), isa::Opcode::PAD);
  EXPECT_EQ(r.outputs[0].shape, (Dims{3, 4}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{9, 9, 1, 2, 9, 9, 4, 5, 9, 9, 9, 9}));
  r = run_op("Pad", {x, ints({0, 2, 0, 1})}, {{"mode", std::string("reflect")}});
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
  r = run_op("Pad", {x, ints({1, 1}), absent(), ints({-1})}, {{"mode", std::string("edge")}});  // axes input
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 1, 2, 3, 3, 4, 4, 5, 6, 6}));
  r = run_op("Pad", {input<int64_t>({2}, {5, 6})}, {{"pads", Dims{1, 0}}, {"value", 3.f}, {"__opset", int64_t(2)}});
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{3, 5, 6}));
  // All-zero pads are a copy.
  r = run_op("Pad", {x, ints({0, 0, 0, 0})}, {{"mode", std::string("reflect")}});
  EXPECT_EQ(only_op(r), isa::Opcode::MOV);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 3}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(DataOps, Trilu) {
  Operand x = input<float>({3, 3}, iota_f32(9, 1.f));
  OpRun r = run_op("Trilu", {x});
  EXPECT_EQ(only_op(r), isa::Opcode::TRILU);
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 2, 3, 0, 5, 6, 0, 0, 9}));
  r = run_op("Trilu", {x, constant<int64_t>({}, {-1})}, {{"upper", int64_t(0)}});
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
  r = run_op("Trilu", {x, constant<int64_t>({}, {INT64_MIN})});  // a huge k keeps everything
  EXPECT_EQ(r.outputs[0].as<float>(), iota_f32(9, 1.f));
}

TEST(DataOps, TriluKAtRunTime) {
  std::vector<float> x = iota_f32(12, 1.f);
  kernels::Shape xs;
  xs.rank = 2, xs.dims[0] = 3, xs.dims[1] = 4;
  for (int64_t k : {int64_t(-1), int64_t(2), INT64_MAX, INT64_MIN})
    for (int64_t upper : {0, 1}) {
      OpRun r = run_op("Trilu", {input<float>({3, 4}, x), input<int64_t>({}, {k})}, {{"upper", upper}});
      EXPECT_EQ(only_op(r), isa::Opcode::TRILU);
      std::vector<float> want(12);
      kernels::trilu_reference(xs, upper != 0, k, 4, x.data(), want.data());
      EXPECT_EQ(r.outputs[0].as<float>(), want) << "k " << k << " upper " << upper;
    }
}

TEST(DataOps, SpaceToDepthCrd) {
  OpRun r = run_op("SpaceToDepth", {input<float>({1, 1, 2, 4}, iota_f32(8))},
                   {{"blocksize", int64_t(2)}, {"mode", std::string("CRD")}});
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 4, 1, 2}));
  // channel i * 2 + j holds x[0, 0, i, w * 2 + j]
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));
}

//===----------------------------------------------------------------------===//
// The verifier rejects crafted records (what exec relies on is proved at load)
//===----------------------------------------------------------------------===//

// Compiles |op|, lets |mutate| corrupt the bundle, and returns the load message.
template <typename Mutate>
std::string load_corrupted(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs,
                           Mutate mutate) {
  return testing::load_edited(testing::compile_op(spec(op, args, attrs, 1)), mutate);
}

TEST(DataOps, VerifierRejectsBadRecords) {
  Operand x = input<float>({3, 10}, iota_f32(30));
  // Slice start past the end.
  std::string msg = load_corrupted("Slice", {x, ints({2}), ints({5}), ints({1})}, {},
                                   [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 2] = 9; });
  EXPECT_NE(msg.find("leave [0, 10)"), std::string::npos) << msg;
  // Transpose perm with a repeated axis.
  msg = load_corrupted("Transpose", {x}, {}, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 3] = 0; });
  EXPECT_NE(msg.find("not a permutation"), std::string::npos) << msg;
  // Transpose view that does not hold the source's elements.
  msg = load_corrupted("Transpose", {x}, {}, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 1] = 4; });
  EXPECT_NE(msg.find("elements"), std::string::npos) << msg;
  // Concat naming a register that does not exist, and one of the wrong extent.
  std::vector<Operand> parts = {input<float>({2, 1}, {1, 2}), input<float>({2, 2}, {3, 4, 5, 6})};
  msg = load_corrupted("Concat", parts, {{"axis", int64_t(1)}},
                       [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 2] = 999; });
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  msg = load_corrupted("Concat", parts, {{"axis", int64_t(1)}},
                       [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 2] = f.attrs[f.attr_offsets[0] + 1]; });
  EXPECT_NE(msg.find("do not sum"), std::string::npos) << msg;
  // Gather with an axis beyond the rank (the immediate), and float indices.
  msg = load_corrupted("Gather", {x, input<int64_t>({1}, {0})}, {}, [](format::FunctionDesc& f) {
    f.code[0] = isa::encode_abcd(isa::Opcode::GATHER, AIVM_FIELD_A(f.code[0]), AIVM_FIELD_B(f.code[0]),
                                 AIVM_FIELD_C(f.code[0]), 2);
  });
  EXPECT_NE(msg.find("axis #2 out of range"), std::string::npos) << msg;
  msg = load_corrupted("Gather", {x, constant<int64_t>({1}, {0})}, {}, [](format::FunctionDesc& f) {
    f.registers[AIVM_FIELD_C(f.code[0])].dtype = DType::F32;
    f.registers[AIVM_FIELD_C(f.code[0])].shape = {2};
  });
  EXPECT_NE(msg.find("expected i32 or i64"), std::string::npos) << msg;
  // Reduction mask naming an axis the input does not have.
  msg = load_corrupted("ReduceSum", {x, ints({1})}, {}, [](format::FunctionDesc& f) {
    f.code[0] = isa::encode_abcd(isa::Opcode::REDUCE_SUM, AIVM_FIELD_A(f.code[0]), AIVM_FIELD_B(f.code[0]), 0, 4);
  });
  EXPECT_NE(msg.find("beyond rank"), std::string::npos) << msg;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

TEST(DataOps, ReductionsMatchReference) {
  const std::pair<const char*, kernels::ReduceOp> ops[] = {
      {"ReduceSum", kernels::ReduceOp::Sum},       {"ReduceMean", kernels::ReduceOp::Mean},
      {"ReduceMax", kernels::ReduceOp::Max},       {"ReduceMin", kernels::ReduceOp::Min},
      {"ReduceProd", kernels::ReduceOp::Prod},     {"ReduceL1", kernels::ReduceOp::L1},
      {"ReduceL2", kernels::ReduceOp::L2},         {"ReduceLogSum", kernels::ReduceOp::LogSum},
      {"ReduceLogSumExp", kernels::ReduceOp::LogSumExp}, {"ReduceSumSquare", kernels::ReduceOp::SumSquare}};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  std::vector<float> x(3 * 7 * 5);
  for (float& v : x) v = dist(rng);
  kernels::Shape xs;
  xs.rank = 3, xs.dims[0] = 3, xs.dims[1] = 7, xs.dims[2] = 5;
  for (auto [name, op] : ops) {
    for (bool keep : {false, true}) {
      for (int opset : {13, 18}) {
        SCOPED_TRACE(std::string(name) + (keep ? " keepdims" : "") + " opset " + std::to_string(opset));
        AttrMap attrs{{"keepdims", int64_t(keep)}, {"__opset", int64_t(opset)}};
        std::vector<Operand> args = {input<float>({3, 7, 5}, x)};
        bool axes_input = opset >= (std::string(name) == "ReduceSum" ? 13 : 18);
        if (axes_input) args.push_back(ints({0, -1}));
        else attrs["axes"] = Dims{0, -1};
        OpRun r = run_op(name, args, attrs);
        std::vector<float> want(7);
        kernels::reduce_f32_reference(op, xs, 5u, x.data(), want.data());
        EXPECT_EQ(r.outputs[0].shape, keep ? (Dims{1, 7, 1}) : (Dims{7}));
        std::vector<float> got = r.outputs[0].as<float>();
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f * std::max(1.f, std::fabs(want[i])));
      }
    }
  }
}

TEST(DataOps, ReduceEmptyAxesAndI64) {
  Operand x = input<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  OpRun r = run_op("ReduceSum", {x});  // no axes: all of them
  EXPECT_EQ(only_op(r), isa::Opcode::REDUCE_SUM);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{21}));
  r = run_op("ReduceSum", {x, ints({})}, {{"noop_with_empty_axes", int64_t(1)}});
  EXPECT_EQ(only_op(r), isa::Opcode::MOV);
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 2, 3, 4, 5, 6}));
  r = run_op("ReduceMax", {x, ints({1})}, {{"keepdims", int64_t(0)}});
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{3, 6}));
  r = run_op("ReduceMean", {x, ints({1})});  // integer mean truncates toward zero
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{2, 5}));
  EXPECT_NE(compile_error("ReduceL2", {x}), "");  // no integer L2
}

TEST(DataOps, ArgMaxArgMin) {
  Operand x = input<float>({2, 3}, {1, 5, 5, 7, 0, 7});
  OpRun r = run_op("ArgMax", {x}, {{"axis", int64_t(1)}});
  EXPECT_EQ(only_op(r), isa::Opcode::ARGMAX);
  EXPECT_EQ(r.outputs[0].dtype, DType::I64);
  EXPECT_EQ(r.outputs[0].shape, (Dims{2, 1}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{1, 0}));
  r = run_op("ArgMax", {x}, {{"axis", int64_t(-1)}, {"select_last_index", int64_t(1)}, {"keepdims", int64_t(0)}});
  EXPECT_EQ(r.outputs[0].shape, (Dims{2}));
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{2, 2}));
  r = run_op("ArgMin", {x}, {{"axis", int64_t(0)}});
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{0, 1, 0}));
}

TEST(DataOps, GlobalPools) {
  Operand x = input<float>({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 9});
  OpRun r = run_op("GlobalAveragePool", {x});
  EXPECT_EQ(only_op(r), isa::Opcode::REDUCE_MEAN);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 2, 1, 1}));
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{2.5f, 6.75f}));
  r = run_op("GlobalMaxPool", {x});
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{4, 9}));
}

}  // namespace
}  // namespace aivm
