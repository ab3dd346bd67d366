// The elementwise families end to end: ONNX-style op in a stack program -> aivmc's rules,
// selection and memory plan -> verifier -> interpreter -> kernel, compared with the kernel
// reference called directly, for each dtype the op takes. Also: which instruction each op
// becomes, constant folding, and the messages of the compiler and the verifier.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "format/writer.h"
#include "isa/decode.h"
#include "isa/shape_rules.h"
#include "kernels/elementwise/elementwise.h"
#include "tests/common/op_harness.h"

namespace aivm {
namespace {

using compiler::AttrMap;
using Dims = std::vector<int64_t>;
using kernels::BinaryOp;
using kernels::CompareOp;
using kernels::UnaryOp;
using testing::absent;
using testing::constant;
using testing::input;
using testing::kshape;
using testing::load_edited;
using testing::Operand;

//===----------------------------------------------------------------------===//
// Typed operands and the one-op harness
//===----------------------------------------------------------------------===//

// Random elements: f32 in [lo, hi], integers in [-9, 9] (u8 in [0, 11]), bools 0/1.
Operand random_operand(DType t, Dims shape, uint32_t seed, float lo = -2.f, float hi = 2.f) {
  Operand o = testing::operand(Operand::Input, t, shape, {});
  o.bytes.resize(size_t(o.size()) * dtype_size(t));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> f(lo, hi);
  for (int64_t i = 0; i < o.size(); ++i) {
    uint8_t* p = o.bytes.data() + i * int64_t(dtype_size(t));
    int64_t v = int64_t(rng() % 19) - 9;
    switch (t) {
      case DType::F32: { float x = f(rng); std::memcpy(p, &x, 4); break; }
      case DType::I8: *p = uint8_t(int8_t(v)); break;
      case DType::U8: *p = uint8_t(rng() % 12); break;
      case DType::I32: { int32_t x = int32_t(v); std::memcpy(p, &x, 4); break; }
      case DType::I64: std::memcpy(p, &v, 8); break;
      case DType::Bool: *p = uint8_t(rng() & 1); break;
      default: break;
    }
  }
  return o;
}

Dims broadcast(const std::vector<Dims>& shapes) {
  Dims out = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) {
    Dims next;
    EXPECT_TRUE(isa::broadcast_shapes(out, shapes[i], &next));
    out = next;
  }
  return out;
}

// Compiles, loads, runs |op| over |operands| and returns output 0.
testing::TensorBytes run_op(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs = {},
                            int threads = 1) {
  testing::OpSpec spec(op, operands, attrs);
  spec.threads = threads;
  testing::OpRun r = testing::run_op(spec);
  return r.outputs.empty() ? testing::TensorBytes{} : r.outputs[0];
}

// Bit-exact (the VM runs the same scalar semantics as the reference), NaNs equal.
void expect_result(const testing::TensorBytes& got, DType dtype, const std::vector<uint8_t>& want) {
  ASSERT_EQ(got.dtype, dtype);
  ASSERT_EQ(got.bytes.size(), want.size());
  if (dtype == DType::F32) {
    for (size_t i = 0; i < want.size(); i += 4) {
      float g, w;
      std::memcpy(&g, &got.bytes[i], 4);
      std::memcpy(&w, &want[i], 4);
      if (!(std::isnan(g) && std::isnan(w))) {
        ASSERT_EQ(g, w) << "element " << i / 4;
      }
    }
    return;
  }
  EXPECT_EQ(got.bytes, want);
}

std::vector<uint8_t> zeros(DType t, const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return std::vector<uint8_t>(size_t(n) * dtype_size(t));
}

// The instructions aivmc emits for one op (HALT dropped).
std::vector<isa::Instr> compiled(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs = {}) {
  return testing::without_halt(testing::decode_code(testing::compile_op({op, operands, attrs})));
}

std::string compile_error(const std::string& op, const std::vector<Operand>& operands, const AttrMap& attrs = {}) {
  return testing::compile_error<compiler::CompileError>({op, operands, attrs});
}

constexpr DType kIntegers[] = {DType::I8, DType::U8, DType::I32, DType::I64};

//===----------------------------------------------------------------------===//
// UNARY, ACT, CLIP, CAST
//===----------------------------------------------------------------------===//

TEST(ElementwiseOps, UnaryEveryKindAndDtype) {
  const std::pair<const char*, UnaryOp> ops[] = {
      {"Relu", UnaryOp::Relu}, {"Sigmoid", UnaryOp::Sigmoid}, {"Tanh", UnaryOp::Tanh}, {"Exp", UnaryOp::Exp},
      {"Neg", UnaryOp::Neg}, {"Abs", UnaryOp::Abs}, {"Log", UnaryOp::Log}, {"Sqrt", UnaryOp::Sqrt},
      {"Reciprocal", UnaryOp::Reciprocal}, {"Floor", UnaryOp::Floor}, {"Ceil", UnaryOp::Ceil},
      {"Round", UnaryOp::Round}, {"Sign", UnaryOp::Sign}, {"Sin", UnaryOp::Sin}, {"Cos", UnaryOp::Cos},
      {"Tan", UnaryOp::Tan}, {"Asin", UnaryOp::Asin}, {"Acos", UnaryOp::Acos}, {"Atan", UnaryOp::Atan},
      {"Sinh", UnaryOp::Sinh}, {"Cosh", UnaryOp::Cosh}, {"Asinh", UnaryOp::Asinh}, {"Acosh", UnaryOp::Acosh},
      {"Atanh", UnaryOp::Atanh}, {"Erf", UnaryOp::Erf}, {"Softplus", UnaryOp::Softplus},
      {"Softsign", UnaryOp::Softsign}, {"Not", UnaryOp::Not}, {"BitwiseNot", UnaryOp::Not}};
  for (auto [name, op] : ops) {
    for (DType t : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64, DType::Bool}) {
      bool bitwise = std::string(name) == "BitwiseNot", logical = std::string(name) == "Not";
      if (!kernels::unary_supports(op, t) || (bitwise && t == DType::Bool) || (logical && t != DType::Bool)) continue;
      Operand x = random_operand(t, {3, 7, 5}, 1, 0.1f, 0.9f);  // inside every f32 domain (acosh aside)
      if (op == UnaryOp::Acosh) x = random_operand(t, {3, 7, 5}, 1, 1.f, 4.f);
      std::vector<uint8_t> want = zeros(t, x.shape);
      kernels::unary_reference(op, t, x.size(), x.data(), want.data());
      SCOPED_TRACE(std::string(name) + " " + dtype_name(t));
      expect_result(run_op(name, {x}), t, want);
    }
  }
}

TEST(ElementwiseOps, ActivationsWithAttributes) {
  using A = isa::Activation;
  struct Case {
    const char* op;
    AttrMap attrs;
    A kind;
    float p0, p1;
  };
  const Case cases[] = {
      {"LeakyRelu", {{"alpha", 0.2f}}, A::LeakyRelu, 0.2f, 0.f},
      {"LeakyRelu", {}, A::LeakyRelu, 0.01f, 0.f},
      {"Elu", {{"alpha", 2.f}}, A::Elu, 2.f, 0.f},
      {"Selu", {{"alpha", 2.f}, {"gamma", 3.f}}, A::Selu, 2.f, 3.f},
      {"Celu", {{"alpha", 2.f}}, A::Celu, 2.f, 0.f},
      {"HardSigmoid", {{"alpha", 0.5f}, {"beta", 0.6f}}, A::HardSigmoid, 0.5f, 0.6f},
      {"HardSwish", {}, A::HardSwish, 0.f, 0.f},
      {"Gelu", {}, A::Gelu, 0.f, 0.f},
      {"Gelu", {{"approximate", std::string("tanh")}}, A::GeluTanh, 0.f, 0.f},
      {"ThresholdedRelu", {{"alpha", 0.5f}}, A::ThresholdedRelu, 0.5f, 0.f},
      {"Mish", {}, A::Mish, 0.f, 0.f},
      {"Swish", {{"alpha", 1.5f}}, A::Swish, 1.5f, 0.f},
  };
  for (const Case& c : cases) {
    Operand x = random_operand(DType::F32, {4, 33}, 2, -4.f, 4.f);
    std::vector<uint8_t> want = zeros(DType::F32, x.shape);
    kernels::activation_f32_reference({c.kind, c.p0, c.p1}, x.size(), reinterpret_cast<const float*>(x.data()),
                                      reinterpret_cast<float*>(want.data()));
    SCOPED_TRACE(c.op);
    for (int threads : {1, 2}) expect_result(run_op(c.op, {x}, c.attrs, threads), DType::F32, want);
    std::vector<isa::Instr> code = compiled(c.op, {x}, c.attrs);
    ASSERT_EQ(code.size(), 1u);
    EXPECT_EQ(code[0].op, isa::Opcode::ACT);
  }
}

TEST(ElementwiseOps, ClipBoundsFromInputsConstantsOrAttributes) {
  Operand x = random_operand(DType::F32, {5, 7}, 3);
  auto want_clip = [&](const Operand& in, const void* lo, const void* hi) {
    std::vector<uint8_t> want = zeros(in.dtype, in.shape);
    kernels::clip_reference(in.dtype, in.size(), in.data(), lo, hi, want.data());
    return want;
  };
  float lo = -0.5f, hi = 0.7f, inf = std::numeric_limits<float>::infinity(), ninf = -inf;
  // Runtime bounds, constant bounds, min > max.
  expect_result(run_op("Clip", {x, input<float>({}, {lo}), input<float>({}, {hi})}), DType::F32,
                want_clip(x, &lo, &hi));
  expect_result(run_op("Clip", {x, constant<float>({}, {lo}), constant<float>({}, {hi})}),
                DType::F32, want_clip(x, &lo, &hi));
  expect_result(run_op("Clip", {x, input<float>({}, {hi}), input<float>({}, {lo})}), DType::F32,
                want_clip(x, &hi, &lo));
  // A missing bound (absent input, or none at all).
  expect_result(run_op("Clip", {x, absent(), input<float>({}, {hi})}), DType::F32, want_clip(x, &ninf, &hi));
  expect_result(run_op("Clip", {x, input<float>({}, {lo})}), DType::F32, want_clip(x, &lo, &inf));
  // Opset 6: attributes.
  expect_result(run_op("Clip", {x}, {{"min", lo}, {"max", hi}, {"__opset", int64_t(6)}}), DType::F32,
                want_clip(x, &lo, &hi));
  for (DType t : kIntegers) {
    Operand xi = random_operand(t, {4, 9}, 4), l = random_operand(t, {}, 5), h = random_operand(t, {}, 6);
    SCOPED_TRACE(dtype_name(t));
    expect_result(run_op("Clip", {xi, l, h}), t, want_clip(xi, l.data(), h.data()));
  }
  int8_t i8lo = -3, i8max = 127;
  Operand x8 = random_operand(DType::I8, {10}, 7);
  expect_result(run_op("Clip", {x8, input<int8_t>({}, {i8lo})}), DType::I8, want_clip(x8, &i8lo, &i8max));
}

TEST(ElementwiseOps, CastAndCastLike) {
  const DType all[] = {DType::F32, DType::F16, DType::I8, DType::U8, DType::I32, DType::I64, DType::Bool};
  for (DType from : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64, DType::Bool}) {
    Operand x = random_operand(from, {3, 11}, 8, -300.f, 300.f);
    for (DType to : all) {
      std::vector<uint8_t> want = zeros(to, x.shape);
      kernels::cast_reference(from, to, x.size(), x.data(), want.data());
      static const int kOnnx[] = {0, 1, 10, 3, 2, 6, 7, 9};  // TensorProto numbers by DType
      SCOPED_TRACE(std::string(dtype_name(from)) + "->" + dtype_name(to));
      expect_result(run_op("Cast", {x}, {{"to", int64_t(kOnnx[int(to)])}}), to, want);
      expect_result(run_op("CastLike", {x, random_operand(to, {1}, 9, 0.f, 1.f)}), to, want);
    }
  }
}

//===----------------------------------------------------------------------===//
// BINARY, COMPARE, WHERE
//===----------------------------------------------------------------------===//

const std::pair<Dims, Dims> kShapes[] = {{{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}},   {{2, 1, 4}, {3, 1}},
                                         {{1}, {5, 7}},           {{7}, {}},          {{3, 4, 5, 6}, {4, 1, 6}}};

TEST(ElementwiseOps, BinaryEveryOpDtypeAndBroadcast) {
  struct Op {
    const char* name;
    BinaryOp kind;
    AttrMap attrs;
  };
  const Op ops[] = {{"Add", BinaryOp::Add, {}},          {"Sub", BinaryOp::Sub, {}},
                    {"Mul", BinaryOp::Mul, {}},          {"Div", BinaryOp::Div, {}},
                    {"Pow", BinaryOp::Pow, {}},          {"Mod", BinaryOp::Mod, {}},
                    {"Mod", BinaryOp::Fmod, {{"fmod", int64_t(1)}}},
                    {"And", BinaryOp::And, {}},          {"Or", BinaryOp::Or, {}},
                    {"Xor", BinaryOp::Xor, {}},          {"BitwiseAnd", BinaryOp::And, {}},
                    {"BitwiseOr", BinaryOp::Or, {}},     {"BitwiseXor", BinaryOp::Xor, {}},
                    {"BitShift", BinaryOp::ShiftLeft, {{"direction", std::string("LEFT")}}},
                    {"BitShift", BinaryOp::ShiftRight, {{"direction", std::string("RIGHT")}}}};
  for (const Op& op : ops) {
    for (DType t : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64, DType::Bool}) {
      bool logical = op.name == std::string("And") || op.name == std::string("Or") || op.name == std::string("Xor");
      if (!kernels::binary_supports(op.kind, t) || logical != (t == DType::Bool)) continue;
      for (const auto& [sa, sb] : kShapes) {
        Operand a = random_operand(t, sa, 10), b = random_operand(t, sb, 11, 0.5f, 2.f);
        b.kind = sb.size() == 1 ? Operand::Constant : Operand::Input;  // a constant operand on some patterns
        Dims ys = broadcast({sa, sb});
        std::vector<uint8_t> want = zeros(t, ys);
        kernels::binary_reference(op.kind, t, kshape(ys), kshape(sa), a.data(), kshape(sb), b.data(), want.data());
        SCOPED_TRACE(std::string(op.name) + " " + dtype_name(t) + " " + std::to_string(sa.size()) + "x" +
                     std::to_string(sb.size()));
        expect_result(run_op(op.name, {a, b}, op.attrs), t, want);
      }
    }
  }
}

TEST(ElementwiseOps, PReluBroadcastsTheSlope) {
  Operand x = random_operand(DType::F32, {2, 3, 4}, 12), slope = random_operand(DType::F32, {3, 1}, 13);
  std::vector<uint8_t> want = zeros(DType::F32, x.shape);
  kernels::binary_reference(BinaryOp::PRelu, DType::F32, kshape(x.shape), kshape(x.shape), x.data(),
                            kshape(slope.shape), slope.data(), want.data());
  expect_result(run_op("PRelu", {x, slope}), DType::F32, want);
  EXPECT_NE(compile_error("PRelu", {slope, x}).find("does not broadcast to X's shape"), std::string::npos);
}

TEST(ElementwiseOps, CompareEveryKindAndDtype) {
  const std::pair<const char*, CompareOp> ops[] = {{"Equal", CompareOp::Equal},
                                                   {"Less", CompareOp::Less},
                                                   {"Greater", CompareOp::Greater},
                                                   {"LessOrEqual", CompareOp::LessOrEqual},
                                                   {"GreaterOrEqual", CompareOp::GreaterOrEqual}};
  for (auto [name, op] : ops) {
    for (DType t : {DType::F32, DType::I8, DType::U8, DType::I32, DType::I64, DType::Bool}) {
      for (const auto& [sa, sb] : kShapes) {
        Operand a = random_operand(t, sa, 14, -2.f, 2.f), b = random_operand(t, sb, 15, -2.f, 2.f);
        if (t == DType::F32 && !a.bytes.empty() && !b.bytes.empty())  // some exact ties
          std::memcpy(b.bytes.data(), a.bytes.data(), std::min(a.bytes.size(), b.bytes.size()));
        Dims ys = broadcast({sa, sb});
        std::vector<uint8_t> want = zeros(DType::Bool, ys);
        kernels::compare_reference(op, t, kshape(ys), kshape(sa), a.data(), kshape(sb), b.data(), want.data());
        SCOPED_TRACE(std::string(name) + " " + dtype_name(t));
        expect_result(run_op(name, {a, b}), DType::Bool, want);
      }
    }
  }
}

TEST(ElementwiseOps, WhereBroadcastsThreeOperands) {
  const std::vector<Dims> patterns[] = {{{2, 3}, {2, 3}, {2, 3}}, {{2, 1}, {3}, {}}, {{3}, {4, 1}, {1, 3}},
                                        {{}, {2, 2}, {2, 2}},     {{2, 1, 3}, {4, 1}, {3}}};
  for (const auto& s : patterns) {
    for (DType t : {DType::F32, DType::I64, DType::U8, DType::Bool}) {
      Operand c = random_operand(DType::Bool, s[0], 16), a = random_operand(t, s[1], 17), b = random_operand(t, s[2], 18);
      Dims ys = broadcast(s);
      std::vector<uint8_t> want = zeros(t, ys);
      kernels::where_reference(dtype_size(t), kshape(ys), kshape(s[0]), c.bytes.data(), kshape(s[1]), a.data(),
                               kshape(s[2]), b.data(), want.data());
      SCOPED_TRACE(dtype_name(t));
      expect_result(run_op("Where", {c, a, b}), t, want);
    }
  }
}

//===----------------------------------------------------------------------===//
// Variadic Sum / Mean / Max / Min
//===----------------------------------------------------------------------===//

TEST(ElementwiseOps, VariadicFoldsAndTheirInstructions) {
  const std::pair<const char*, kernels::NaryOp> ops[] = {{"Sum", kernels::NaryOp::Sum},
                                                         {"Mean", kernels::NaryOp::Mean},
                                                         {"Max", kernels::NaryOp::Max},
                                                         {"Min", kernels::NaryOp::Min}};
  const std::vector<Dims> shapes = {{2, 3, 4}, {4}, {3, 1}, {1, 1, 4}, {}};
  for (auto [name, op] : ops) {
    for (DType t : {DType::F32, DType::I32, DType::I64}) {
      if (!kernels::nary_supports(op, t)) continue;
      for (size_t n = 1; n <= shapes.size(); ++n) {
        std::vector<Operand> in;
        std::vector<kernels::Shape> ks;
        std::vector<const void*> data;
        for (size_t i = 0; i < n; ++i) in.push_back(random_operand(t, shapes[i], uint32_t(20 + i)));
        for (const Operand& o : in) ks.push_back(kshape(o.shape)), data.push_back(o.data());
        std::vector<Dims> dims;
        for (const Operand& o : in) dims.push_back(o.shape);
        Dims ys = broadcast(dims);
        std::vector<uint8_t> want = in[0].bytes;
        if (n > 1) {
          want = zeros(t, ys);
          kernels::nary_reference(op, t, kshape(ys), int(n), ks.data(), data.data(), want.data());
        }
        SCOPED_TRACE(std::string(name) + " " + dtype_name(t) + " n=" + std::to_string(n));
        expect_result(run_op(name, in), t, want);
        std::vector<isa::Instr> code = compiled(name, in);
        ASSERT_EQ(code.size(), 1u);
        isa::Opcode expect = n == 1 ? isa::Opcode::MOV
                             : n == 2 && op != kernels::NaryOp::Mean ? isa::Opcode::BINARY
                                                                      : isa::Opcode::NARY;
        EXPECT_EQ(code[0].op, expect);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Selection, folding and messages
//===----------------------------------------------------------------------===//

TEST(ElementwiseOps, KindsTravelInTheImmediate) {
  Operand x = random_operand(DType::F32, {4}, 30), y = random_operand(DType::F32, {4}, 31);
  std::vector<isa::Instr> code = compiled("Sqrt", {x});
  ASSERT_EQ(code.size(), 1u);
  EXPECT_EQ(code[0].op, isa::Opcode::UNARY);
  EXPECT_EQ(code[0].d, uint32_t(UnaryOp::Sqrt));
  code = compiled("Mod", {x, y}, {{"fmod", int64_t(1)}});
  EXPECT_EQ(code[0].op, isa::Opcode::BINARY);
  EXPECT_EQ(code[0].d, uint32_t(BinaryOp::Fmod));
  code = compiled("LessOrEqual", {x, y});
  EXPECT_EQ(code[0].op, isa::Opcode::COMPARE);
  EXPECT_EQ(code[0].d, uint32_t(CompareOp::LessOrEqual));
}

TEST(ElementwiseOps, AllConstantInputsFoldAtCompileTime) {
  Operand a = random_operand(DType::F32, {3}, 32), b = random_operand(DType::F32, {3}, 33);
  a.kind = b.kind = Operand::Constant;
  EXPECT_TRUE(compiled("Add", {a, b}).empty());
  EXPECT_TRUE(compiled("Cast", {a}, {{"to", int64_t(7)}}).empty());
  std::vector<uint8_t> want = zeros(DType::F32, {3});
  kernels::binary_reference(BinaryOp::Mul, DType::F32, kshape({3}), kshape({3}), a.data(), kshape({3}), b.data(),
                            want.data());
  expect_result(run_op("Mul", {a, b}), DType::F32, want);
}

TEST(ElementwiseOps, CompileErrorsNameWhatIsMissing) {
  Operand i = random_operand(DType::I32, {3}, 34), f = random_operand(DType::F32, {3}, 35);
  Operand b = random_operand(DType::Bool, {3}, 36);
  EXPECT_NE(compile_error("Sqrt", {i}).find("Sqrt on dtype i32 is not supported"), std::string::npos);
  EXPECT_NE(compile_error("LeakyRelu", {i}).find("LeakyRelu on dtype i32"), std::string::npos);
  EXPECT_NE(compile_error("Not", {i}).find("Not on dtype i32"), std::string::npos);
  EXPECT_NE(compile_error("And", {i, i}).find("And on dtype i32"), std::string::npos);
  EXPECT_NE(compile_error("BitwiseAnd", {b, b}).find("BitwiseAnd on dtype bool"), std::string::npos);
  // A numeric exponent of another dtype is cast (compiler/passes/operand_casts.cc); bool is not.
  EXPECT_NE(compile_error("Pow", {f, b}).find("Pow with a bool exponent on a f32 base"), std::string::npos);
  EXPECT_NE(compile_error("Add", {f, i}).find("they must agree"), std::string::npos);
  EXPECT_NE(compile_error("Add", {f, random_operand(DType::F32, {4}, 37)}).find("do not broadcast"), std::string::npos);
  EXPECT_NE(compile_error("Where", {f, f, f}).find("condition has dtype f32"), std::string::npos);
  EXPECT_NE(compile_error("Gelu", {f}, {{"approximate", std::string("erf")}}).find("approximate='erf'"),
            std::string::npos);
  EXPECT_NE(compile_error("Mean", {i, i}).find("Mean on dtype i32"), std::string::npos);
  EXPECT_NE(compile_error("Clip", {f, random_operand(DType::F32, {2}, 38)}).find("min must hold one element"),
            std::string::npos);
}

TEST(ElementwiseOps, VerifierRejectsWithClearMessages) {
  // y is a constant, so its register (r2: input r0, output r1, then y) is not in the signature.
  Operand x = random_operand(DType::F32, {4}, 40), y = random_operand(DType::F32, {4}, 41);
  y.kind = Operand::Constant;
  format::BundleDesc unary = testing::compile_op({"Exp", {x}});
  format::BundleDesc binary = testing::compile_op({"Add", {x, y}});
  format::BundleDesc nary = testing::compile_op({"Sum", {x, y, x}});
  auto set_d = [](uint32_t d) {
    return [d](format::FunctionDesc& f) {
      isa::Instr in = isa::decode(f.code[0]);
      in.d = d;
      f.code[0] = isa::encode(in);
    };
  };
  auto expect_message = [](const std::string& got, const std::string& want) {
    EXPECT_NE(got.find(want), std::string::npos) << got;
  };
  expect_message(load_edited(unary, set_d(99)), "(unary): unary kind #99 is not defined");
  expect_message(load_edited(binary, set_d(uint32_t(BinaryOp::And))), "and does not take dtype f32");
  expect_message(load_edited(binary, [](format::FunctionDesc& f) { f.registers[2].dtype = DType::I32; }),
                 "operand C=r2 has dtype i32, A=r1 has f32; they must agree");
  expect_message(load_edited(binary, [](format::FunctionDesc& f) { f.registers[2].shape = {2, 2}; }),
                 "shapes [4] and [2,2] do not broadcast");
  expect_message(load_edited(nary, [](format::FunctionDesc& f) { f.attrs.resize(2); }),
                 "expected [kind, r_1..r_n] with 2 <= n <= 64");
  expect_message(load_edited(nary, [](format::FunctionDesc& f) { f.attrs[0] = 7; }), "nary kind #7 is not defined");
  expect_message(load_edited(nary, [](format::FunctionDesc& f) { f.attrs[2] = 99; }), "register 99 out of range");
  EXPECT_EQ(load_edited(nary, [](format::FunctionDesc&) {}), "OK");
}

}  // namespace
}  // namespace aivm
