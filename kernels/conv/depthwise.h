// Depthwise convolution (one input and one output channel per group: group == C == K), the
// MobileNet / EfficientNet block: a vectorised direct kernel per channel plane, since GEMM has
// a single row per group to work with.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv/conv.h"

namespace aivm::kernels {

bool depthwise_applies(const Conv2dParams& p);
// Same contract as conv2d_f32_prepacked for parameters where depthwise_applies holds.
void depthwise_conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const float* residual, const Activation& act, float* y, ThreadPool* pool);

// One channel plane: y[OH, OW] = act(sum over taps w * x + bias), x [H, W], w [kh, kw]. The
// variants are per ISA (tests run each the CPU has); |scratch| holds depthwise_scratch_floats.
using DepthwisePlaneFn = void (*)(const Conv2dParams& p, const float* x, const float* w, float bias,
                                  const Activation& act, float* y, float* scratch);
size_t depthwise_scratch_floats(const Conv2dParams& p);
DepthwisePlaneFn depthwise_plane_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built

// Channels [c0, c0 + lanes) of one image at once, one vector across channels per output pixel,
// for planes too narrow to fill vectors along their rows; x [C, H, W] and y [C, OH, OW] are
// the image's, |scratch| holds depthwise_block_scratch_floats.
using DepthwiseBlockFn = void (*)(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                                  const Activation& act, float* y, int64_t c0, float* scratch);
struct DepthwiseBlock {
  DepthwiseBlockFn fn;  // null if not built
  int64_t lanes;
};
size_t depthwise_block_scratch_floats(const Conv2dParams& p);
DepthwiseBlock depthwise_block_for_isa(const char* isa);  // "avx512", "avx2", "scalar"

}  // namespace aivm::kernels
