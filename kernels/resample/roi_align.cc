// RoiAlign, fast path: each region's taps are computed once (out_h * out_w * samples of them)
// and applied to every channel plane, instead of recomputing the geometry per channel.
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/resample/roi_align.h"
#include "kernels/resample/roi_taps.h"

namespace aivm::kernels {

using namespace roi_detail;

void roi_align(const RoiAlignParams& p, const float* x, const float* rois, const void* batch, bool batch_i64,
               float* y, ThreadPool* pool) {
  const int64_t plane = p.h * p.w, bins = p.out_h * p.out_w;
  auto run = [&](int64_t begin, int64_t end) {
    std::vector<Taps> t;
    for (int64_t r = begin; r < end; ++r) {
      float* yr = y + r * p.c * bins;
      int64_t b = batch_index(batch, batch_i64, r);
      if (b < 0 || b >= p.n) {
        std::fill(yr, yr + p.c * bins, 0.f);
        continue;
      }
      Region g = region(p, rois + 4 * r);
      const int64_t per_bin = g.grid_h * g.grid_w;
      t.clear();
      for (int64_t ph = 0; ph < p.out_h; ++ph)
        for (int64_t pw = 0; pw < p.out_w; ++pw)
          for (int64_t iy = 0; iy < g.grid_h; ++iy)
            for (int64_t ix = 0; ix < g.grid_w; ++ix) t.push_back(sample(p, g, ph, pw, iy, ix));
      for (int64_t c = 0; c < p.c; ++c) {
        const float* xp = x + (b * p.c + c) * plane;
        const Taps* tp = t.data();
        for (int64_t k = 0; k < bins; ++k) {
          float acc = combine(p, *tp++, xp);
          for (int64_t s = 1; s < per_bin; ++s) {
            float v = combine(p, *tp++, xp);
            acc = p.max_mode ? std::max(acc, v) : acc + v;
          }
          yr[c * bins + k] = p.max_mode ? acc : acc / float(per_bin);
        }
      }
    }
  };
  if (p.rois > 1 && p.rois * p.c * bins >= 4096)
    parallel_for(pool, p.rois, run);
  else
    run(0, p.rois);
}

}  // namespace aivm::kernels
