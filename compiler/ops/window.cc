// Windows over NC...: Conv (1-D, 2-D), MaxPool, AveragePool and LpPool (any spatial rank).
#include "compiler/ops/op_util.h"
#include "kernels/pool/pool.h"
#include <algorithm>
#include <climits>

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
  c.group = int32_t(ctx.attr_int("group", 1));
  c.window = conv_window(ctx);
  c.act = fused_activation(ctx);
  s->opcode = Opcode::CONV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(c);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

// Pooling: MaxPool and AveragePool over 1 or 2 spatial axes select the 2-D instructions (their
// fast paths); other ranks and LpPool select POOL, the N-D window (kernels/pool pool_nd_f32).
struct PoolPlan {
  WindowGeom geom;
  std::vector<int64_t> out;
};

PoolPlan plan_pool(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, DType::F32);
  const auto& x = ctx.input(0).shape;
  if (x.size() < 3) ctx.fail("pooling needs an [N, C, spatial...] input");
  kshape(ctx, x);
  PoolPlan p;
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

// POOL's record: the header, then one WindowAxis per spatial axis.
std::vector<int32_t> pool_nd_record(const OpContext& ctx, kernels::PoolKind kind, const WindowGeom& g) {
  isa::PoolNdAttrs h{};
  h.kind = int32_t(kind);
  h.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
  h.p = kind == kernels::PoolKind::Lp ? int32_t(std::min<int64_t>(ctx.attr_int("p", 2), INT32_MAX)) : 0;
  h.spatial_rank = int32_t(g.kernel.size());
  std::vector<int32_t> rec = words_of(h);
  for (size_t k = 0; k < g.kernel.size(); ++k) {
    isa::WindowAxis a{int32_t(g.kernel[k]), int32_t(g.stride[k]), int32_t(g.pad_begin[k]), int32_t(g.pad_end[k]),
                      int32_t(g.dilation[k])};
    std::vector<int32_t> w = words_of(a);
    rec.insert(rec.end(), w.begin(), w.end());
  }
  return rec;
}

template <kernels::PoolKind kKind>
void select_pool(OpContext& ctx, Selection* s) {
  PoolPlan p = plan_pool(ctx);
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

}  // namespace

std::span<const OpRule> window_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Conv", infer_conv, select_conv},
      {"MaxPool", infer_pool<kernels::PoolKind::Max>, select_pool<kernels::PoolKind::Max>},
      {"AveragePool", infer_pool<kernels::PoolKind::Average>, select_pool<kernels::PoolKind::Average>},
      {"LpPool", infer_pool<kernels::PoolKind::Lp>, select_pool<kernels::PoolKind::Lp>},
  };
  return kRules;
}
}  // namespace aivm::compiler
