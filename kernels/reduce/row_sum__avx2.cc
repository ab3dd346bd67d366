// Sum of a contiguous float row in double precision (a global average pool's channel):
// 4 x 4 double lanes, so the adds overlap instead of waiting on each other's latency.
#include <immintrin.h>

#include "kernels/reduce/row_sum.h"

namespace aivm::kernels {

double row_sum_f32__avx2(int64_t n, const float* x) {
  __m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; ++j) acc[j] = _mm256_add_pd(acc[j], _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4 * j)));
  for (int j = 1; i + 4 <= n; i += 4, j = j % 3 + 1)  // whole vectors of what is left
    acc[j] = _mm256_add_pd(acc[j], _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
  const __m256d s = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  double sum = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  for (; i < n; ++i) sum += double(x[i]);
  return sum;
}

}  // namespace aivm::kernels
