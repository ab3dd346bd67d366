// Layer normalisation of the rows of a dense tensor.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

// x viewed as [rows, n]: y[r, i] = (x[r, i] - mean_r) / sqrt(var_r + epsilon) * scale[i]
// (+ bias[i] when bias is not null), with mean_r and the population variance var_r of row r
// (the mean of squared deviations, not E[x^2] - mean^2, which cancels). y may be x (in place).
void layernorm_f32_reference(int64_t rows, int64_t n, const float* x, const float* scale, const float* bias,
                             float epsilon, float* y);
// Eight partial sums per reduction (so they vectorize without reassociation flags); rows split
// across the pool.
void layernorm_f32(int64_t rows, int64_t n, const float* x, const float* scale, const float* bias, float epsilon,
                   float* y, ThreadPool* pool);

}  // namespace aivm::kernels
