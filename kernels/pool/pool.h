// 2-D max pooling over NCHW tensors.
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

}  // namespace aivm::kernels
