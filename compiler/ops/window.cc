// 2-D windows over NCHW: Conv, MaxPool and AveragePool.
#include "compiler/ops/op_util.h"
#include <algorithm>

namespace aivm::compiler {
namespace {

using isa::Opcode;

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

void infer_avgpool(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  isa::Window2d win = pool_window(ctx);
  const auto& x = ctx.input(0).shape;
  ctx.set_output(0, DType::F32, window_output(ctx, x, x[1], win, ctx.attr_int("ceil_mode", 0) != 0));
}

void select_avgpool(OpContext& ctx, Selection* s) {
  isa::AvgPoolAttrs p{};
  p.window = pool_window(ctx);
  p.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
  s->opcode = Opcode::AVGPOOL;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(p);
}

}  // namespace

std::span<const OpRule> window_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Conv", infer_conv, select_conv},
      {"MaxPool", infer_maxpool, select_maxpool},
      {"AveragePool", infer_avgpool, select_avgpool},
  };
  return kRules;
}
}  // namespace aivm::compiler
