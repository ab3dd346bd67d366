// 2-D convolution over NCHW tensors with groups, strides, dilations, zero padding and a fused
// bias + activation.
#pragma once

#include <cstddef>
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
// Fast path: GEMM on im2col blocks where there are enough output channels per group, direct
// loops per output plane otherwise (depthwise); work is split across the pool.
void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool);

// Constant weights packed once for this process's GEMM (e.g. by the VM at model load), so a
// run does not repack them. 0 bytes: this convolution does not use packed weights.
size_t conv2d_packed_weights_bytes(const Conv2dParams& p);
void conv2d_pack_weights(const Conv2dParams& p, const float* w, void* out);
// conv2d_f32 with |packed_w| from conv2d_pack_weights for the same parameters (or null).
void conv2d_f32_prepacked(const Conv2dParams& p, const float* x, const float* w, const void* packed_w,
                          const float* bias, const Activation& act, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
