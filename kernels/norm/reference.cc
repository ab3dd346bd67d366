// Scalar reference layer normalisation: one row at a time, sequential sums (the test oracle).
#include <cmath>

#include "kernels/norm/layernorm.h"

namespace aivm::kernels {

void layernorm_f32_reference(int64_t rows, int64_t n, const float* x, const float* scale, const float* bias,
                             float epsilon, float* y) {
  if (n <= 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    float sum = 0.f;
    for (int64_t i = 0; i < n; ++i) sum += xr[i];
    const float mean = sum / float(n);
    float sq = 0.f;
    for (int64_t i = 0; i < n; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
    const float inv_std = 1.f / std::sqrt(sq / float(n) + epsilon);
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - mean) * inv_std * scale[i] + (bias ? bias[i] : 0.f);
  }
}

}  // namespace aivm::kernels
