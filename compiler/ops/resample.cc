// Resampling operators: Resize (opsets 10..19+) and Upsample (7, 9), both the RESIZE
// instruction (opcodes.def note *R1, sampling defined by kernels/resample/resize.h), and
// GridSample (16, 20), the GRID_SAMPLE instruction (*R2); RoiAlign (10, 16), ROI_ALIGN (*R3).
//
// The output shape depends on scales / sizes / roi, so those must be constants. One plan
// function resolves the attributes, the per-axis scales and the output shape, following ONNX's
// reference (_interpolate_nd) step by step; infer and select both call it, so the shape and
// the emitted record cannot disagree.
#include <algorithm>
#include <cmath>

#include "compiler/ops/op_util.h"
#include "kernels/resample/grid_sample.h"
#include "kernels/resample/resize.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using kernels::ResizeCoord;
using kernels::ResizeMode;
using kernels::ResizeNearest;
using Dims = std::vector<int64_t>;

struct ResizePlan {
  isa::ResizeAttrs attrs{};
  std::vector<kernels::ResizeAxis> axes;
  Dims out;
};

template <typename Enum>
Enum enum_of(const OpContext& ctx, const char* attr, const std::string& value, std::initializer_list<const char*> names) {
  int32_t i = 0;
  for (const char* n : names) {
    if (value == n) return Enum(i);
    ++i;
  }
  ctx.fail(std::string(attr) + " '" + value + "' is not supported");
}

// The constant input |i| as doubles; empty when absent or empty (ONNX's "not given").
std::vector<double> const_doubles(const OpContext& ctx, size_t i, const char* what) {
  if (!ctx.has_input(i)) return {};
  const Tensor* t = ctx.constant_input(i);
  if (!t) ctx.fail(std::string(what) + " must be a constant (the output shape depends on it)");
  std::vector<double> v;
  for (int64_t k = 0; k < t->num_elements(); ++k) v.push_back(t->float_at(k));
  return v;
}

// Per-axis values given for |axes| only, spread over all |rank| axes (others get |fill|).
std::vector<double> spread(const OpContext& ctx, const std::vector<double>& given, const Dims& axes, size_t rank,
                           double fill, const char* what) {
  if (given.size() != axes.size())
    ctx.fail(std::string(what) + " has " + std::to_string(given.size()) + " entries, expected " +
             std::to_string(axes.size()));
  std::vector<double> all(rank, fill);
  for (size_t i = 0; i < axes.size(); ++i) all[size_t(axes[i])] = given[i];
  return all;
}

Dims resize_axes(const OpContext& ctx, size_t rank) {
  Dims axes = ctx.attr_ints("axes", {});
  if (axes.empty())
    for (size_t k = 0; k < rank; ++k) axes.push_back(int64_t(k));
  std::vector<bool> seen(rank, false);
  for (int64_t& a : axes) {
    a = normalize_axis(ctx, a, int64_t(rank));
    if (seen[size_t(a)]) ctx.fail("axes repeats axis " + std::to_string(a));
    seen[size_t(a)] = true;
  }
  return axes;
}

// Scales and output extents from sizes or scales (ONNX _interpolate_nd).
void plan_extents(const OpContext& ctx, const std::vector<double>& scales_in, const std::vector<double>& sizes_in,
                  const Dims& axes, ResizePlan* p) {
  const Dims& x = ctx.input(0).shape;
  size_t rank = x.size();
  std::vector<double> scale(rank, 1.0);
  p->out = x;
  if (!sizes_in.empty()) {
    std::vector<double> sizes = spread(ctx, sizes_in, axes, rank, 0, "sizes");
    for (size_t k = 0; k < rank; ++k) {
      if (sizes[k] < 0) ctx.fail("sizes must be >= 0");
      if (std::find(axes.begin(), axes.end(), int64_t(k)) == axes.end()) continue;
      if (x[k] == 0) ctx.fail("cannot resize the empty axis " + std::to_string(k));
      scale[k] = sizes[k] / double(x[k]);
      p->out[k] = int64_t(sizes[k]);
    }
    std::string policy = ctx.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch") {
      if (policy != "not_larger" && policy != "not_smaller") ctx.fail("keep_aspect_ratio_policy '" + policy + "' is not defined");
      double s = scale[size_t(axes[0])];
      for (int64_t a : axes) s = policy == "not_larger" ? std::min(s, scale[size_t(a)]) : std::max(s, scale[size_t(a)]);
      for (int64_t a : axes) {
        scale[size_t(a)] = s;
        p->out[size_t(a)] = int64_t(s * double(x[size_t(a)]) + 0.5);  // ONNX rounds half up
      }
    }
  } else {
    std::vector<double> given = spread(ctx, scales_in, axes, rank, 1.0, "scales");
    for (size_t k = 0; k < rank; ++k) {
      if (!(given[k] > 0) || !std::isfinite(given[k])) ctx.fail("scales must be finite and > 0");
      scale[k] = given[k];
      p->out[k] = int64_t(given[k] * double(x[k]));  // numpy astype(int): truncation
    }
  }
  p->axes.resize(rank);
  for (size_t k = 0; k < rank; ++k) p->axes[k].scale = scale[k];
}

ResizePlan plan_resize(const OpContext& ctx) {
  ctx.require_inputs(1, 4);
  const Dims& x = ctx.input(0).shape;
  if (x.empty()) ctx.fail("Resize needs rank >= 1");
  kshape(ctx, x);
  ResizePlan p;
  bool v10 = ctx.opset() < 11;
  std::string mode = ctx.attr_string("mode", "nearest");
  p.attrs.mode = int32_t(enum_of<ResizeMode>(ctx, "mode", mode, {"nearest", "linear", "cubic"}));
  Dims axes = resize_axes(ctx, x.size());
  std::vector<double> roi, scales, sizes;
  if (v10) {
    ctx.require_inputs(2, 2);
    scales = const_doubles(ctx, 1, "scales");
    axes.clear();
    for (size_t k = 0; k < x.size(); ++k) axes.push_back(int64_t(k));
  } else {
    roi = const_doubles(ctx, 1, "roi");
    scales = const_doubles(ctx, 2, "scales");
    sizes = const_doubles(ctx, 3, "sizes");
  }
  if (scales.empty() == sizes.empty()) ctx.fail("exactly one of scales and sizes must be given");
  plan_extents(ctx, scales, sizes, axes, &p);
  if (v10) {
    // Opset 10 samples asymmetrically; nearest takes the floor (ONNX Runtime's upsampling rule).
    p.attrs.coord = int32_t(ResizeCoord::Asymmetric);
    p.attrs.nearest = int32_t(ResizeNearest::Floor);
  } else {
    p.attrs.coord = int32_t(enum_of<ResizeCoord>(
        ctx, "coordinate_transformation_mode", ctx.attr_string("coordinate_transformation_mode", "half_pixel"),
        {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "half_pixel_symmetric"}));
    p.attrs.nearest = int32_t(enum_of<ResizeNearest>(ctx, "nearest_mode",
                                                      ctx.attr_string("nearest_mode", "round_prefer_floor"),
                                                      {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}));
  }
  p.attrs.cubic_a_bits = isa::float_bits(ctx.attr_float("cubic_coeff_a", -0.75f));
  p.attrs.exclude_outside = ctx.attr_int("exclude_outside", 0) != 0;
  p.attrs.antialias = ctx.attr_int("antialias", 0) != 0 && mode != "nearest";
  p.attrs.extrapolation_bits = isa::float_bits(ctx.attr_float("extrapolation_value", 0.f));
  if (p.attrs.coord == int32_t(ResizeCoord::TfCropAndResize)) {
    std::vector<double> starts(roi.begin(), roi.begin() + long(roi.size() / 2));
    std::vector<double> ends(roi.begin() + long(roi.size() / 2), roi.end());
    if (roi.size() % 2 != 0 || starts.size() != axes.size())
      ctx.fail("roi must hold a start and an end per resized axis");
    starts = spread(ctx, starts, axes, x.size(), 0.0, "roi");
    ends = spread(ctx, ends, axes, x.size(), 1.0, "roi");
    for (size_t k = 0; k < x.size(); ++k) p.axes[k].roi_start = starts[k], p.axes[k].roi_end = ends[k];
  }
  bool needs_f32 = mode != "nearest" || p.attrs.coord == int32_t(ResizeCoord::TfCropAndResize);
  if (needs_f32) ctx.require_dtype(0, DType::F32);
  return p;
}

// Upsample (opsets 7 and 9): Resize with asymmetric coordinates, nearest by floor.
ResizePlan plan_upsample(const OpContext& ctx) {
  ctx.require_inputs(1, 2);
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  std::vector<double> scales;
  if (ctx.has_input(1)) {
    scales = const_doubles(ctx, 1, "scales");
  } else {
    for (float s : ctx.attr_floats("scales", {})) scales.push_back(s);
  }
  Dims axes;
  for (size_t k = 0; k < x.size(); ++k) axes.push_back(int64_t(k));
  ResizePlan p;
  std::string mode = ctx.attr_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";
  p.attrs.mode = int32_t(enum_of<ResizeMode>(ctx, "mode", mode, {"nearest", "linear"}));
  plan_extents(ctx, scales, {}, axes, &p);
  p.attrs.coord = int32_t(ResizeCoord::Asymmetric);
  p.attrs.nearest = int32_t(ResizeNearest::Floor);
  p.attrs.cubic_a_bits = isa::float_bits(-0.75f);
  if (mode != "nearest") ctx.require_dtype(0, DType::F32);
  return p;
}

template <ResizePlan (*Plan)(const OpContext&)>
void infer_resample(OpContext& ctx) {
  require_single_output(ctx);
  ResizePlan p = Plan(ctx);
  ctx.set_output(0, ctx.input(0).dtype, p.out);
}

template <ResizePlan (*Plan)(const OpContext&)>
void select_resample(OpContext& ctx, Selection* s) {
  ResizePlan p = Plan(ctx);
  s->opcode = Opcode::RESIZE;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->record = words_of(p.attrs);
  for (const kernels::ResizeAxis& a : p.axes) {
    isa::ResizeAxisWords w;
    isa::double_words(a.scale, w.scale);
    isa::double_words(a.roi_start, w.roi_start);
    isa::double_words(a.roi_end, w.roi_end);
    std::vector<int32_t> words = words_of(w);
    s->record.insert(s->record.end(), words.begin(), words.end());
  }
}

// GridSample: opset 16 names the modes bilinear / bicubic, opset 20 linear / cubic.
isa::GridSampleAttrs grid_sample_attrs(const OpContext& ctx) {
  std::string mode = ctx.attr_string("mode", ctx.opset() < 20 ? "bilinear" : "linear");
  if (mode == "bilinear") mode = "linear";
  if (mode == "bicubic") mode = "cubic";
  isa::GridSampleAttrs g{};
  g.mode = int32_t(enum_of<kernels::GridMode>(ctx, "mode", mode, {"nearest", "linear", "cubic"}));
  g.padding = int32_t(enum_of<kernels::GridPadding>(ctx, "padding_mode", ctx.attr_string("padding_mode", "zeros"),
                                                    {"zeros", "border", "reflection"}));
  g.align_corners = ctx.attr_int("align_corners", 0) != 0;
  return g;
}

void infer_grid_sample(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  grid_sample_attrs(ctx);
  const Dims &x = ctx.input(0).shape, &grid = ctx.input(1).shape;
  size_t r = x.size() < 3 ? 0 : x.size() - 2;
  if (r == 0 || grid.size() != x.size() || grid[0] != x[0] || grid.back() != int64_t(r))
    ctx.fail("input " + dims_str(x) + " and grid " + dims_str(grid) + " do not fit (grid must be [N, O1..Or, r])");
  kshape(ctx, x);
  Dims out = {x[0], x[1]};
  out.insert(out.end(), grid.begin() + 1, grid.end() - 1);
  ctx.set_output(0, DType::F32, out);
}

void select_grid_sample(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::GRID_SAMPLE;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(grid_sample_attrs(ctx));
}

// RoiAlign: opset 16 adds coordinate_transformation_mode, whose default (half_pixel) differs
// from opset 10's behaviour (output_half_pixel).
isa::RoiAlignAttrs roi_align_attrs(const OpContext& ctx) {
  isa::RoiAlignAttrs ra{};
  ra.batch = isa::kNoRegister;
  ra.mode = enum_of<int32_t>(ctx, "mode", ctx.attr_string("mode", "avg"), {"avg", "max"});
  ra.half_pixel = enum_of<int32_t>(ctx, "coordinate_transformation_mode",
                                   ctx.attr_string("coordinate_transformation_mode",
                                                   ctx.opset() >= 16 ? "half_pixel" : "output_half_pixel"),
                                   {"output_half_pixel", "half_pixel"});
  int64_t ratio = ctx.attr_int("sampling_ratio", 0), h = ctx.attr_int("output_height", 1),
          w = ctx.attr_int("output_width", 1);
  if (ratio < 0 || ratio > INT32_MAX || h < 1 || h > INT32_MAX || w < 1 || w > INT32_MAX)
    ctx.fail("sampling_ratio must be >= 0 and output_height / output_width >= 1");
  ra.sampling_ratio = int32_t(ratio);
  ra.out_h = int32_t(h);
  ra.out_w = int32_t(w);
  ra.scale_bits = isa::float_bits(ctx.attr_float("spatial_scale", 1.f));
  return ra;
}

void infer_roi_align(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  const Dims &x = ctx.input(0).shape, &rois = ctx.input(1).shape, &batch = ctx.input(2).shape;
  DType bt = ctx.input(2).dtype;
  if (x.size() != 4 || rois.size() != 2 || rois[1] != 4 || batch.size() != 1 || batch[0] != rois[0] ||
      (bt != DType::I64 && bt != DType::I32))
    ctx.fail("X " + dims_str(x) + ", rois " + dims_str(rois) + " and batch_indices " + dims_str(batch) +
             " do not fit (X [N, C, H, W], rois [R, 4], batch_indices i32 / i64 [R])");
  isa::RoiAlignAttrs ra = roi_align_attrs(ctx);
  ctx.set_output(0, DType::F32, {rois[0], x[1], ra.out_h, ra.out_w});
}

void select_roi_align(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::ROI_ALIGN;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(roi_align_attrs(ctx));
  s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

}  // namespace

std::span<const OpRule> resample_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Resize", infer_resample<plan_resize>, select_resample<plan_resize>},
      {"Upsample", infer_resample<plan_upsample>, select_resample<plan_upsample>},
      {"GridSample", infer_grid_sample, select_grid_sample},
      {"RoiAlign", infer_roi_align, select_roi_align},
  };
  return kRules;
}

}  // namespace aivm::compiler
