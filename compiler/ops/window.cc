// Windows over NC...: Conv (1-D, 2-D), MaxPool, AveragePool and LpPool (any spatial rank),
// ConvTranspose and Col2Im (any spatial rank).
#include "compiler/ops/op_util.h"
#include "kernels/pool/pool.h"
#include <algorithm>
#include <climits>
#include <cstdlib>

namespace aivm::compiler {
namespace {

using isa::Opcode;

// A window's geometry per spatial axis, attributes resolved (explicit pads or auto_pad).
struct WindowGeom {
  std::vector<int64_t> kernel, stride, pad_begin, pad_end, dilation;
};

WindowGeom window_geom(const OpContext& ctx, const std::vector<int64_t>& in, const std::vector<int64_t>& k) {
  const size_t r = in.size();
  WindowGeom g;
  g.kernel = k;
  g.stride = ctx.attr_ints("strides", std::vector<int64_t>(r, 1));
  g.dilation = ctx.attr_ints("dilations", std::vector<int64_t>(r, 1));
  auto pads = ctx.attr_ints("pads", std::vector<int64_t>(2 * r, 0));
  if (k.size() != r || g.stride.size() != r || g.dilation.size() != r || pads.size() != 2 * r)
    ctx.fail("kernel_shape, strides, dilations and pads must give every one of the " + std::to_string(r) +
             " spatial axes");
  std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < r; ++i) {
      if (g.stride[i] < 1) ctx.fail("strides must be >= 1");
      int64_t out = (in[i] + g.stride[i] - 1) / g.stride[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * g.stride[i] + g.dilation[i] * (k[i] - 1) + 1 - in[i]);
      int64_t small = total / 2, large = total - small;
      pads[i] = auto_pad == "SAME_UPPER" ? small : large;
      pads[i + r] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad == "VALID") {
    pads.assign(2 * r, 0);
  } else if (auto_pad != "NOTSET") {
    ctx.fail("auto_pad '" + auto_pad + "' is not defined");
  }
  g.pad_begin.assign(pads.begin(), pads.begin() + long(r));
  g.pad_end.assign(pads.begin() + long(r), pads.end());
  for (size_t i = 0; i < r; ++i)
    if (k[i] < 1 || g.stride[i] < 1 || g.dilation[i] < 1 || g.pad_begin[i] < 0 || g.pad_end[i] < 0 ||
        std::max({k[i], g.stride[i], g.dilation[i], g.pad_begin[i], g.pad_end[i]}) > INT32_MAX)
      ctx.fail("invalid window: kernel, strides and dilations must be >= 1, pads >= 0, all within int32");
  return g;
}

// The 2-D record for a 1-D or 2-D window. A 1-D window is the 2-D record with a trivial
// height (kernel 1, stride 1, no padding over an extent of 1): the VM views a [N, C, W] tensor
// as [N, C, 1, W], so the same kernels serve both.
isa::Window2d window_of(const OpContext& ctx, const std::vector<int64_t>& in, const std::vector<int64_t>& k) {
  WindowGeom g = window_geom(ctx, in, k);
  const size_t r = in.size(), h = 0, w = r - 1;
  if (r != 1 && r != 2) ctx.fail("only 1-D and 2-D windows are supported here");
  const bool one_d = r == 1;
  isa::Window2d win{};
  win.kernel_h = one_d ? 1 : int32_t(g.kernel[h]);
  win.kernel_w = int32_t(g.kernel[w]);
  win.stride_h = one_d ? 1 : int32_t(g.stride[h]);
  win.stride_w = int32_t(g.stride[w]);
  win.pad_top = one_d ? 0 : int32_t(g.pad_begin[h]);
  win.pad_left = int32_t(g.pad_begin[w]);
  win.pad_bottom = one_d ? 0 : int32_t(g.pad_end[h]);
  win.pad_right = int32_t(g.pad_end[w]);
  win.dilation_h = one_d ? 1 : int32_t(g.dilation[h]);
  win.dilation_w = int32_t(g.dilation[w]);
  return win;
}

// [N, channels, spatial...] for a 1-D ([N, C, W]) or 2-D input.
std::vector<int64_t> window_output(const OpContext& ctx, const std::vector<int64_t>& x, int64_t channels,
                                   const isa::Window2d& w, bool ceil_mode) {
  const bool one_d = x.size() == 3;
  int64_t oh = isa::window_out_extent(one_d ? 1 : x[2], w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom, w.dilation_h,
                                      ceil_mode);
  int64_t ow = isa::window_out_extent(x.back(), w.kernel_w, w.stride_w, w.pad_left, w.pad_right, w.dilation_w, ceil_mode);
  if (oh < 1 || ow < 1) ctx.fail("the window does not fit the input " + dims_str(x));
  if (one_d) return {x[0], channels, ow};
  return {x[0], channels, oh, ow};
}

// The spatial extents of a 1-D or 2-D NC... tensor.
std::vector<int64_t> spatial_of(const std::vector<int64_t>& x) { return {x.begin() + 2, x.end()}; }

isa::Window2d conv_window(const OpContext& ctx) {
  const auto &x = ctx.input(0).shape, &w = ctx.input(1).shape;
  if ((x.size() != 3 && x.size() != 4) || w.size() != x.size())
    ctx.fail("only 1-D and 2-D convolution (3-D or 4-D input and weights) is supported");
  std::vector<int64_t> wk = spatial_of(w);
  if (ctx.attr_ints("kernel_shape", wk) != wk) ctx.fail("kernel_shape disagrees with the weights");
  return window_of(ctx, spatial_of(x), wk);
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
  c.residual = isa::kNoRegister;
  c.group = int32_t(ctx.attr_int("group", 1));
  c.window = conv_window(ctx);
  c.act = fused_activation(ctx);
  // Set by compiler/passes/concat_in_place.cc: this conv fills a slice of a Concat's output.
  c.out_channel_offset = int32_t(ctx.attr_int("__out_channel_offset", 0));
  s->opcode = Opcode::CONV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(c);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
  // A residual Add fused by compiler/passes/residual_add.cc.
  if (ctx.num_inputs() > 3 && ctx.has_input(3))
    s->record_regs.push_back({int(offsetof(isa::ConvAttrs, residual) / sizeof(int32_t)), ctx.instr().inputs[3]});
}

// Pooling: MaxPool and AveragePool over 1 or 2 spatial axes select the 2-D instructions (their
// fast paths); other ranks and LpPool select POOL, the N-D window (kernels/pool pool_nd_f32).
// A resolved window and the output shape it gives (pooling, ConvTranspose, Col2Im).
struct WindowPlan {
  WindowGeom geom;
  std::vector<int64_t> out;
};

WindowPlan plan_pool(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, DType::F32);
  const auto& x = ctx.input(0).shape;
  if (x.size() < 3) ctx.fail("pooling needs an [N, C, spatial...] input");
  kshape(ctx, x);
  WindowPlan p;
  p.geom = window_geom(ctx, spatial_of(x), ctx.attr_ints("kernel_shape", {}));
  const bool ceil_mode = ctx.attr_int("ceil_mode", 0) != 0;
  p.out = {x[0], x[1]};
  for (size_t k = 0; k + 2 < x.size(); ++k) {
    const WindowGeom& g = p.geom;
    int64_t o = isa::window_out_extent(x[k + 2], g.kernel[k], g.stride[k], g.pad_begin[k], g.pad_end[k],
                                       g.dilation[k], ceil_mode);
    if (o < 1) ctx.fail("the window does not fit the input " + dims_str(x));
    p.out.push_back(o);
  }
  return p;
}

bool pool_is_2d(const OpContext& ctx) { return ctx.input(0).shape.size() <= 4; }

template <kernels::PoolKind kKind>
void infer_pool(OpContext& ctx) {
  if (kKind == kernels::PoolKind::Max) {
    if (ctx.instr().outputs.size() > 1) ctx.fail("the Indices output is not supported");
    if (ctx.attr_int("storage_order", 0) != 0) ctx.fail("storage_order=1 is not supported");
  }
  require_single_output(ctx);
  if (kKind == kernels::PoolKind::Lp && ctx.attr_int("p", 2) < 1) ctx.fail("p must be >= 1");
  ctx.set_output(0, DType::F32, plan_pool(ctx).out);
}

// The record tail: one WindowAxis per spatial axis (pad_end clamped to >= 0: the output extent
// is in the register table, the tail end padding only documents it).
void append_window_axes(const WindowGeom& g, std::vector<int32_t>* rec) {
  for (size_t k = 0; k < g.kernel.size(); ++k) {
    isa::WindowAxis a{int32_t(g.kernel[k]), int32_t(g.stride[k]), int32_t(g.pad_begin[k]),
                      int32_t(std::clamp<int64_t>(g.pad_end[k], 0, INT32_MAX)), int32_t(g.dilation[k])};
    std::vector<int32_t> w = words_of(a);
    rec->insert(rec->end(), w.begin(), w.end());
  }
}

// POOL's record: the header, then one WindowAxis per spatial axis.
std::vector<int32_t> pool_nd_record(const OpContext& ctx, kernels::PoolKind kind, const WindowGeom& g) {
  isa::PoolNdAttrs h{};
  h.kind = int32_t(kind);
  h.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
  h.p = kind == kernels::PoolKind::Lp ? int32_t(std::min<int64_t>(ctx.attr_int("p", 2), INT32_MAX)) : 0;
  h.spatial_rank = int32_t(g.kernel.size());
  std::vector<int32_t> rec = words_of(h);
  append_window_axes(g, &rec);
  return rec;
}

template <kernels::PoolKind kKind>
void select_pool(OpContext& ctx, Selection* s) {
  WindowPlan p = plan_pool(ctx);
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  if (kKind == kernels::PoolKind::Lp || !pool_is_2d(ctx)) {
    s->opcode = Opcode::POOL;
    s->record = pool_nd_record(ctx, kKind, p.geom);
    return;
  }
  const auto& x = ctx.input(0).shape;
  isa::Window2d win = window_of(ctx, spatial_of(x), ctx.attr_ints("kernel_shape", {}));
  if (kKind == kernels::PoolKind::Max) {
    s->opcode = Opcode::MAXPOOL;
    s->record = words_of(isa::PoolAttrs{win});
  } else {
    isa::AvgPoolAttrs a{};
    a.window = win;
    a.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
    s->opcode = Opcode::AVGPOOL;
    s->record = words_of(a);
  }
}

//===----------------------------------------------------------------------===//
// ConvTranspose and Col2Im: N-D windows read backwards (kernels/conv col2im)
//===----------------------------------------------------------------------===//

// Floor division (Python's //): ONNX's padding split for a negative total rounds down.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ONNX ConvTranspose's output extents and padding, step by step as its reference resolves them.
// (pad_begin may come out negative: an output_shape past the natural extent.)
WindowPlan plan_conv_transpose(const OpContext& ctx) {
  ctx.require_inputs(2, 3);
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) ctx.require_dtype(i, DType::F32);
  const auto &x = ctx.input(0).shape, &w = ctx.input(1).shape;
  if (x.size() < 3 || w.size() != x.size()) ctx.fail("input and weights must be [N, C, spatial...] of one rank");
  kshape(ctx, x);
  const size_t r = x.size() - 2;
  const int64_t group = ctx.attr_int("group", 1);
  if (group < 1 || x[1] % group != 0 || w[0] != x[1])
    ctx.fail("input channels " + std::to_string(x[1]) + ", weights " + dims_str(w) + " and group " +
             std::to_string(group) + " are inconsistent");
  std::vector<int64_t> k = spatial_of(w);
  if (ctx.attr_ints("kernel_shape", k) != k) ctx.fail("kernel_shape disagrees with the weights");
  WindowPlan p;
  WindowGeom& g = p.geom;
  g.kernel = k;
  g.stride = ctx.attr_ints("strides", std::vector<int64_t>(r, 1));
  g.dilation = ctx.attr_ints("dilations", std::vector<int64_t>(r, 1));
  auto out_pad = ctx.attr_ints("output_padding", std::vector<int64_t>(r, 0));
  auto out_shape = ctx.attr_ints("output_shape", {});
  if (out_shape.size() == r + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (g.stride.size() != r || g.dilation.size() != r || out_pad.size() != r || (!out_shape.empty() && out_shape.size() != r))
    ctx.fail("strides, dilations, output_padding and output_shape must give every spatial axis");
  std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (!same && auto_pad != "NOTSET" && auto_pad != "VALID") ctx.fail("auto_pad '" + auto_pad + "' is not defined");
  std::vector<int64_t> pads = ctx.attr_ints("pads", {});
  if (!ctx.has_attr("pads") && !same) pads.assign(2 * r, 0);
  p.out = {x[0], w[1] * group};
  g.pad_begin.resize(r), g.pad_end.resize(r);
  for (size_t i = 0; i < r; ++i) {
    if (k[i] < 1 || g.stride[i] < 1 || g.dilation[i] < 1) ctx.fail("kernel, strides and dilations must be >= 1");
    const int64_t natural = g.stride[i] * (x[i + 2] - 1) + out_pad[i] + (k[i] - 1) * g.dilation[i] + 1;
    int64_t o;
    if (pads.empty()) {  // SAME_*: pads follow from the target extent
      o = out_shape.empty() ? x[i + 2] * g.stride[i] : out_shape[i];
      int64_t total = natural - o, half = floor_div(total, 2);
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      g.pad_end[i] = total - g.pad_begin[i];
    } else {
      if (pads.size() != 2 * r) ctx.fail("pads must give a begin and an end per spatial axis");
      g.pad_begin[i] = pads[i], g.pad_end[i] = pads[i + r];
      o = out_shape.empty() ? natural - pads[i] - pads[i + r] : out_shape[i];
    }
    if (o < 0) ctx.fail("the output extent of spatial axis " + std::to_string(i) + " is negative");
    if (std::max({k[i], g.stride[i], g.dilation[i], std::abs(g.pad_begin[i])}) > INT32_MAX)
      ctx.fail("window geometry exceeds int32");
    p.out.push_back(o);
  }
  return p;
}

void infer_conv_transpose(OpContext& ctx) {
  require_single_output(ctx);
  WindowPlan p = plan_conv_transpose(ctx);
  if (ctx.has_input(2) && ctx.input(2).shape != std::vector<int64_t>{p.out[1]})
    ctx.fail("bias must have shape [" + std::to_string(p.out[1]) + "]");
  ctx.set_output(0, DType::F32, p.out);
}

void select_conv_transpose(OpContext& ctx, Selection* s) {
  WindowPlan p = plan_conv_transpose(ctx);
  isa::ConvTransposeAttrs h{isa::kNoRegister, int32_t(ctx.attr_int("group", 1)), int32_t(p.geom.kernel.size())};
  s->opcode = Opcode::CONV_TRANSPOSE;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(h);
  append_window_axes(p.geom, &s->record);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

WindowPlan plan_col2im(const OpContext& ctx) {
  ctx.require_inputs(3, 3);
  ctx.require_dtype(0, DType::F32);
  const auto& x = ctx.input(0).shape;
  const Tensor *image = ctx.constant_input(1), *block = ctx.constant_input(2);
  if (!image) ctx.fail("image_shape must be a constant (the output shape depends on it)");
  if (!block) ctx.fail("block_shape must be a constant (the output shape depends on it)");
  std::vector<int64_t> img, blk;
  for (int64_t i = 0; i < image->num_elements(); ++i) img.push_back(image->int_at(i));
  for (int64_t i = 0; i < block->num_elements(); ++i) blk.push_back(block->int_at(i));
  if (x.size() != 3 || img.empty() || blk.size() != img.size()) ctx.fail("input must be [N, C * block, L] with one block extent per image axis");
  WindowPlan p;
  p.geom = window_geom(ctx, img, blk);
  int64_t taps = 1, cols = 1;
  for (size_t k = 0; k < img.size(); ++k) {
    const WindowGeom& g = p.geom;
    int64_t blocks = isa::window_out_extent(img[k], blk[k], g.stride[k], g.pad_begin[k], g.pad_end[k], g.dilation[k]);
    if (blocks < 1) ctx.fail("the block does not fit image axis " + std::to_string(k));
    taps *= blk[k], cols *= blocks;
  }
  if (x[1] % taps != 0 || x[2] != cols)
    ctx.fail("input " + dims_str(x) + " does not hold " + std::to_string(cols) + " blocks of " + std::to_string(taps));
  p.out = {x[0], x[1] / taps};
  p.out.insert(p.out.end(), img.begin(), img.end());
  kshape(ctx, p.out);
  return p;
}

void infer_col2im(OpContext& ctx) {
  require_single_output(ctx);
  ctx.set_output(0, DType::F32, plan_col2im(ctx).out);
}

void select_col2im(OpContext& ctx, Selection* s) {
  WindowPlan p = plan_col2im(ctx);
  s->opcode = Opcode::COL2IM;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(isa::Col2ImAttrs{int32_t(p.geom.kernel.size())});
  append_window_axes(p.geom, &s->record);
}

}  // namespace

std::span<const OpRule> window_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Conv", infer_conv, select_conv},
      {"MaxPool", infer_pool<kernels::PoolKind::Max>, select_pool<kernels::PoolKind::Max>},
      {"AveragePool", infer_pool<kernels::PoolKind::Average>, select_pool<kernels::PoolKind::Average>},
      {"LpPool", infer_pool<kernels::PoolKind::Lp>, select_pool<kernels::PoolKind::Lp>},
      {"ConvTranspose", infer_conv_transpose, select_conv_transpose},
      {"Col2Im", infer_col2im, select_col2im},
  };
  return kRules;
}
}  // namespace aivm::compiler
