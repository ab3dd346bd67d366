// The operator table: shape inference and instruction selection per ONNX operator.
#include "compiler/ops/op_rules.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "isa/attrs.h"
#include "isa/shape_rules.h"

namespace aivm::compiler {

//===----------------------------------------------------------------------===//
// OpContext
//===----------------------------------------------------------------------===//

const Value& OpContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required");
  return f_.values[size_t(in_.inputs[i])];
}

const Tensor* OpContext::constant_input(size_t i) const { return has_input(i) ? f_.constant_of(in_.inputs[i]) : nullptr; }

Value& OpContext::output(size_t i) { return f_.values[size_t(in_.outputs[i])]; }

int OpContext::opset() const { return int(attr_int("__opset", 17)); }

int64_t OpContext::attr_int(const std::string& name, int64_t def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  fail("attribute '" + name + "' must be an integer");
}

float OpContext::attr_float(const std::string& name, float def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return float(*v);
  fail("attribute '" + name + "' must be a float");
}

std::string OpContext::attr_string(const std::string& name, const std::string& def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  fail("attribute '" + name + "' must be a string");
}

std::vector<int64_t> OpContext::attr_ints(const std::string& name, const std::vector<int64_t>& def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  fail("attribute '" + name + "' must be a list of integers");
}

void OpContext::require_inputs(size_t min, size_t max) const {
  if (in_.inputs.size() < min || in_.inputs.size() > max)
    fail("takes " + std::to_string(min) + (min == max ? "" : ".." + std::to_string(max)) + " inputs, got " +
         std::to_string(in_.inputs.size()));
  for (size_t i = 0; i < min; ++i) input(i);
}

void OpContext::require_dtype(size_t i, DType dtype) const {
  if (input(i).dtype != dtype)
    fail(std::string("input ") + std::to_string(i) + " has dtype " + dtype_name(input(i).dtype) + "; only " +
         dtype_name(dtype) + " is supported");
}

void OpContext::set_output(size_t i, DType dtype, std::vector<int64_t> shape) {
  if (i >= in_.outputs.size()) return;
  Value& v = output(i);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
}

namespace {

using isa::Opcode;

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

int64_t normalize_axis(const OpContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) ctx.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

void require_single_output(OpContext& ctx) {
  if (ctx.instr().outputs.size() != 1) ctx.fail("only the first output is supported");
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

void infer_unary(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
}

template <Opcode kOp>
void select_unary(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

void infer_binary(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  std::vector<int64_t> out;
  if (!isa::broadcast_shapes(ctx.input(0).shape, ctx.input(1).shape, &out))
    ctx.fail("shapes " + dims_str(ctx.input(0).shape) + " and " + dims_str(ctx.input(1).shape) + " do not broadcast");
  ctx.set_output(0, DType::F32, out);
}

template <Opcode kOp>
void select_binary(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
}

//===----------------------------------------------------------------------===//
// Moves: Identity, Dropout (inference), Flatten, Reshape and the lowering's join copies
//===----------------------------------------------------------------------===//

void select_mov(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::MOV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

void infer_identity(OpContext& ctx) {
  ctx.require_inputs(1, 3);  // Dropout's ratio and training_mode inputs are ignored at inference
  if (ctx.instr().outputs.size() > 1) ctx.fail("Dropout's mask output is not supported");
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
}

void infer_flatten(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const auto& shape = ctx.input(0).shape;
  int64_t rank = int64_t(shape.size());
  int64_t axis = ctx.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) ctx.fail("axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= shape[size_t(i)];
  ctx.set_output(0, ctx.input(0).dtype, {outer, inner});
}

void infer_reshape(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  const Tensor* spec = ctx.constant_input(1);
  if (!spec) ctx.fail("the target shape must be a constant");
  const auto& in = ctx.input(0).shape;
  bool allow_zero = ctx.attr_int("allowzero", 0) != 0;
  std::vector<int64_t> out;
  int64_t known = 1, infer_at = -1, total = 1;
  for (int64_t d : in) total *= d;
  for (int64_t i = 0; i < spec->num_elements(); ++i) {
    int64_t d = spec->int_at(i);
    if (d == 0 && !allow_zero) {
      if (size_t(i) >= in.size()) ctx.fail("shape entry 0 copies a dimension the input does not have");
      d = in[size_t(i)];
    }
    if (d == -1) {
      if (infer_at >= 0) ctx.fail("more than one -1 in the target shape");
      infer_at = i;
      out.push_back(1);
      continue;
    }
    if (d < 0) ctx.fail("negative dimension " + std::to_string(d) + " in the target shape");
    known *= d;
    out.push_back(d);
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) ctx.fail("cannot infer the -1 dimension of the target shape");
    out[size_t(infer_at)] = total / known;
  } else if (known != total) {
    ctx.fail("reshape from " + dims_str(in) + " to " + dims_str(out) + " changes the element count");
  }
  ctx.set_output(0, ctx.input(0).dtype, out);
}

//===----------------------------------------------------------------------===//
// Softmax, MatMul, Gemm
//===----------------------------------------------------------------------===//

void infer_softmax(OpContext& ctx) {
  infer_unary(ctx);
  int64_t rank = int64_t(ctx.input(0).shape.size());
  int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", ctx.opset() >= 13 ? -1 : 1), rank);
  // Before opset 13 Softmax flattens to 2-D at |axis|; that equals the per-axis form only when
  // axis is the last one.
  if (ctx.opset() < 13 && axis != rank - 1) ctx.fail("opset < 13 Softmax over a non-last axis is not supported yet");
}

void select_softmax(OpContext& ctx, Selection* s) {
  int64_t rank = int64_t(ctx.input(0).shape.size());
  s->opcode = Opcode::SOFTMAX;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(normalize_axis(ctx, ctx.attr_int("axis", ctx.opset() >= 13 ? -1 : 1), rank));
}

void infer_matmul(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  std::vector<int64_t> out;
  if (!isa::matmul_shape(ctx.input(0).shape, ctx.input(1).shape, &out))
    ctx.fail("shapes " + dims_str(ctx.input(0).shape) + " and " + dims_str(ctx.input(1).shape) + " cannot be multiplied");
  ctx.set_output(0, DType::F32, out);
}

isa::ActivationAttrs fused_activation(const OpContext& ctx) {
  // Set by the fusion pass (compiler/passes/fuse_activation.cc) as reserved attributes.
  isa::ActivationAttrs a{};
  a.kind = int32_t(ctx.attr_int("__act", 0));
  a.p0_bits = isa::float_bits(ctx.attr_float("__act_p0", 0.f));
  a.p1_bits = isa::float_bits(ctx.attr_float("__act_p1", 0.f));
  return a;
}

template <typename T>
std::vector<int32_t> words_of(const T& rec) {
  std::vector<int32_t> w(isa::kAttrWords<T>);
  std::memcpy(w.data(), &rec, sizeof(T));
  return w;
}

void infer_gemm(OpContext& ctx) {
  ctx.require_inputs(2, 3);
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) ctx.require_dtype(i, DType::F32);
  const auto &a = ctx.input(0).shape, &b = ctx.input(1).shape;
  if (a.size() != 2 || b.size() != 2) ctx.fail("Gemm operands must be 2-D");
  bool ta = ctx.attr_int("transA", 0) != 0, tb = ctx.attr_int("transB", 0) != 0;
  int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (k != kb) ctx.fail("inner dimensions differ: " + dims_str(a) + " and " + dims_str(b));
  if (ctx.has_input(2)) {
    std::vector<int64_t> out;
    const auto& c = ctx.input(2).shape;
    if (c.size() > 2 || !isa::broadcast_shapes(c, {m, n}, &out) || out != std::vector<int64_t>{m, n})
      ctx.fail("C of shape " + dims_str(c) + " does not broadcast to [" + std::to_string(m) + "," + std::to_string(n) + "]");
  }
  ctx.set_output(0, DType::F32, {m, n});
}

void select_gemm(OpContext& ctx, Selection* s) {
  isa::GemmAttrs g{};
  g.bias = isa::kNoRegister;
  g.trans_a = int32_t(ctx.attr_int("transA", 0));
  g.trans_b = int32_t(ctx.attr_int("transB", 0));
  g.alpha_bits = isa::float_bits(ctx.attr_float("alpha", 1.f));
  g.beta_bits = isa::float_bits(ctx.attr_float("beta", 1.f));
  g.act = fused_activation(ctx);
  s->opcode = Opcode::GEMM;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(g);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

//===----------------------------------------------------------------------===//
// Conv and MaxPool: 2-D windows over NCHW
//===----------------------------------------------------------------------===//

// Resolves kernel, strides, pads (explicit or auto_pad) and dilations for a 2-D window.
isa::Window2d window_of(const OpContext& ctx, int64_t in_h, int64_t in_w, int64_t kh, int64_t kw) {
  auto strides = ctx.attr_ints("strides", {1, 1});
  auto dilations = ctx.attr_ints("dilations", {1, 1});
  auto pads = ctx.attr_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
    ctx.fail("only 2-D windows are supported (strides, dilations and pads of a 4-D input)");
  std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    int64_t in[2] = {in_h, in_w}, k[2] = {kh, kw};
    for (int i = 0; i < 2; ++i) {
      int64_t out = (in[i] + strides[size_t(i)] - 1) / strides[size_t(i)];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[size_t(i)] + dilations[size_t(i)] * (k[i] - 1) + 1 - in[i]);
      int64_t small = total / 2, large = total - small;
      pads[size_t(i)] = auto_pad == "SAME_UPPER" ? small : large;
      pads[size_t(i) + 2] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    ctx.fail("auto_pad '" + auto_pad + "' is not defined");
  }
  isa::Window2d w{};
  w.kernel_h = int32_t(kh);
  w.kernel_w = int32_t(kw);
  w.stride_h = int32_t(strides[0]);
  w.stride_w = int32_t(strides[1]);
  w.pad_top = int32_t(pads[0]);
  w.pad_left = int32_t(pads[1]);
  w.pad_bottom = int32_t(pads[2]);
  w.pad_right = int32_t(pads[3]);
  w.dilation_h = int32_t(dilations[0]);
  w.dilation_w = int32_t(dilations[1]);
  if (!isa::window_valid(w)) ctx.fail("invalid window: kernel, strides and dilations must be >= 1, pads >= 0");
  return w;
}

std::vector<int64_t> window_output(const OpContext& ctx, const std::vector<int64_t>& x, int64_t channels,
                                   const isa::Window2d& w, bool ceil_mode) {
  int64_t oh = isa::window_out_extent(x[2], w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom, w.dilation_h, ceil_mode);
  int64_t ow = isa::window_out_extent(x[3], w.kernel_w, w.stride_w, w.pad_left, w.pad_right, w.dilation_w, ceil_mode);
  if (oh < 1 || ow < 1) ctx.fail("the window does not fit the input " + dims_str(x));
  return {x[0], channels, oh, ow};
}

isa::Window2d conv_window(const OpContext& ctx) {
  const auto &x = ctx.input(0).shape, &w = ctx.input(1).shape;
  if (x.size() != 4 || w.size() != 4) ctx.fail("only 2-D convolution (4-D input and weights) is supported");
  auto ks = ctx.attr_ints("kernel_shape", {w[2], w[3]});
  if (ks.size() != 2 || ks[0] != w[2] || ks[1] != w[3]) ctx.fail("kernel_shape disagrees with the weights");
  return window_of(ctx, x[2], x[3], w[2], w[3]);
}

void infer_conv(OpContext& ctx) {
  ctx.require_inputs(2, 3);
  require_single_output(ctx);
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) ctx.require_dtype(i, DType::F32);
  isa::Window2d win = conv_window(ctx);
  const auto &x = ctx.input(0).shape, &w = ctx.input(1).shape;
  int64_t group = ctx.attr_int("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
    ctx.fail("input channels " + std::to_string(x[1]) + ", weights " + dims_str(w) + " and group " +
             std::to_string(group) + " are inconsistent");
  if (ctx.has_input(2) && ctx.input(2).shape != std::vector<int64_t>{w[0]})
    ctx.fail("bias must have shape [" + std::to_string(w[0]) + "]");
  ctx.set_output(0, DType::F32, window_output(ctx, x, w[0], win, false));
}

void select_conv(OpContext& ctx, Selection* s) {
  isa::ConvAttrs c{};
  c.bias = isa::kNoRegister;
  c.group = int32_t(ctx.attr_int("group", 1));
  c.window = conv_window(ctx);
  c.act = fused_activation(ctx);
  s->opcode = Opcode::CONV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(c);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

isa::Window2d pool_window(const OpContext& ctx) {
  const auto& x = ctx.input(0).shape;
  if (x.size() != 4) ctx.fail("only 2-D pooling (4-D input) is supported");
  auto ks = ctx.attr_ints("kernel_shape", {});
  if (ks.size() != 2) ctx.fail("kernel_shape must have 2 entries");
  return window_of(ctx, x[2], x[3], ks[0], ks[1]);
}

void infer_maxpool(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  if (ctx.instr().outputs.size() > 1) ctx.fail("the Indices output is not supported");
  ctx.require_dtype(0, DType::F32);
  if (ctx.attr_int("storage_order", 0) != 0) ctx.fail("storage_order=1 is not supported");
  isa::Window2d win = pool_window(ctx);
  const auto& x = ctx.input(0).shape;
  ctx.set_output(0, DType::F32, window_output(ctx, x, x[1], win, ctx.attr_int("ceil_mode", 0) != 0));
}

void select_maxpool(OpContext& ctx, Selection* s) {
  isa::PoolAttrs p{};
  p.window = pool_window(ctx);
  s->opcode = Opcode::MAXPOOL;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(p);
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

constexpr OpRule kRules[] = {
    {"Relu", infer_unary, select_unary<Opcode::RELU>},
    {"Sigmoid", infer_unary, select_unary<Opcode::SIGMOID>},
    {"Tanh", infer_unary, select_unary<Opcode::TANH>},
    {"Exp", infer_unary, select_unary<Opcode::EXP>},
    {"Neg", infer_unary, select_unary<Opcode::NEG>},
    {"Add", infer_binary, select_binary<Opcode::ADD>},
    {"Sub", infer_binary, select_binary<Opcode::SUB>},
    {"Mul", infer_binary, select_binary<Opcode::MUL>},
    {"Div", infer_binary, select_binary<Opcode::DIV>},
    {"Identity", infer_identity, select_mov},
    {"Dropout", infer_identity, select_mov},
    {kMovOp, infer_identity, select_mov},
    {"Flatten", infer_flatten, select_mov},
    {"Reshape", infer_reshape, select_mov},
    {"Softmax", infer_softmax, select_softmax},
    {"MatMul", infer_matmul, select_binary<Opcode::MATMUL>},
    {"Gemm", infer_gemm, select_gemm},
    {"Conv", infer_conv, select_conv},
    {"MaxPool", infer_maxpool, select_maxpool},
};

}  // namespace

const OpRule* find_op_rule(const std::string& op) {
  for (const OpRule& r : kRules)
    if (op == r.name) return &r;
  return nullptr;
}

}  // namespace aivm::compiler
