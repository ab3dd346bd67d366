// Resampling operators end to end (ONNX op -> aivmc rule -> verifier -> interpreter -> kernel),
// and the verifier's rejection of crafted RESIZE records.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "isa/decode.h"
#include "kernels/resample/resize.h"
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

testing::OpSpec spec(const std::string& op, const std::vector<Operand>& args, const AttrMap& attrs, int opset = 19) {
  testing::OpSpec s(op, args, attrs);
  s.default_opset = opset;
  return s;
}

std::vector<float> iota_f32(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 1.f);
  return v;
}

TEST(ResampleOps, ResizeSizesLinear) {
  Operand x = input<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  OpRun r = testing::run_op(spec("Resize", {x, absent(), absent(), ints({1, 1, 4, 4})}, {{"mode", std::string("linear")}}));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::RESIZE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 4, 4}));
  std::vector<float> want = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
  EXPECT_EQ(r.outputs[0].as<float>(), want);
}

TEST(ResampleOps, ResizeScalesAxesAndAspectPolicy) {
  Operand x = input<float>({1, 2, 3, 4}, iota_f32(24));
  // scales for axes (3, 2) only: 2 x 1.5 -> W 8, H floor(4.5) = 4.
  OpRun r = testing::run_op(spec("Resize", {x, absent(), constant<float>({2}, {2.f, 1.5f})},
                                 {{"axes", Dims{3, 2}}, {"nearest_mode", std::string("floor")}}));
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 2, 4, 8}));
  // not_larger: sizes (H 6, W 6) -> scale min(2, 1.5) = 1.5 on both -> H round(4.5) = 5, W 6.
  r = testing::run_op(spec("Resize", {x, absent(), absent(), ints({6, 6})},
                           {{"axes", Dims{2, 3}}, {"keep_aspect_ratio_policy", std::string("not_larger")}}));
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 2, 5, 6}));
}

TEST(ResampleOps, ResizeNearestKeepsIntegerDtype) {
  Operand x = input<int64_t>({1, 3}, {7, 8, 9});
  OpRun r = testing::run_op(spec("Resize", {x, absent(), constant<float>({2}, {1.f, 2.f})}, {}));
  EXPECT_EQ(r.outputs[0].dtype, DType::I64);
  EXPECT_EQ(r.outputs[0].as<int64_t>(), (Dims{7, 7, 8, 8, 9, 9}));
}

TEST(ResampleOps, UpsampleAttributeAndInputScales) {
  Operand x = input<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  AttrMap attrs{{"scales", std::vector<float>{1, 1, 2, 3}}};
  OpRun r = testing::run_op(spec("Upsample", {x}, attrs, 7));
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 4, 6}));
  std::vector<float> got = r.outputs[0].as<float>();
  EXPECT_EQ(got[0], 1.f);
  EXPECT_EQ(got[3], 2.f);
  EXPECT_EQ(got[23], 4.f);
  r = testing::run_op(spec("Upsample", {x, constant<float>({4}, {1, 1, 2, 2})}, {}, 9));
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 4, 4}));
}

TEST(ResampleOps, ResizeCompileErrors) {
  Operand x = input<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  auto err = [&](const std::vector<Operand>& args, const AttrMap& attrs) {
    return testing::compile_error(spec("Resize", args, attrs));
  };
  EXPECT_NE(err({x, absent(), input<float>({4}, {1, 1, 2, 2})}, {}).find("scales must be a constant"), std::string::npos);
  EXPECT_NE(err({x, absent(), constant<float>({4}, {1, 1, 2, 2}), ints({1, 1, 4, 4})}, {}).find("exactly one"),
            std::string::npos);
  EXPECT_NE(err({x, absent(), constant<float>({4}, {1, 1, 2, 2})}, {{"mode", std::string("area")}}).find("mode 'area'"),
            std::string::npos);
  Operand xi = input<int32_t>({1, 2}, {1, 2});
  EXPECT_NE(err({xi, absent(), constant<float>({2}, {1, 2})}, {{"mode", std::string("linear")}}).find("only f32"),
            std::string::npos);
}

// Compiles a Resize, lets |edit| corrupt the bundle, and returns the load message.
template <typename Edit>
std::string load_corrupted(Edit edit, const std::string& mode = "linear") {
  Operand x = input<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  auto bundle = testing::compile_op(spec("Resize", {x, absent(), constant<float>({4}, {1, 1, 2, 2})}, {{"mode", mode}}));
  return testing::load_edited(bundle, edit);
}

TEST(ResampleOps, VerifierRejectsBadResizeRecords) {
  // Mode beyond the enum.
  std::string msg = load_corrupted([](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0]] = 9; });
  EXPECT_NE(msg.find("mode 9 is not defined"), std::string::npos) << msg;
  // A record one axis short.
  msg = load_corrupted([](format::FunctionDesc& f) { f.attrs.resize(f.attrs.size() - 6); });
  EXPECT_NE(msg.find("words"), std::string::npos) << msg;
  // A NaN scale (high word of axis 2's double).
  msg = load_corrupted([](format::FunctionDesc& f) {
    f.attrs[f.attr_offsets[0] + isa::kAttrWords<isa::ResizeAttrs> + 2 * 6 + 1] = int32_t(0x7ff80000);
  });
  EXPECT_NE(msg.find("scale must be finite"), std::string::npos) << msg;
  // Linear on an integer tensor.
  msg = load_corrupted([](format::FunctionDesc& f) {
    for (uint32_t r : {AIVM_FIELD_A(f.code[0]), AIVM_FIELD_B(f.code[0])}) f.registers[r].dtype = DType::I32;
  });
  EXPECT_NE(msg.find("expected f32"), std::string::npos) << msg;
  // An empty source axis resampled to a non-empty one (nothing to read).
  msg = load_corrupted(
      [](format::FunctionDesc& f) { f.registers[AIVM_FIELD_B(f.code[0])].shape = {1, 1, 0, 2}; }, "nearest");
  EXPECT_NE(msg.find("empty input"), std::string::npos) << msg;
}

TEST(ResampleOps, GridSampleNearestBorder) {
  Operand x = input<float>({1, 1, 2, 3}, iota_f32(6));
  Operand grid = input<float>({1, 1, 2, 2}, {-1, -1, 5, 0.2f});  // (x, y) pairs
  OpRun r = testing::run_op(
      spec("GridSample", {x, grid}, {{"mode", std::string("nearest")}, {"padding_mode", std::string("border")}}, 20));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::GRID_SAMPLE);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 1, 2}));
  // (-1,-1) -> element (0,0) = 1; (5, 0.2) -> column clamped to 2, row rint(0.8) = 1 -> 6.
  EXPECT_EQ(r.outputs[0].as<float>(), (std::vector<float>{1, 6}));
  EXPECT_NE(testing::compile_error(spec("GridSample", {x, input<float>({1, 1, 2, 3}, iota_f32(6))}, {}, 20))
                .find("do not fit"),
            std::string::npos);
}

TEST(ResampleOps, VerifierRejectsBadGridSample) {
  Operand x = input<float>({1, 1, 2, 3}, iota_f32(6));
  auto bundle = testing::compile_op(spec("GridSample", {x, input<float>({1, 1, 2, 2}, {0, 0, 0, 0})}, {}, 20));
  std::string msg = testing::load_edited(bundle, [](format::FunctionDesc& f) { f.attrs[f.attr_offsets[0] + 1] = 3; });
  EXPECT_NE(msg.find("padding 3 is not defined"), std::string::npos) << msg;
  // A grid whose last axis does not hold one coordinate per spatial axis.
  msg = testing::load_edited(bundle, [](format::FunctionDesc& f) {
    f.registers[AIVM_FIELD_C(f.code[0])].shape = {1, 1, 4, 1};
  });
  EXPECT_NE(msg.find("the grid must be"), std::string::npos) << msg;
}

TEST(ResampleOps, RoiAlignAndItsBatchRegister) {
  Operand x = input<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  Operand rois = input<float>({1, 4}, {0, 0, 2, 2});
  Operand batch = input<int64_t>({1}, {0});
  // Opset 10 maps coordinates like output_half_pixel; see the kernel test for this bin.
  OpRun r = testing::run_op(spec("RoiAlign", {x, rois, batch}, {}, 10));
  ASSERT_EQ(r.code.size(), 2u);
  EXPECT_EQ(r.code[0].op, isa::Opcode::ROI_ALIGN);
  EXPECT_EQ(r.outputs[0].shape, (Dims{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(r.outputs[0].as<float>()[0], 3.25f);
  auto bundle = testing::compile_op(spec("RoiAlign", {x, rois, batch}, {{"output_width", int64_t(2)}}, 16));
  auto edit_record = [&](int word, int32_t value) {
    return testing::load_edited(bundle, [&](format::FunctionDesc& f) {
      f.attrs[f.attr_offsets[AIVM_FIELD_D(f.code[0])] + size_t(word)] = value;
    });
  };
  EXPECT_NE(edit_record(0, 999).find("batch register 999 out of range"), std::string::npos);
  const int32_t x_reg = int32_t(AIVM_FIELD_B(bundle.functions[0].code[0]));  // f32, [1, 1, 2, 2]
  EXPECT_NE(edit_record(0, x_reg).find("batch indices must be i32 or i64"), std::string::npos);
  EXPECT_NE(edit_record(6, 3).find("the op gives"), std::string::npos);  // out_w no longer A's
}

}  // namespace
}  // namespace aivm
