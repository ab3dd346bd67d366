// RoiAlign (ONNX RoiAlign, opsets 10 and 16): for each region of interest, an output_h x
// output_w grid of bins over x [N, C, H, W], each bin the average (or the max, see below) of a
// grid of bilinear samples, giving y [R, C, output_h, output_w]. f32.
//
// Region r covers rois[r] = (x1, y1, x2, y2) times spatial_scale, minus 0.5 with half_pixel
// (opset 16's default), in image batch_indices[r]. Each bin takes sampling_ratio x
// sampling_ratio samples, or ceil(region extent / bins) per axis when sampling_ratio is 0. A
// sample outside [-1, H] x [-1, W] counts as zero; inside, its coordinates are clamped to the
// image. Max mode keeps, per sample, the largest of its four weighted taps (what ONNX Runtime
// and the ONNX reference compute), then the largest over the bin's samples.
//
// Regions and indices are data: a batch index outside [0, N) gives zeros; a coordinate that is
// NaN, infinite or huge still reads inside x, and the samples per bin are capped at the image
// extent per axis (H or W), so a crafted region cannot make the kernel run for ever.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

struct RoiAlignParams {
  int64_t n = 1, c = 1, h = 1, w = 1;  // x
  int64_t rois = 0, out_h = 1, out_w = 1;
  bool max_mode = false;
  bool half_pixel = true;
  int64_t sampling_ratio = 0;  // 0: adaptive
  float spatial_scale = 1.f;
};

// |batch| holds one index per region, i64 (|batch_i64|) or i32.
void roi_align_reference(const RoiAlignParams& p, const float* x, const float* rois, const void* batch,
                         bool batch_i64, float* y);
// Computes each region's sample taps once and reuses them for every channel; regions split
// across the pool.
void roi_align(const RoiAlignParams& p, const float* x, const float* rois, const void* batch, bool batch_i64,
               float* y, ThreadPool* pool);

}  // namespace aivm::kernels
