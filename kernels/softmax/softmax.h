// Softmax along one axis of a dense tensor.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

// x viewed as [outer, axis_len, inner]; softmax along the middle axis, numerically stable
// (the max along the axis is subtracted before exp). y may be x (in place).
void softmax_f32_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y);
// Works on whole [axis_len, inner] slabs, vectorized across inner; slabs split across the pool.
void softmax_f32(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
