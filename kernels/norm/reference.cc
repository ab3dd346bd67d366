// Scalar reference layer normalisation: one row at a time, sums in double (the test oracle).
#include <cmath>

#include "kernels/norm/layernorm.h"

namespace aivm::kernels {

void layernorm_f32_reference(int64_t rows, int64_t n, const float* x, const float* scale, const float* bias,
                             float epsilon, float* y) {
  if (n <= 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += xr[i];
    const float mean = float(sum / double(n));
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) sq += double(xr[i] - mean) * double(xr[i] - mean);
    const float inv_std = float(1.0 / std::sqrt(sq / double(n) + double(epsilon)));
    for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - mean) * inv_std * scale[i] + (bias ? bias[i] : 0.f);
  }
}

}  // namespace aivm::kernels
