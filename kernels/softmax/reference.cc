// Scalar reference softmax: one (outer, inner) column at a time (the test oracle).
#include <cmath>

#include "kernels/softmax/softmax.h"

namespace aivm::kernels {

void softmax_f32_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y) {
  if (axis_len <= 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xs = x + o * axis_len * inner + i;
      float* ys = y + o * axis_len * inner + i;
      float m = xs[0];
      for (int64_t a = 1; a < axis_len; ++a) m = xs[a * inner] > m ? xs[a * inner] : m;
      float sum = 0.f;
      for (int64_t a = 0; a < axis_len; ++a) sum += (ys[a * inner] = std::exp(xs[a * inner] - m));
      for (int64_t a = 0; a < axis_len; ++a) ys[a * inner] /= sum;
    }
  }
}

}  // namespace aivm::kernels
