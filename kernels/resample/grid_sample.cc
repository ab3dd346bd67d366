// GridSample fast path: each grid point's taps are resolved once into (offset, weight) pairs of
// the tensor product, then applied to every channel; grid points are split across the pool.
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/resample/grid_sample.h"

namespace aivm::kernels {

void grid_sample(const GridSampleParams& p, const float* x, const float* grid, float* y, ThreadPool* pool) {
  const int r = p.x.rank - 2;
  const int64_t N = p.x.dims[0], C = p.x.dims[1];
  int64_t in_plane = 1, points = 1;
  for (int k = 0; k < r; ++k) in_plane *= p.x.dims[2 + k], points *= p.grid.dims[1 + k];
  parallel_for(pool, N * points, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> offsets;
    std::vector<float> weights;
    GridTaps taps[kMaxRank];
    for (int64_t np = begin; np < end; ++np) {
      const int64_t n = np / points, pt = np % points;
      const float* g = grid + np * r;
      for (int k = 0; k < r; ++k) grid_axis_taps(p, p.x.dims[2 + k], g[r - 1 - k], &taps[k]);
      // Tensor product of the axes' taps, dropping those that read zero.
      offsets.assign(1, 0);
      weights.assign(1, 1.f);
      for (int k = 0; k < r; ++k) {
        int64_t stride = 1;
        for (int j = k + 1; j < r; ++j) stride *= p.x.dims[2 + j];
        std::vector<int64_t> o2;
        std::vector<float> w2;
        for (size_t e = 0; e < offsets.size(); ++e)
          for (int t = 0; t < taps[k].count; ++t)
            if (taps[k].index[t] >= 0) {
              o2.push_back(offsets[e] + taps[k].index[t] * stride);
              w2.push_back(weights[e] * taps[k].weight[t]);
            }
        offsets.swap(o2);
        weights.swap(w2);
      }
      const float* xn = x + n * C * in_plane;
      float* yn = y + n * C * points + pt;
      for (int64_t c = 0; c < C; ++c) {
        const float* xc = xn + c * in_plane;
        float sum = 0.f;
        for (size_t e = 0; e < offsets.size(); ++e) sum += weights[e] * xc[offsets[e]];
        yn[c * points] = sum;
      }
    }
  });
}

}  // namespace aivm::kernels
