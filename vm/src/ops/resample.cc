// Resampling: RESIZE (ONNX Resize and Upsample; opcodes.def note *R1), GRID_SAMPLE (*R2) and
// ROI_ALIGN (*R3).
//
// The resize kernel clamps every source index into its axis, so the verifier only has to prove the
// record's enums and numbers, the dtypes, and that no non-empty output axis reads an empty
// input axis; any output extent is then safe.
#include <cmath>

#include "kernels/resample/grid_sample.h"
#include "kernels/resample/roi_align.h"
#include "kernels/resample/resize.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

bool in_enum(int32_t v, auto count) { return v >= 0 && v < int32_t(count); }
bool is_flag(int32_t v) { return v == 0 || v == 1; }

isa::ResizeAxisWords axis_words(const int32_t* tail, int k) {
  isa::ResizeAxisWords a;
  std::memcpy(&a, tail + k * isa::kAttrWords<isa::ResizeAxisWords>, sizeof(a));
  return a;
}

aivm_status_t check_resize_axes(const Site& s, const int32_t* tail, const kernels::Shape& x, const kernels::Shape& y) {
  for (int k = 0; k < x.rank; ++k) {
    isa::ResizeAxisWords a = axis_words(tail, k);
    double scale = isa::words_double(a.scale);
    double r0 = isa::words_double(a.roi_start), r1 = isa::words_double(a.roi_end);
    if (!(std::isfinite(scale) && scale > 0))
      return s.error("axis " + std::to_string(k) + " scale must be finite and > 0");
    if (!std::isfinite(r0) || !std::isfinite(r1)) return s.error("axis " + std::to_string(k) + " roi must be finite");
    if (y.dims[k] > 0 && x.dims[k] == 0)
      return s.error("axis " + std::to_string(k) + " resamples an empty input to " + std::to_string(y.dims[k]));
  }
  return AIVM_OK;
}

kernels::ResizeParams resize_params(const isa::ResizeAttrs& r, const int32_t* tail, const kernels::Shape& x,
                                    const kernels::Shape& y) {
  kernels::ResizeParams p;
  p.x = x;
  p.y = y;
  p.mode = kernels::ResizeMode(r.mode);
  p.coord = kernels::ResizeCoord(r.coord);
  p.nearest = kernels::ResizeNearest(r.nearest);
  p.cubic_a = isa::bits_float(r.cubic_a_bits);
  p.exclude_outside = r.exclude_outside != 0;
  p.antialias = r.antialias != 0;
  p.extrapolation = isa::bits_float(r.extrapolation_bits);
  for (int k = 0; k < x.rank; ++k) {
    isa::ResizeAxisWords a = axis_words(tail, k);
    p.axes[k] = {isa::words_double(a.scale), isa::words_double(a.roi_start), isa::words_double(a.roi_end)};
  }
  return p;
}

}  // namespace

aivm_status_t verify_RESIZE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  const RegisterInfo &x = s.reg(in.b), &y = s.reg(in.a);
  if (x.dtype != y.dtype) return s.error("source and destination dtypes differ");
  if (x.shape.rank != y.shape.rank) return s.error("source and destination ranks differ");
  uint32_t n = s.f.record_size(in.d);
  uint64_t want = isa::kAttrWords<isa::ResizeAttrs> + uint64_t(x.shape.rank) * isa::kAttrWords<isa::ResizeAxisWords>;
  if (n != want)
    return s.error("attribute record @" + std::to_string(in.d) + " has " + std::to_string(n) + " words, expected " +
                   std::to_string(want) + " (header and one axis entry per source axis)");
  isa::ResizeAttrs r;
  std::memcpy(&r, s.f.record(in.d), sizeof(r));
  if (!in_enum(r.mode, kernels::ResizeMode::kCount)) return s.error("mode " + std::to_string(r.mode) + " is not defined");
  if (!in_enum(r.coord, kernels::ResizeCoord::kCount))
    return s.error("coordinate mode " + std::to_string(r.coord) + " is not defined");
  if (!in_enum(r.nearest, kernels::ResizeNearest::kCount))
    return s.error("nearest mode " + std::to_string(r.nearest) + " is not defined");
  if (!is_flag(r.exclude_outside) || !is_flag(r.antialias)) return s.error("exclude_outside and antialias must be 0 or 1");
  if (!std::isfinite(isa::bits_float(r.cubic_a_bits))) return s.error("cubic coefficient must be finite");
  if (r.mode != int32_t(kernels::ResizeMode::Nearest)) AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  if (r.coord == int32_t(kernels::ResizeCoord::TfCropAndResize)) AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  return check_resize_axes(s, s.f.record(in.d) + isa::kAttrWords<isa::ResizeAttrs>, x.shape, y.shape);
}

const uint64_t* exec_RESIZE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  isa::ResizeAttrs r = exec_record<isa::ResizeAttrs>(fr, d);
  const int32_t* tail = fr.f->record(d) + isa::kAttrWords<isa::ResizeAttrs>;  // ok because verified
  kernels::ResizeParams p = resize_params(r, tail, fr.shape(b), fr.shape(a));
  kernels::resize(p, dtype_size(fr.f->registers[a].dtype), fr.data[b], fr.data[a], fr.pool);
  return next;
}

aivm_status_t verify_GRID_SAMPLE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  isa::GridSampleAttrs g;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &g));
  if (!in_enum(g.mode, kernels::GridMode::kCount)) return s.error("mode " + std::to_string(g.mode) + " is not defined");
  if (!in_enum(g.padding, kernels::GridPadding::kCount))
    return s.error("padding " + std::to_string(g.padding) + " is not defined");
  if (!is_flag(g.align_corners)) return s.error("align_corners must be 0 or 1");
  const kernels::Shape &x = s.reg(in.b).shape, &grid = s.reg(in.c).shape;
  int r = x.rank - 2;
  if (r < 1) return s.error("the input needs a batch, a channel and at least one spatial axis");
  if (grid.rank != x.rank || grid.dims[0] != x.dims[0] || grid.dims[x.rank - 1] != r)
    return s.error("the grid must be [N, O1..O" + std::to_string(r) + ", " + std::to_string(r) + "] for input " +
                   dims_str(dims_of(s.reg(in.b))));
  Dims want = {x.dims[0], x.dims[1]};
  for (int k = 0; k < r; ++k) want.push_back(grid.dims[1 + k]);
  // Every tap is resolved inside its axis or dropped, but an empty axis has nothing to read.
  if (s.reg(in.a).shape.num_elements() > 0)
    for (int k = 0; k < r; ++k)
      if (x.dims[2 + k] == 0) return s.error("spatial axis " + std::to_string(k) + " of the input is empty");
  return require_shape(s, in.a, want);
}

const uint64_t* exec_GRID_SAMPLE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::GridSampleAttrs g = exec_record<isa::GridSampleAttrs>(fr, AIVM_FIELD_D(w));
  kernels::GridSampleParams p;
  p.x = fr.shape(b);
  p.grid = fr.shape(c);
  p.mode = kernels::GridMode(g.mode);
  p.padding = kernels::GridPadding(g.padding);
  p.align_corners = g.align_corners != 0;
  kernels::grid_sample(p, fr.f32(b), fr.f32(c), fr.f32(a), fr.pool);
  return next;
}

aivm_status_t verify_ROI_ALIGN(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  for (auto [r, name] : {std::pair{in.a, "A"}, {in.b, "B"}, {in.c, "C"}}) AIVM_RETURN_IF_ERROR(require_f32(s, r, name));
  isa::RoiAlignAttrs ra;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &ra));
  if (ra.batch < 0 || size_t(ra.batch) >= s.f.registers.size())
    return s.error("batch register " + std::to_string(ra.batch) + " out of range (< " +
                   std::to_string(s.f.registers.size()) + ")");
  if (!is_flag(ra.mode) || !is_flag(ra.half_pixel)) return s.error("mode and half_pixel must be 0 or 1");
  if (ra.sampling_ratio < 0 || ra.out_h < 1 || ra.out_w < 1)
    return s.error("sampling_ratio must be >= 0 and the output extents >= 1");
  const kernels::Shape &x = s.reg(in.b).shape, &rois = s.reg(in.c).shape, &batch = s.reg(uint32_t(ra.batch)).shape;
  DType bt = s.reg(uint32_t(ra.batch)).dtype;
  if (x.rank != 4) return s.error("the input must be [N, C, H, W]");
  if (rois.rank != 2 || rois.dims[1] != 4) return s.error("the regions must be [R, 4]");
  if ((bt != DType::I64 && bt != DType::I32) || batch.rank != 1 || batch.dims[0] != rois.dims[0])
    return s.error("the batch indices must be i32 or i64 [R]");
  // Taps are clamped into the image, which must then have a pixel to read.
  if (rois.dims[0] > 0 && x.dims[1] > 0 && (x.dims[2] == 0 || x.dims[3] == 0))
    return s.error("the input's spatial extents are empty");
  return require_shape(s, in.a, {rois.dims[0], x.dims[1], ra.out_h, ra.out_w});
}

const uint64_t* exec_ROI_ALIGN(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  auto ra = exec_record<isa::RoiAlignAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape& x = fr.shape(b);
  kernels::RoiAlignParams p;
  p.n = x.dims[0], p.c = x.dims[1], p.h = x.dims[2], p.w = x.dims[3];
  p.rois = fr.shape(c).dims[0];
  p.out_h = ra.out_h, p.out_w = ra.out_w;
  p.max_mode = ra.mode != 0;
  p.half_pixel = ra.half_pixel != 0;
  p.sampling_ratio = ra.sampling_ratio;
  p.spatial_scale = isa::bits_float(ra.scale_bits);
  kernels::roi_align(p, fr.f32(b), fr.f32(c), fr.data[ra.batch], fr.f->registers[ra.batch].dtype == DType::I64,
                     fr.f32(a), fr.pool);
  return next;
}

}  // namespace aivm::vm
