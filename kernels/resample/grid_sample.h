// GridSample (ONNX GridSample, opsets 16 and 20): samples x [N, C, D1..Dr] at the normalised
// coordinates of grid [N, O1..Or, r] (grid[..., 0] addresses the last axis Dr, as ONNX's x),
// giving y [N, C, O1..Or]. Nearest (round half to even), linear or cubic (Keys, a = -0.75)
// sampling; zeros, border or reflection padding; align_corners maps -1 and 1 to the corner
// centres rather than the corner edges. f32.
//
// Grid values are data: any value, NaN and infinities included, gives some result without
// reading outside x (every tap index is resolved into its axis or dropped as zero).
// The reference (reference.cc) evaluates each output element on its own; the fast path
// computes each grid point's taps once and reuses them for every channel.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/common.h"

namespace aivm::kernels {

enum class GridMode : int32_t { Nearest, Linear, Cubic, kCount };
enum class GridPadding : int32_t { Zeros, Border, Reflection, kCount };

struct GridSampleParams {
  Shape x, grid;  // y is [N, C, grid.dims[1 .. rank-2]]
  GridMode mode = GridMode::Linear;
  GridPadding padding = GridPadding::Zeros;
  bool align_corners = false;
};

// Along one axis of |size| elements: the element indices a normalised coordinate reads and
// their weights (|count| taps, at most 4); a tap of index -1 reads zero (zeros padding).
struct GridTaps {
  int count = 0;
  int64_t index[4];
  float weight[4];
};
void grid_axis_taps(const GridSampleParams& p, int64_t size, float coordinate, GridTaps* taps);

void grid_sample(const GridSampleParams& p, const float* x, const float* grid, float* y, ThreadPool* pool);
void grid_sample_reference(const GridSampleParams& p, const float* x, const float* grid, float* y);

}  // namespace aivm::kernels
