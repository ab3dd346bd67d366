// Resize (ONNX Resize / Upsample): N-D nearest, linear and cubic resampling, every coordinate
// transformation ONNX defines, cubic's coefficient and exclude_outside, antialiased linear and
// cubic when downsampling, and tf_crop_and_resize's region of interest with an extrapolation
// value.
//
// Contract:
//   - |x| and |y| have the same rank; any extents (the caller proved y.dims[k] > 0 implies
//     x.dims[k] > 0). Every input index is clamped into its axis, so no output shape can make a
//     kernel read outside x; x and y never overlap.
//   - nearest moves elements of |elem| bytes (any dtype); linear and cubic are f32.
//   - the output coordinate o on axis k maps to the input coordinate as ONNX's reference does,
//     with output_width = scale * in (the float, not y's extent; they differ when the scale was
//     given rather than derived from sizes). tf_crop_and_resize outputs whose coordinate leaves
//     [0, in - 1] on any axis take |extrapolation| (f32 only).
// Every path is separable (one axis at a time, as ONNX's reference computes it); the reference
// (kernels/resample/reference.cc) instead sums the tensor product of every axis's taps per
// output element, and is the test oracle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace aivm::kernels {

enum class ResizeMode : int32_t { Nearest, Linear, Cubic, kCount };
enum class ResizeCoord : int32_t {
  HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, TfCropAndResize, HalfPixelSymmetric, kCount
};
enum class ResizeNearest : int32_t { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, kCount };

// Doubles, as ONNX's reference computes coordinates: a scale derived from sizes (out / in)
// must map integer coordinates exactly, or nearest rounding flips.
struct ResizeAxis {
  double scale = 1.0;                      // > 0
  double roi_start = 0.0, roi_end = 1.0;   // tf_crop_and_resize only, normalised coordinates
};

struct ResizeParams {
  Shape x, y;
  ResizeAxis axes[kMaxRank];
  ResizeMode mode = ResizeMode::Nearest;
  ResizeCoord coord = ResizeCoord::HalfPixel;
  ResizeNearest nearest = ResizeNearest::RoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  bool antialias = false;  // linear and cubic: widen the filter by 1 / scale when scale < 1
  float extrapolation = 0.f;
};

// The taps one output index reads along one axis: input indices (already clamped) and their
// weights, or |outside| when tf_crop_and_resize extrapolates.
struct ResizeTaps {
  std::vector<int64_t> index;
  std::vector<float> weight;
  bool outside = false;
};

// Taps of output index |o| along axis |k| (shared by both paths).
void resize_axis_taps(const ResizeParams& p, int k, int64_t o, ResizeTaps* taps);
// True when axis |k| maps every output index to the same input index with weight 1.
bool resize_axis_is_identity(const ResizeParams& p, int k);

void resize(const ResizeParams& p, size_t elem, const void* x, void* y, ThreadPool* pool);
void resize_reference(const ResizeParams& p, size_t elem, const void* x, void* y);

}  // namespace aivm::kernels
