// Tests of composite-op expansion (compiler/onnx/decompose.h) and of the fusion passes that
// rewrite the result: small ONNX models written in the ONNX text syntax, imported, compiled and
// run on the VM; expected numbers were computed independently with numpy (float64) from the
// operators' definitions.
#include "compiler/onnx/decompose.h"

#include <gtest/gtest.h>
#include <onnx/defs/parser.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "compiler/onnx/onnx_import.h"
#include "isa/decode.h"
#include "isa/isa.h"
#include "tests/common/vm_harness.h"

namespace aivm::compiler {
namespace {

onnx::ModelProto parse_model(const std::string& text) {
  onnx::ModelProto m;
  auto status = onnx::OnnxParser::Parse(m, text.c_str());
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage();
  return m;
}

struct Input {
  std::string name;
  std::vector<int64_t> dims;
  std::vector<float> f32;    // used when i64 and i32 are empty
  std::vector<int64_t> i64 = {};
  std::vector<int32_t> i32 = {};
};

// Imports, compiles and runs |text| on |inputs|; returns every output as f32.
std::vector<std::vector<float>> run(const std::string& text, const std::vector<Input>& inputs, size_t outputs,
                                    const CompileOptions& options = {}) {
  StackProgram p = import_onnx_model(parse_model(text), "test.onnx");
  testing::LoadedModel m;
  EXPECT_EQ(testing::load(testing::compile_to_bytes(p, options), &m), "OK");
  if (!m.session) return {};
  for (const Input& in : inputs) {
    const void* data = in.f32.data();
    size_t bytes = in.f32.size() * 4;
    aivm_dtype_t dtype = AIVM_DTYPE_F32;
    if (!in.i64.empty()) data = in.i64.data(), bytes = in.i64.size() * 8, dtype = AIVM_DTYPE_I64;
    if (!in.i32.empty()) data = in.i32.data(), bytes = in.i32.size() * 4, dtype = AIVM_DTYPE_I32;
    aivm_status_t s =
        aivm_session_set_input(m.session, in.name.c_str(), dtype, in.dims.data(), in.dims.size(), data, bytes);
    EXPECT_EQ(s, nullptr) << (s ? testing::take_message(s) : "");
  }
  EXPECT_EQ(aivm_session_run(m.session), nullptr);
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < outputs; ++i) out.push_back(testing::output_f32(m.session, i));
  return out;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, double tol = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

// The message of the CompileError importing |text| throws ("" if none).
std::string import_error(const std::string& text) {
  try {
    import_onnx_model(parse_model(text), "test.onnx");
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

const std::vector<Input> kRows = {{"x", {2, 3}, {1, 2, 3, 4, 6, 8}, {}},
                                  {"s", {3}, {1, 2, 0.5f}, {}},
                                  {"b", {3}, {0, 1, -1}, {}}};

TEST(Decompose, LayerNormalizationWithMeanAndInvStdDev) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,3] x, float[3] s, float[3] b) => (float[2,3] y, float[2,1] mean, float[2,1] inv) {
      y, mean, inv = LayerNormalization (x, s, b)
    })",
                 kRows, 3);
  ASSERT_EQ(out.size(), 3u);
  expect_near(out[0], {-1.2247356859, 1.0, -0.3876321570, -1.2247425750, 1.0, -0.3876287125});
  expect_near(out[1], {2.0, 6.0});
  expect_near(out[2], {1.2247356859, 0.6123712875});
}

// With only Y wanted, LayerNormalization is one fused op; a [3] scale and bias broadcast over
// the normalised [2, 3] trailing shape of a [1, 2, 3] input (axis 1) still work.
TEST(Decompose, LayerNormalizationYOnlyIsFused) {
  const char* model = R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[1,2,3] x, float[3] s, float[3] b) => (float[1,2,3] y) {
      y = LayerNormalization <axis: int = 1> (x, s, b)
    })";
  StackProgram p = import_onnx_model(parse_model(model), "test.onnx");
  int fused = 0;
  for (const StackOp& op : p.code) fused += op.kind == StackOpKind::Op && op.name == "aivm.LayerNormalization";
  EXPECT_EQ(fused, 1);
  auto out = run(model, {{"x", {1, 2, 3}, {1, 2, 3, 4, 6, 8}, {}}, kRows[1], kRows[2]}, 1);
  ASSERT_EQ(out.size(), 1u);
  // numpy: all six values normalised together (mean 4, variance 16/3), then scale and bias.
  expect_near(out[0], {-1.2602509636, -0.6803346182, -1.2100418273, 0.0, 2.6803346182, -0.1598326909});
}

TEST(Decompose, RMSNormalization) {
  auto out = run(R"(<ir_version: 10, opset_import: ["" : 23]>
    g (float[2,3] x, float[3] s) => (float[2,3] y) { y = RMSNormalization (x, s) })",
                 {kRows[0], kRows[1]}, 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {0.4629095539, 1.8516382156, 0.6943643309, 0.6432674377, 1.9298023132, 0.6432674377});
}

// LogSoftmax comes from libonnx's function body.
TEST(Decompose, LogSoftmaxFromLibonnxBody) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 18]>
    g (float[2,3] x) => (float[2,3] y) { y = LogSoftmax (x) })",
                 {{"x", {2, 3}, {1, 2, 3, 0, 0, 0}, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {-2.4076059644, -1.4076059644, -0.4076059644, -1.0986122887, -1.0986122887, -1.0986122887});
}

// SoftmaxCrossEntropyLoss (libonnx body) expands to LogSoftmax (libonnx body) and
// NegativeLogLikelihoodLoss (hand-written): three levels; the ignored sample does not count.
TEST(Decompose, SoftmaxCrossEntropyLossNestsExpansions) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 13]>
    g (float[3,4] x, int64[3] labels) => (float loss) {
      loss = SoftmaxCrossEntropyLoss <ignore_index: int = 1> (x, labels)
    })",
                 {{"x", {3, 4}, {1, 2, 3, 4, 0, 1, 0, 1, 2, 0, 0, 0}, {}}, {"labels", {3}, {}, {3, 1, 0}, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {0.3904713262});
}

// Four-dimensional attention with two query heads sharing one key/value head, causal.
TEST(Decompose, AttentionCausalGroupedQuery) {
  auto out = run(R"(<ir_version: 10, opset_import: ["" : 23]>
    g (float[1,2,2,2] q, float[1,1,2,2] k, float[1,1,2,2] v) => (float[1,2,2,2] y) {
      y = Attention <is_causal: int = 1> (q, k, v)
    })",
                 {{"q", {1, 2, 2, 2}, {1, 0, 0, 1, 1, 1, 2, 0}, {}},
                  {"k", {1, 1, 2, 2}, {1, 2, 0, 1}, {}},
                  {"v", {1, 1, 2, 2}, {1, 10, 3, 30}, {}}},
                 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {1.0, 10.0, 1.6604769013, 16.6047690135, 1.0, 10.0, 1.3911406350, 13.9114063499}, 1e-4);
}

// BatchNormalization on a value that is not a Conv output (densenet: after a Concat).
TEST(Decompose, BatchNormalizationAfterConcat) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,1,2] a, float[1,1,2] b) => (float[1,2,2] y)
    <float[2] scale = {2, 1}, float[2] bias = {0, 1}, float[2] mean = {1, 2}, float[2] var = {4, 1}> {
      c = Concat <axis: int = 1> (a, b)
      y = BatchNormalization (c, scale, bias, mean, var)
    })",
                 {{"a", {1, 1, 2}, {1, 3}, {}}, {"b", {1, 1, 2}, {5, 7}, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {0.0, 1.9999975000, 3.9999850001, 5.9999750002});
}

// Copies move nothing (compiler/passes/forward_copies.cc): an Identity, a Pad of zero pads
// and a Concat of one input are read through, values unchanged. A Pad that keeps the shape but moves the content
// (crop one column, pad one) is no copy, and a copy that is a function output keeps its
// register.
TEST(Decompose, CopiesAreForwarded) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[1,2,2,2] x) => (float[1,2,1,1] y, float[1,2,2,2] z)
    <int64[8] zero = {0, 0, 0, 0, 0, 0, 0, 0}, int64[8] shift = {0, 0, 0, -1, 0, 0, 0, 1}> {
      i = Identity (x)
      p = Pad (i, zero)
      c = Concat <axis: int = 1> (p)
      y = AveragePool <kernel_shape: ints = [2, 2], strides: ints = [2, 2]> (c)
      s = Pad (x, shift)
      z = Identity (s)
    })";
  CompileReport report;
  compile_program(import_onnx_model(parse_model(text), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.forwarded_copies, 3);
  auto out = run(text, {{"x", {1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 10}, {}}}, 2);
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], {2.5, 7});
  expect_near(out[1], {2, 0, 4, 0, 6, 0, 10, 0});
}

// A Concat of Convs made for it alone (a SqueezeNet fire module: a 1x1 and a padded 3x3 expand,
// each with its Relu) compiles to the Convs writing their channels of the Concat's output
// (compiler/passes/concat_in_place.cc): no Concat left, values as when nothing is fused. Batch 2,
// so each image's slice is placed apart; axis -3 is axis 1. A part that is read elsewhere too,
// or not made by a Conv, keeps the Concat.
TEST(Fusion, ConcatOfConvsFilledInPlace) {
  const std::string head = R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,2,3,3] x) => (float[2,3,3,3] y, float[2,2,3,3] z)
    <float[1,2,1,1] w1 = {0.5, -1}, float[1] b1 = {0.25}, float[2,2,3,3] w3 = {1, 0, -1, 2, 0.5, 0, 0, 1, 1, -1, 1, 0, 0.5, -0.5, 1, 0, 2, -1, 0, 1, 0, 1, -4, 1, 0, 1, 0, 0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25}> {
      e1 = Conv (x, w1, b1)
      r1 = Relu (e1)
      e3 = Conv <pads: ints = [1, 1, 1, 1]> (x, w3)
      r3 = Relu (e3)
      c = Concat <axis: int = -3> (r1, r3)
      y = Add (c, c)
)";
  const std::string in_place = head + "      z = Identity (x)\n    }";
  const std::string shared = head + "      z = Mul (r3, r3)\n    }";
  const std::string not_conv = std::string(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,2,3,3] x) => (float[2,3,3,3] y, float[2,2,3,3] z)
    <float[1,2,1,1] w1 = {0.5, -1}> {
      e1 = Conv (x, w1)
      a = Abs (x)
      c = Concat <axis: int = 1> (e1, a)
      y = Add (c, c)
      z = Identity (x)
    })");
  // No axis: the Concat rule's default (0) stacks the images, which no conv can write.
  const std::string batch_axis = std::string(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,2,3,3] x) => (float[4,1,3,3] y, float[2,2,3,3] z)
    <float[1,2,1,1] w1 = {0.5, -1}, float[1,2,1,1] w2 = {-1, 2}> {
      e1 = Conv (x, w1)
      e2 = Conv (x, w2)
      c = Concat (e1, e2)
      y = Add (c, c)
      z = Identity (x)
    })");
  std::vector<float> x(36);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 7 % 11) - 5) * 0.5f;
  CompileOptions unfused;
  unfused.fuse = false;
  for (const auto& [text, concats] : {std::pair{in_place, 1}, {shared, 0}, {not_conv, 0}, {batch_axis, 0}}) {
    SCOPED_TRACE(text);
    CompileReport report;
    format::BundleDesc d = compile_program(import_onnx_model(parse_model(text), "test.onnx"), CompileOptions{}, &report);
    EXPECT_EQ(report.concats_in_place, concats);
    bool has_concat = false;
    for (uint64_t w : d.functions[0].code) has_concat |= AIVM_OPCODE(w) == uint8_t(isa::Opcode::CONCAT);
    EXPECT_EQ(has_concat, concats == 0);
    auto got = run(text, {{"x", {2, 2, 3, 3}, x, {}}}, 2);
    auto want = run(text, {{"x", {2, 2, 3, 3}, x, {}}}, 2, unfused);
    ASSERT_EQ(got.size(), 2u);
    ASSERT_EQ(want.size(), 2u);
    EXPECT_EQ(got[0], want[0]);
    EXPECT_EQ(got[1], want[1]);
  }
}

// On an NCHW tensor the same BatchNormalization, with the Relu after it, compiles to one
// depthwise 1x1 Conv with the Relu fused (compiler/passes/channel_affine.cc), values unchanged.
// A Mul whose result is also read elsewhere stays a Mul.
TEST(Decompose, ChannelAffineBecomesDepthwiseConv) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,1,2,2] a, float[1,1,2,2] b) => (float[1,2,2,2] y)
    <float[2] scale = {2, 1}, float[2] bias = {0, 1}, float[2] mean = {1, 2}, float[2] var = {4, 1}> {
      c = Concat <axis: int = 1> (a, b)
      n = BatchNormalization (c, scale, bias, mean, var)
      y = Relu (n)
    })";
  CompileReport report;
  compile_program(import_onnx_model(parse_model(text), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.channel_affine_convs, 1);
  EXPECT_EQ(report.fused_activations, 1);
  auto out = run(text, {{"a", {1, 1, 2, 2}, {1, 3, -5, 0}, {}}, {"b", {1, 1, 2, 2}, {5, 7, 1, -3}, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  // (x - 1) * 2 / sqrt(4 + 1e-5) and (x - 2) / sqrt(1 + 1e-5) + 1, then Relu.
  expect_near(out[0], {0.0, 1.9999975, 0.0, 0.0, 3.9999850, 5.9999750, 0.0000050, 0.0});

  const char* shared = R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,2,1,2] x) => (float[1,2,1,2] y, float[1,2,1,2] m)
    <float[2,1,1] s = {2, 3}, float[2,1,1] t = {1, -1}> {
      m = Mul (x, s)
      y = Add (m, t)
    })";
  compile_program(import_onnx_model(parse_model(shared), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.channel_affine_convs, 0);
  out = run(shared, {{"x", {1, 2, 1, 2}, {1, 2, 3, 4}, {}}}, 2);
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], {3, 5, 8, 11});
  expect_near(out[1], {2, 4, 9, 12});
}

// Add(Conv(x), r) with a Relu after it compiles to one Conv that adds r before the Relu
// (compiler/passes/residual_add.cc). With two Convs feeding the Add (a ResNet downsample
// block) the later one fuses, reading the earlier one's output. A Relu between the Conv and
// the Add stays where it is.
TEST(Fusion, ResidualAddIntoConv) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,2,2,2] x, float[1,2,2,2] r) => (float[1,2,2,2] y)
    <float[2,2,1,1] w = {1, 0, 0, -1}, float[2] b = {0.5, 0}> {
      c = Conv (x, w, b)
      s = Add (r, c)
      y = Relu (s)
    })";
  CompileReport report;
  compile_program(import_onnx_model(parse_model(text), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.residual_adds, 1);
  EXPECT_EQ(report.fused_activations, 1);
  EXPECT_EQ(report.instructions, 2u);  // conv, halt
  const std::vector<float> x = {1, -2, 3, -4, 1, 2, 3, 4}, r = {-1, 1, -5, 5, 2, 1, -4, -3};
  auto out = run(text, {{"x", {1, 2, 2, 2}, x, {}}, {"r", {1, 2, 2, 2}, r, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  // Channel 0: relu(x0 + 0.5 + r0); channel 1: relu(-x1 + r1).
  expect_near(out[0], {0.5, 0, 0, 1.5, 1, 0, 0, 0});

  const char* two_convs = R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,2,2,2] x) => (float[1,2,2,2] y)
    <float[2,2,1,1] w1 = {1, 0, 0, -1}, float[2,2,1,1] w2 = {0, 2, 1, 0}> {
      a = Conv (x, w1)
      d = Conv (x, w2)
      s = Add (a, d)
      y = Relu (s)
    })";
  compile_program(import_onnx_model(parse_model(two_convs), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.residual_adds, 1);
  EXPECT_EQ(report.fused_activations, 1);
  out = run(two_convs, {{"x", {1, 2, 2, 2}, x, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  // Channel 0: relu(x0 + 2 x1); channel 1: relu(-x1 + x0).
  expect_near(out[0], {3, 2, 9, 4, 0, 0, 0, 0});

  const char* relu_first = R"(<ir_version: 8, opset_import: ["" : 15]>
    g (float[1,2,2,2] x, float[1,2,2,2] r) => (float[1,2,2,2] y)
    <float[2,2,1,1] w = {1, 0, 0, -1}> {
      c = Conv (x, w)
      a = Relu (c)
      y = Add (a, r)
    })";
  compile_program(import_onnx_model(parse_model(relu_first), "test.onnx"), CompileOptions{}, &report);
  EXPECT_EQ(report.residual_adds, 0);
  EXPECT_EQ(report.fused_activations, 1);
  out = run(relu_first, {{"x", {1, 2, 2, 2}, x, {}}, {"r", {1, 2, 2, 2}, r, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  expect_near(out[0], {0, 1, -2, 5, 2, 1, -4, -3});
}

// Inlined nodes are imported at their body's opset: libonnx's LogSoftmax-13 body gives ReduceMax
// its axes as an attribute, which only means that at opset 13, not at the model's 18.
// Per-axis quantisation rounds half to even, adds the zero point and saturates; dequantising
// gives back the representable values.
TEST(Decompose, QuantizeAndDequantizePerAxis) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 19]>
    g (float[2,3] x) => (float[2,3] qf, float[2,3] y)
    <float[3] s = {0.5, 1.0, 2.0}, uint8[3] zp = {0, 128, 10}> {
      q = QuantizeLinear (x, s, zp)
      qf = Cast <to: int = 1> (q)
      y = DequantizeLinear (q, s, zp)
    })",
                 {{"x", {2, 3}, {0.5f, -1, 300, 2.5f, 3.5f, -7}, {}}}, 2);
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], {1, 127, 160, 5, 132, 6});
  expect_near(out[1], {0.5, -1, 300, 2.5, 4, -8});
}

TEST(Decompose, IsInfIsNaNAndHardmaxTies) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 20]>
    g (float[4] x, float[2,3] h) => (float[4] inf, float[4] pos, float[4] nan, float[2,3] hard) {
      i = IsInf (x)
      inf = Cast <to: int = 1> (i)
      p = IsInf <detect_negative: int = 0> (x)
      pos = Cast <to: int = 1> (p)
      n = IsNaN (x)
      nan = Cast <to: int = 1> (n)
      hard = Hardmax (h)
    })",
                 {{"x", {4}, {1, inf, -inf, nan}, {}}, {"h", {2, 3}, {1, 3, 3, 2, 2, 1}, {}}}, 4);
  ASSERT_EQ(out.size(), 4u);
  expect_near(out[0], {0, 1, 1, 0});
  expect_near(out[1], {0, 1, 0, 0});
  expect_near(out[2], {0, 0, 0, 1});
  expect_near(out[3], {0, 1, 0, 1, 0, 0});  // the first of equal maxima
}

// An unrolled RNN (Relu, h = relu(x + 0.5 h)) where the second sequence has length 1: its
// state stops after one step and its later outputs are zero.
TEST(Decompose, RnnUnrolledWithSequenceLengths) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 14]>
    g (float[3,2,1] x, int32[2] lens) => (float[3,1,2,1] y, float[1,2,1] yh)
    <float[1,1,1] w = {1.0}, float[1,1,1] r = {0.5}> {
      y, yh = RNN <hidden_size: int = 1, activations: strings = ["Relu"]> (x, w, r, , lens)
    })",
                 {{"x", {3, 2, 1}, {1, 2, 1, 1, 1, 1}, {}, {}}, {"lens", {2}, {}, {}, {3, 1}}}, 2);
  ASSERT_EQ(out.size(), 2u);
  expect_near(out[0], {1, 2, 1.5, 0, 1.75, 0});
  expect_near(out[1], {1.75, 2});
}

TEST(Decompose, InlinedNodesKeepTheirBodysOpset) {
  StackProgram p = import_onnx_model(parse_model(R"(<ir_version: 8, opset_import: ["" : 18]>
    g (float[2,3] x) => (float[2,3] y) { y = LogSoftmax (x) })"),
                                     "test.onnx");
  bool saw_reduce_max = false;
  for (const StackOp& op : p.code) {
    if (op.kind != StackOpKind::Op || op.name != "ReduceMax") continue;
    saw_reduce_max = true;
    EXPECT_EQ(std::get<int64_t>(op.attrs.at(kOpsetAttr)), 13);
    EXPECT_TRUE(op.attrs.count("axes"));
  }
  EXPECT_TRUE(saw_reduce_max);
}

TEST(Decompose, FreshNamesDoNotClashBetweenTwoExpansions) {
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 18]>
    g (float[2,3] x) => (float[2,3] y) {
      t = LogSoftmax (x)
      y = LogSoftmax (t)
    })",
                 {{"x", {2, 3}, {1, 2, 3, 0, 0, 0}, {}}}, 1);
  ASSERT_EQ(out.size(), 1u);
  // log_softmax is idempotent: its outputs already exponentiate to a distribution.
  expect_near(out[0], {-2.4076059644, -1.4076059644, -0.4076059644, -1.0986122887, -1.0986122887, -1.0986122887});
}

TEST(Decompose, AttributeErrorNamesTheOriginalNode) {
  std::string e = import_error(R"(<ir_version: 8, opset_import: ["" : 18]>
    g (float[2,3] x) => (float[2,3] y) { y = LpNormalization <p: int = 3> (x) })");
  EXPECT_NE(e.find("(LpNormalization)"), std::string::npos) << e;
  EXPECT_NE(e.find("p = 3 is not supported"), std::string::npos) << e;
}

TEST(Decompose, ErrorInsideAnExpansionNamesTheOriginalNodeAndInnerOp) {
  // A bool attention mask's meaning depends on its type, which an undeclared value lacks.
  std::string e = import_error(R"(<ir_version: 10, opset_import: ["" : 23]>
    g (float[1,1,2,2] q, float[1,1,2,2] k, float[1,1,2,2] v, float[2,2] m0) => (float[1,1,2,2] y) {
      m = Identity (m0)
      y = Attention (q, k, v, m)
    })");
  EXPECT_NE(e.find("(Attention)"), std::string::npos) << e;
  EXPECT_NE(e.find("attn_mask"), std::string::npos) << e;

  // An unsupported dtype surfaces from an inner op, named "<Op> > <inner op>".
  StackProgram p = import_onnx_model(parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (int32[2,3] x, int32[3] s) => (int32[2,3] y) { y = LayerNormalization (x, s) })"),
                                     "test.onnx");
  bool named = false;
  for (const StackOp& op : p.code)
    if (op.kind == StackOpKind::Op) named = named || op.loc.op_type.rfind("LayerNormalization > ", 0) == 0;
  EXPECT_TRUE(named);
  try {
    compile_program(p, CompileOptions{});
    ADD_FAILURE() << "an int32 LayerNormalization compiled";
  } catch (const CompileError& err) {
    EXPECT_NE(std::string(err.what()).find("(LayerNormalization > "), std::string::npos) << err.what();
  }
}

TEST(Decompose, ReverseSequenceReversesEachBatchEntrysPrefix) {
  // time_axis 1, batch_axis 0: row b reverses its first lens[b] entries.
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,4] x, int64[2] lens) => (float[2,4] y) {
      y = ReverseSequence <batch_axis = 0, time_axis = 1> (x, lens)
    })",
                 {{"x", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, {}}, {"lens", {2}, {}, {3, 1}}}, 1);
  expect_near(out[0], {3, 2, 1, 4, 5, 6, 7, 8});
  EXPECT_NE(import_error(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[2,4] x, int64[2] lens) => (float[2,4] y) {
      y = ReverseSequence <batch_axis = 1, time_axis = 1> (x, lens)
    })").find("two different axes"),
            std::string::npos);
}

TEST(Decompose, TensorScatterLinearAndCircular) {
  // Cache [2, 4, 1] (batch, sequence, head dim), two new entries per batch at write_indices.
  const std::vector<Input> in = {{"past", {2, 4, 1}, {0, 0, 0, 0, 0, 0, 0, 0}, {}},
                                 {"update", {2, 2, 1}, {1, 2, 3, 4}, {}},
                                 {"at", {2}, {}, {1, 3}}};
  auto text = [](const std::string& mode) {
    return R"(<ir_version: 8, opset_import: ["" : 24]>
    g (float[2,4,1] past, float[2,2,1] update, int64[2] at) => (float[2,4,1] y) {
      y = TensorScatter <mode = ")" + mode + R"("> (past, update, at)
    })";
  };
  // Linear: batch 1 writes at 3 and 4; 4 is outside the cache, so it is dropped.
  expect_near(run(text("linear"), in, 1)[0], {0, 1, 2, 0, 0, 0, 0, 3});
  expect_near(run(text("circular"), in, 1)[0], {0, 1, 2, 0, 4, 0, 0, 3});
}

TEST(Decompose, StftFramesWindowsAndTransforms) {
  // Six samples, frames of 4 every 2: [1 2 3 4] and [3 4 5 6], onesided: 3 bins each.
  const std::vector<Input> in = {{"x", {1, 6, 1}, {1, 2, 3, 4, 5, 6}, {}}};
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[1,6,1] x) => (float[1,2,3,2] y) {
      step = Constant <value_int = 2> ()
      length = Constant <value_int = 4> ()
      y = STFT (x, step, , length)
    })",
                 in, 1);
  expect_near(out[0], {10, 0, -2, 2, -2, 0, 18, 0, -2, 2, -2, 0});
  out = run(R"(<ir_version: 8, opset_import: ["" : 17]>
    g (float[1,6,1] x) => (float[1,2,3,2] y) {
      step = Constant <value_int = 2> ()
      window = Constant <value_floats = [1.0, 0.0, 1.0, 0.0]> ()
      y = STFT (x, step, window)
    })",
            in, 1);
  expect_near(out[0], {4, 0, -2, 0, 4, 0, 8, 0, -2, 0, 8, 0});
}

TEST(Decompose, MaxUnpoolScattersIntoTheInferredShape) {
  // 2 x 2 pooled values back into 4 x 4 (kernel 2, stride 2) at MaxPool's flat indices; with
  // output_shape [1, 1, 5, 5] the 4 x 4 result sits at the origin of a zero 5 x 5.
  const std::vector<Input> in = {{"x", {1, 1, 2, 2}, {1, 2, 3, 4}, {}}, {"i", {1, 1, 2, 2}, {}, {5, 7, 13, 15}}};
  auto out = run(R"(<ir_version: 8, opset_import: ["" : 11]>
    g (float[1,1,2,2] x, int64[1,1,2,2] i) => (float[1,1,4,4] y) {
      y = MaxUnpool <kernel_shape = [2, 2], strides = [2, 2]> (x, i)
    })",
                 in, 1);
  expect_near(out[0], {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4});
  out = run(R"(<ir_version: 8, opset_import: ["" : 11]>
    g (float[1,1,2,2] x, int64[1,1,2,2] i) => (float[1,1,5,5] y) {
      shape = Constant <value_ints = [1, 1, 5, 5]> ()
      y = MaxUnpool <kernel_shape = [2, 2], strides = [2, 2]> (x, i, shape)
    })",
            in, 1);
  expect_near(out[0], {0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0});
}

TEST(Decompose, UnknownOpIsLeftForTheUsualError) {
  onnx::NodeProto n;
  n.set_op_type("NoSuchOperator");
  n.add_input("x");
  n.add_output("y");
  EXPECT_FALSE(onnx_import::expand_node(n, 18, {{}}, 0, SourceLoc{}).has_value());
}

}  // namespace
}  // namespace aivm::compiler
