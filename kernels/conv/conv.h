// 2-D convolution over NCHW tensors with groups, strides, dilations, zero padding and a fused
// bias + activation.
#pragma once

#include <cstdint>

#include "isa/attrs.h"
#include "kernels/common.h"

namespace aivm::kernels {

// x [N, C, H, W], w [K, C/group, kernel_h, kernel_w], y [N, K, OH, OW]. Padding is zero padding
// (pad_* may be asymmetric); C and K are multiples of group. OH/OW are given (the caller
// derived them); outputs whose window lies wholly in padding get just bias + activation.
struct Conv2dParams {
  int64_t N, C, H, W, K, OH, OW, group;
  isa::Window2d window;
};

// y = act(conv(x, w) + bias); bias is [K] or nullptr. y must not overlap x, w or bias.
void conv2d_f32_reference(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const Activation& act, float* y);
// Direct loops per output plane; (n, k) planes are split across the pool.
void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool);

}  // namespace aivm::kernels
