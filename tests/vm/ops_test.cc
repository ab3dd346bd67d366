// Each operator end to end: ONNX-style op in a stack program -> aivmc's lowering, selection and
// memory plan -> verifier -> interpreter -> kernel, compared with the kernel's scalar reference
// called directly. Catches plumbing errors (attribute records, strides, transposes, axes).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/norm/layernorm.h"
#include "kernels/pool/pool.h"
#include "isa/decode.h"
#include "isa/shape_rules.h"
#include "kernels/softmax/softmax.h"
#include "compiler/asm/stack_asm.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using compiler::StackOp;
using compiler::StackOpKind;
using compiler::StackProgram;
using testing::kshape;
using testing::Operand;
using Dims = std::vector<int64_t>;

// f32 elements uniform in [-1, 1].
Operand random_operand(Dims shape, uint32_t seed, bool constant = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> data(static_cast<size_t>(n));
  for (float& v : data) v = dist(rng);
  return testing::operand<float>(constant ? Operand::Constant : Operand::Input, shape, data);
}

// Runs one op over |operands| (inputs or constants, in order) and returns output 0 as f32.
std::vector<float> run_op(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs,
                          int threads = 1) {
  testing::OpSpec spec(op, operands, attrs);
  spec.threads = threads;
  testing::OpRun r = testing::run_op(spec);
  return r.outputs.empty() ? std::vector<float>{} : r.outputs[0].as<float>();
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-5f * std::max(1.f, std::fabs(want[i]))) << "element " << i;
}

TEST(Ops, UnaryMatchReference) {
  const std::pair<const char*, kernels::UnaryOp> ops[] = {{"Relu", kernels::UnaryOp::Relu},
                                                          {"Sigmoid", kernels::UnaryOp::Sigmoid},
                                                          {"Tanh", kernels::UnaryOp::Tanh},
                                                          {"Exp", kernels::UnaryOp::Exp},
                                                          {"Neg", kernels::UnaryOp::Neg}};
  for (auto [name, op] : ops) {
    Operand x = random_operand({3, 7, 5}, 1);
    std::vector<float> want(size_t(x.size()));
    kernels::unary_f32_reference(op, int64_t(want.size()), x.f32(), want.data());
    SCOPED_TRACE(name);
    expect_near(run_op(name, {x}, {}), want);
  }
}

TEST(Ops, BinaryBroadcastMatchReference) {
  const std::pair<const char*, kernels::BinaryOp> ops[] = {{"Add", kernels::BinaryOp::Add},
                                                           {"Sub", kernels::BinaryOp::Sub},
                                                           {"Mul", kernels::BinaryOp::Mul},
                                                           {"Div", kernels::BinaryOp::Div}};
  const std::pair<Dims, Dims> shapes[] = {{{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 1, 4}, {3, 1}}, {{1}, {5, 7}}};
  for (auto [name, op] : ops) {
    for (const auto& [sa, sb] : shapes) {
      Operand a = random_operand(sa, 2), b = random_operand(sb, 3, /*constant=*/true);
      if (op == kernels::BinaryOp::Div)
        for (float& v : b.span<float>()) v = v < 0 ? v - 0.5f : v + 0.5f;  // keep away from zero
      Dims ys;
      ASSERT_TRUE(isa::broadcast_shapes(sa, sb, &ys));
      int64_t n = 1;
      for (int64_t d : ys) n *= d;
      std::vector<float> want(static_cast<size_t>(n));
      kernels::binary_f32_reference(op, kshape(ys), kshape(sa), a.f32(), kshape(sb), b.f32(), want.data());
      SCOPED_TRACE(std::string(name) + " " + std::to_string(sa.size()) + "x" + std::to_string(sb.size()));
      expect_near(run_op(name, {a, b}, {}), want);
    }
  }
}

TEST(Ops, SoftmaxOverEachAxis) {
  Operand x = random_operand({2, 3, 5}, 4);
  for (int64_t axis : {0, 1, 2, -1}) {
    int64_t a = axis < 0 ? axis + 3 : axis, outer = 1, inner = 1;
    for (int64_t i = 0; i < a; ++i) outer *= x.shape[size_t(i)];
    for (int64_t i = a + 1; i < 3; ++i) inner *= x.shape[size_t(i)];
    std::vector<float> want(size_t(x.size()));
    kernels::softmax_f32_reference(outer, x.shape[size_t(a)], inner, x.f32(), want.data());
    SCOPED_TRACE(axis);
    expect_near(run_op("Softmax", {x}, {{"axis", axis}, {"__opset", int64_t(13)}}), want);
  }
}

// The fused LayerNormalization over the trailing axes from each axis, with and without bias.
TEST(Ops, FusedLayerNormOverTrailingAxes) {
  Operand x = random_operand({2, 3, 5}, 14);
  for (int64_t axis : {0, 1, 2, -1}) {
    int64_t a = axis < 0 ? axis + 3 : axis, rows = 1;
    for (int64_t i = 0; i < a; ++i) rows *= x.shape[size_t(i)];
    Dims trailing(x.shape.begin() + a, x.shape.end());
    int64_t n = x.size() / rows;
    Operand scale = random_operand(trailing, 15, true), bias = random_operand(trailing, 16, true);
    for (bool with_bias : {true, false}) {
      std::vector<float> want(size_t(x.size()));
      kernels::layernorm_f32_reference(rows, n, x.f32(), scale.f32(), with_bias ? bias.f32() : nullptr, 1e-3f,
                                       want.data());
      std::vector<Operand> operands = {x, scale};
      if (with_bias) operands.push_back(bias);
      SCOPED_TRACE(::testing::Message() << "axis " << axis << (with_bias ? " bias" : ""));
      expect_near(run_op("aivm.LayerNormalization", operands, {{"axis", axis}, {"epsilon", 1e-3f}}), want);
    }
  }
}

TEST(Ops, MatMulBatchedBroadcast) {
  Operand a = random_operand({2, 1, 7, 5}, 5), b = random_operand({3, 5, 9}, 6, true);
  Dims ys;
  ASSERT_TRUE(isa::matmul_shape(a.shape, b.shape, &ys));
  std::vector<float> want(size_t(2 * 3 * 7 * 9));
  kernels::matmul_f32_reference(kshape(a.shape), a.f32(), kshape(b.shape), b.f32(), kshape(ys), want.data());
  expect_near(run_op("MatMul", {a, b}, {}), want);
}

TEST(Ops, GemmTransposesBiasAndScales) {
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (const Dims& bias_shape : {Dims{}, Dims{9}, Dims{7, 1}, Dims{7, 9}}) {
        int64_t m = 7, n = 9, k = 33;
        Operand a = random_operand(ta ? Dims{k, m} : Dims{m, k}, 7);
        Operand b = random_operand(tb ? Dims{n, k} : Dims{k, n}, 8, true);
        Operand c = random_operand(bias_shape, 9, true);
        kernels::GemmEpilogue ep;
        ep.alpha = 0.5f;
        ep.beta = 2.f;
        std::vector<Operand> ops = {a, b};
        if (!bias_shape.empty()) {
          ops.push_back(c);
          ep.bias = c.f32();
          ep.bias_row_stride = bias_shape.size() == 2 && bias_shape[0] > 1 ? bias_shape.back() : 0;
          ep.bias_col_stride = bias_shape.back() > 1 ? 1 : 0;
        }
        std::vector<float> want(size_t(m * n));
        kernels::gemm_f32_reference(ta, tb, m, n, k, a.f32(), a.shape[1], b.f32(), b.shape[1], want.data(), n, ep);
        SCOPED_TRACE(std::to_string(ta) + std::to_string(tb) + " bias rank " + std::to_string(bias_shape.size()));
        expect_near(run_op("Gemm", ops, {{"transA", int64_t(ta)}, {"transB", int64_t(tb)}, {"alpha", 0.5f}, {"beta", 2.f}}),
                    want);
      }
    }
  }
}

TEST(Ops, ConvGeometries) {
  struct Geo {
    Dims x, w;
    Dims strides, pads, dilations;
    int64_t group;
  };
  const Geo geos[] = {{{1, 3, 7, 7}, {5, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
                      {{2, 4, 9, 8}, {6, 2, 3, 2}, {2, 1}, {0, 1, 2, 0}, {1, 2}, 2},
                      {{1, 6, 5, 5}, {6, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 6},
                      {{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1}};
  for (const Geo& g : geos) {
    for (bool bias : {false, true}) {
      Operand x = random_operand(g.x, 10), w = random_operand(g.w, 11, true), b = random_operand({g.w[0]}, 12, true);
      isa::Window2d win{int32_t(g.w[2]), int32_t(g.w[3]), int32_t(g.strides[0]), int32_t(g.strides[1]),
                        int32_t(g.pads[0]), int32_t(g.pads[1]), int32_t(g.pads[2]), int32_t(g.pads[3]),
                        int32_t(g.dilations[0]), int32_t(g.dilations[1])};
      int64_t oh = isa::window_out_extent(g.x[2], g.w[2], g.strides[0], g.pads[0], g.pads[2], g.dilations[0]);
      int64_t ow = isa::window_out_extent(g.x[3], g.w[3], g.strides[1], g.pads[1], g.pads[3], g.dilations[1]);
      kernels::Conv2dParams p{g.x[0], g.x[1], g.x[2], g.x[3], g.w[0], oh, ow, g.group, win};
      std::vector<float> want(size_t(g.x[0] * g.w[0] * oh * ow));
      kernels::conv2d_f32_reference(p, x.f32(), w.f32(), bias ? b.f32() : nullptr, nullptr, {}, want.data());
      std::vector<Operand> ops = {x, w};
      if (bias) ops.push_back(b);
      AttrMap attrs = {{"strides", g.strides}, {"pads", g.pads}, {"dilations", g.dilations}, {"group", g.group}};
      for (int threads : {1, 2}) expect_near(run_op("Conv", ops, attrs, threads), want);
    }
  }
}

TEST(Ops, MaxPoolIncludingCeilMode) {
  Operand x = random_operand({1, 3, 7, 6}, 13);
  for (int64_t ceil : {0, 1}) {
    isa::Window2d win{3, 2, 2, 2, 1, 0, 1, 0, 1, 1};
    int64_t oh = isa::window_out_extent(7, 3, 2, 1, 1, 1, ceil), ow = isa::window_out_extent(6, 2, 2, 0, 0, 1, ceil);
    kernels::Pool2dParams p{1, 3, 7, 6, oh, ow, win};
    std::vector<float> want(size_t(3 * oh * ow));
    kernels::maxpool2d_f32_reference(p, x.f32(), want.data());
    AttrMap attrs = {{"kernel_shape", Dims{3, 2}}, {"strides", Dims{2, 2}}, {"pads", Dims{1, 0, 1, 0}}, {"ceil_mode", ceil}};
    expect_near(run_op("MaxPool", {x}, attrs), want);
  }
}

TEST(Ops, AveragePoolWithAndWithoutPadCounting) {
  Operand x = random_operand({2, 3, 7, 6}, 15);
  for (int64_t include : {0, 1}) {
    for (int64_t ceil : {0, 1}) {
      isa::Window2d win{3, 2, 2, 2, 1, 0, 1, 0, 1, 1};
      int64_t oh = isa::window_out_extent(7, 3, 2, 1, 1, 1, ceil), ow = isa::window_out_extent(6, 2, 2, 0, 0, 1, ceil);
      kernels::Pool2dParams p{2, 3, 7, 6, oh, ow, win};
      std::vector<float> want(static_cast<size_t>(2 * 3 * oh * ow));
      kernels::avgpool2d_f32_reference(p, include != 0, x.f32(), want.data());
      AttrMap attrs = {{"kernel_shape", Dims{3, 2}}, {"strides", Dims{2, 2}}, {"pads", Dims{1, 0, 1, 0}},
                       {"ceil_mode", ceil}, {"count_include_pad", include}};
      SCOPED_TRACE(std::to_string(include) + std::to_string(ceil));
      expect_near(run_op("AveragePool", {x}, attrs), want);
    }
  }
}

// Runs a compiled one-input ("x", 4-D f32) function; returns output 0.
std::vector<float> run_with_x(const format::BundleDesc& d, const Operand& x) {
  testing::LoadedModel m;
  EXPECT_EQ(testing::load(format::serialize_bundle(d), &m), "OK");
  if (!m.session) return {};
  EXPECT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, x.shape.data(), 4, x.data(), x.bytes.size()),
            AIVM_OK);
  EXPECT_EQ(aivm_session_run(m.session), AIVM_OK);
  return testing::output_f32(m.session, 0);
}

// Conv followed by an activation: fused into the conv's epilogue, same numbers as unfused.
TEST(Ops, FusedActivationsMatchUnfused) {
  const std::pair<const char*, AttrMap> acts[] = {{"Relu", {}},
                                                  {"LeakyRelu", {{"alpha", 0.2f}}},
                                                  {"HardSigmoid", {{"alpha", 0.3f}, {"beta", 0.4f}}},
                                                  {"HardSwish", {}},
                                                  {"Sigmoid", {}}};
  Operand x = random_operand({1, 8, 9, 9}, 16), w = random_operand({16, 8, 3, 3}, 17, true);
  for (const auto& [act, attrs] : acts) {
    StackProgram p;
    p.source = "fuse.test";
    p.inputs = {{"x", DType::F32, x.shape, {}}};
    p.local_names = {"x"};
    p.outputs = {{"y", DType::F32, {}, {}}};
    compiler::Tensor t;
    t.dtype = DType::F32;
    t.shape = w.shape;
    t.data = w.bytes;
    p.constants = {t};
    StackOp get, push, conv, a;
    get.kind = StackOpKind::LocalGet;
    push.kind = StackOpKind::PushConst;
    conv.name = "Conv";
    conv.num_inputs = 2;
    conv.attrs = {{"pads", Dims{1, 1, 1, 1}}};
    a.name = act;
    a.num_inputs = 1;
    a.attrs = attrs;
    p.code = {get, push, conv, a};
    std::vector<float> out[2];
    for (bool fuse : {false, true}) {
      compiler::CompileOptions o;
      o.fuse = fuse;
      format::BundleDesc d = compiler::compile_program(p, o);
      EXPECT_EQ(d.functions[0].code.size(), fuse ? 2u : 3u) << act;  // conv [+ activation] + halt
      out[fuse] = run_with_x(d, x);
    }
    SCOPED_TRACE(act);
    expect_near(out[1], out[0]);
  }
}

// x * Sigmoid(x) after a conv (SiLU, either operand order) becomes the conv's Swish epilogue;
// not when the conv's output has another use.
TEST(Ops, ConvSiluFusesIntoTheEpilogue) {
  std::string weights;
  for (int i = 0; i < 4 * 2 * 3 * 3; ++i) weights += " " + std::to_string(float((i * 37) % 19) / 9.f - 1.f);
  const std::string head = ".input x f32 [1,2,5,6]\n.output y f32 [1,4,5,6]\n.local c\n.const W f32 [4,2,3,3]" + weights +
                           "\nlocal.get x\nconst W\nConv pads=[1,1,1,1]\nlocal.set c\n";
  const struct {
    const char* tail;
    size_t fused_code;  // instructions when fused (incl. halt)
  } cases[] = {{"local.get c\nlocal.get c\nSigmoid\nMul\n", 2},
               {"local.get c\nSigmoid\nlocal.get c\nMul\n", 2},
               {"local.get c\nlocal.get c\nSigmoid\nMul\nlocal.get c\nAdd\n", 5}};  // c used thrice
  Operand x = random_operand({1, 2, 5, 6}, 18);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tail);
    StackProgram p = compiler::parse_stack_asm(head + c.tail, "silu.aivs");
    std::vector<float> out[2];
    for (bool fuse : {false, true}) {
      compiler::CompileOptions o;
      o.fuse = fuse;
      format::BundleDesc d = compiler::compile_program(p, o);
      if (fuse) {
        EXPECT_EQ(d.functions[0].code.size(), c.fused_code);
      }
      out[fuse] = run_with_x(d, x);
    }
    expect_near(out[1], out[0]);
  }
}

// A Concat of two Convs made for it (a SqueezeNet fire module) compiles to the Convs writing
// their channels of its output (CONV's out_channel_offset): no CONCAT, the numbers of the
// unfused bundle, at batch 2 (each image's slice lies apart) and 1 and 2 threads; the profile
// counts each Conv's FLOPs, not those of the whole tensor it writes into.
TEST(Ops, ConcatOfConvsWritesInPlace) {
  auto weights = [](int n, int seed) {
    std::string w;
    for (int i = 0; i < n; ++i) w += " " + std::to_string(float((i * 37 + seed) % 19) / 9.f - 1.f);
    return w;
  };
  const std::string text = ".input x f32 [2,8,9,11]\n.output y f32 [2,12,9,11]\n.local s\n"
                           ".const W1 f32 [5,8,1,1]" + weights(5 * 8, 1) + "\n.const W3 f32 [7,8,3,3]" +
                           weights(7 * 8 * 9, 2) +
                           "\nlocal.get x\nRelu\nlocal.set s\n"
                           "local.get s\nconst W1\nConv\nRelu\n"
                           "local.get s\nconst W3\nConv pads=[1,1,1,1]\nRelu\n"
                           "Concat in=2 axis=1\nSigmoid\n";
  StackProgram p = compiler::parse_stack_asm(text, "fire.aivs");
  Operand x = random_operand({2, 8, 9, 11}, 21);
  const double conv_flops = 2.0 * 2 * 9 * 11 * (5 * 8 + 7 * 8 * 9);
  std::vector<float> out[2][2];
  for (bool fuse : {false, true}) {
    compiler::CompileOptions o;
    o.fuse = fuse;
    compiler::CompileReport report;
    format::BundleDesc d = compiler::compile_program(p, o, &report);
    EXPECT_EQ(report.concats_in_place, fuse ? 1 : 0);
    bool has_concat = false;
    for (uint64_t w : d.functions[0].code) has_concat |= AIVM_OPCODE(w) == uint8_t(isa::Opcode::CONCAT);
    EXPECT_EQ(has_concat, !fuse);
    for (int threads : {1, 2}) {
      testing::LoadedModel m;
      ASSERT_EQ(testing::load(format::serialize_bundle(d), &m, threads), "OK");
      ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, x.shape.data(), 4, x.data(), x.bytes.size()),
                AIVM_OK);
      ASSERT_EQ(aivm_session_set_profiling(m.session, AIVM_PROFILING_COUNTERS), AIVM_OK);
      ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
      out[fuse][threads - 1] = testing::output_f32(m.session, 0);
      double flops = 0;
      for (size_t i = 0; i < aivm_session_profile_size(m.session); ++i) {
        aivm_instruction_profile_t prof;
        ASSERT_EQ(aivm_session_profile_get(m.session, i, &prof), AIVM_OK);
        if (std::string(prof.opcode) == "conv") flops += prof.flops;
      }
      EXPECT_EQ(flops, conv_flops);
    }
  }
  EXPECT_EQ(out[1][0], out[0][0]);
  EXPECT_EQ(out[1][1], out[0][0]);
  EXPECT_EQ(out[0][1], out[0][0]);
  // Symbolic functions are left alone (the VM may bind a register's inferred dims at the first
  // instruction writing it, and a conv writing a slice would give its own channels): with a
  // symbolic batch the Concat stays, and the numbers are the same.
  std::string symbolic = text;
  symbolic.replace(symbolic.find("[2,8,9,11]"), 10, "[N,8,9,11]");
  symbolic.replace(symbolic.find("[2,12,9,11]"), 11, "[N,12,9,11]");
  compiler::CompileReport report;
  format::BundleDesc d =
      compiler::compile_program(compiler::parse_stack_asm(symbolic, "fire_n.aivs"), compiler::CompileOptions{}, &report);
  EXPECT_EQ(report.concats_in_place, 0);
  EXPECT_EQ(run_with_x(d, x), out[0][0]);
}

TEST(Ops, MovesKeepBytes) {
  Operand x = random_operand({2, 3, 4}, 14);
  expect_near(run_op("Flatten", {x}, {{"axis", int64_t(2)}}), x.as<float>());
  expect_near(run_op("Identity", {x}, {}), x.as<float>());
  std::vector<int64_t> target = {4, -1};
  // Reshape's target shape is an i64 constant: build it by hand.
  StackProgram p;
  p.source = "reshape.test";
  p.inputs = {{"x", DType::F32, x.shape, {}}};
  p.local_names = {"x"};
  p.outputs = {{"y", DType::F32, {}, {}}};
  compiler::Tensor t;
  t.dtype = DType::I64;
  t.shape = {2};
  t.data.assign(reinterpret_cast<const uint8_t*>(target.data()), reinterpret_cast<const uint8_t*>(target.data() + 2));
  p.constants = {t};
  StackOp get, push, reshape;
  get.kind = StackOpKind::LocalGet;
  push.kind = StackOpKind::PushConst;
  reshape.name = "Reshape";
  reshape.num_inputs = 2;
  p.code = {get, push, reshape};
  compiler::CompileReport report;
  format::BundleDesc d = compiler::compile_program(p, {}, &report);
  EXPECT_EQ(d.outputs[0].shape, (Dims{4, 6}));
  EXPECT_TRUE(d.constants.empty()) << "the shape constant is consumed at compile time";
}

}  // namespace
}  // namespace aivm
