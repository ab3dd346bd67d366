// Sum of a contiguous float row in double precision (a global average pool's channel):
// 4 x 8 double lanes, so the adds overlap instead of waiting on each other's latency.
// GCC 12's AVX-512 headers trip this on their own "undefined" vectors (the reduce).
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "kernels/reduce/row_sum.h"

namespace aivm::kernels {

double row_sum_f32__avx512(int64_t n, const float* x) {
  __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 4; ++j) acc[j] = _mm512_add_pd(acc[j], _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8 * j)));
  double sum = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(acc[0], acc[1]), _mm512_add_pd(acc[2], acc[3])));
  for (; i < n; ++i) sum += double(x[i]);
  return sum;
}

}  // namespace aivm::kernels
