// 2-D max and average pooling over NCHW tensors.
#pragma once

#include <cstdint>

#include "isa/attrs.h"
#include "kernels/common.h"

namespace aivm::kernels {

// x [N, C, H, W], y [N, C, OH, OW]; OH/OW are given. Window cells in padding are ignored (max
// over valid cells only); a window with no valid cell yields -infinity.
struct Pool2dParams {
  int64_t N, C, H, W, OH, OW;
  isa::Window2d window;
};

// y must not overlap x.
void maxpool2d_f32_reference(const Pool2dParams& p, const float* x, float* y);
// (n, c) planes are split across the pool.
void maxpool2d_f32(const Pool2dParams& p, const float* x, float* y, ThreadPool* pool);

// Average over the window's taps. The divisor counts the taps inside the input, or with
// |count_include_pad| also those in the explicit padding (never the cells a ceil-mode window
// reaches beyond the padding, as ONNX Runtime does). A window with nothing to count gives 0.
void avgpool2d_f32_reference(const Pool2dParams& p, bool count_include_pad, const float* x, float* y);
void avgpool2d_f32(const Pool2dParams& p, bool count_include_pad, const float* x, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
