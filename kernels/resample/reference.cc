// Resampling scalar references: each output element on its own (RoiAlign recomputes its
// region's taps for every element). Resize sums the tensor product
// of every axis's taps (not separable like the fast path), in double.
#include <cstring>

#include "kernels/resample/grid_sample.h"
#include "kernels/resample/resize.h"
#include "kernels/resample/roi_align.h"
#include "kernels/resample/roi_taps.h"

namespace aivm::kernels {

void resize_reference(const ResizeParams& p, size_t elem, const void* x, void* y) {
  const int rank = p.x.rank;
  const int64_t total = p.y.num_elements();
  int64_t in_stride[kMaxRank];
  for (int k = rank - 1, s = 1; k >= 0; s *= int(p.x.dims[k]), --k) in_stride[k] = s;
  const auto* xb = static_cast<const uint8_t*>(x);
  auto* yb = static_cast<uint8_t*>(y);
  ResizeTaps taps[kMaxRank];
  for (int64_t i = 0; i < total; ++i) {
    bool outside = false;
    for (int64_t k = rank - 1, rest = i; k >= 0; --k) {
      resize_axis_taps(p, int(k), rest % p.y.dims[k], &taps[k]);
      rest /= p.y.dims[k];
      outside |= taps[k].outside;
    }
    if (outside) {
      std::memcpy(yb + size_t(i) * elem, &p.extrapolation, sizeof(float));
      continue;
    }
    if (p.mode == ResizeMode::Nearest) {
      int64_t src = 0;
      for (int k = 0; k < rank; ++k) src += taps[k].index[0] * in_stride[k];
      std::memcpy(yb + size_t(i) * elem, xb + size_t(src) * elem, elem);
      continue;
    }
    // Odometer over one tap per axis.
    size_t pick[kMaxRank] = {};
    double sum = 0;
    for (;;) {
      double w = 1;
      int64_t src = 0;
      for (int k = 0; k < rank; ++k) {
        w *= taps[k].weight[pick[k]];
        src += taps[k].index[pick[k]] * in_stride[k];
      }
      sum += w * double(static_cast<const float*>(x)[src]);
      int k = rank - 1;
      while (k >= 0 && ++pick[k] == taps[k].index.size()) pick[k--] = 0;
      if (k < 0) break;
    }
    static_cast<float*>(y)[i] = float(sum);
  }
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

// Each output element on its own: an odometer over one tap per spatial axis.
void grid_sample_reference(const GridSampleParams& p, const float* x, const float* grid, float* y) {
  const int r = p.x.rank - 2;
  const int64_t N = p.x.dims[0], C = p.x.dims[1];
  int64_t in_plane = 1, points = 1;
  for (int k = 0; k < r; ++k) in_plane *= p.x.dims[2 + k], points *= p.grid.dims[1 + k];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t pt = 0; pt < points; ++pt) {
        GridTaps taps[kMaxRank];
        const float* g = grid + (n * points + pt) * r;
        for (int k = 0; k < r; ++k) grid_axis_taps(p, p.x.dims[2 + k], g[r - 1 - k], &taps[k]);
        int pick[kMaxRank] = {};
        float sum = 0.f;
        for (;;) {
          float w = 1.f;
          int64_t off = 0;
          bool zero = false;
          for (int k = 0; k < r; ++k) {
            int64_t i = taps[k].index[pick[k]];
            zero |= i < 0;
            w *= taps[k].weight[pick[k]];
            off = off * p.x.dims[2 + k] + (i < 0 ? 0 : i);
          }
          if (!zero) sum += w * x[(n * C + c) * in_plane + off];
          int k = r - 1;
          while (k >= 0 && ++pick[k] == taps[k].count) pick[k--] = 0;
          if (k < 0) break;
        }
        y[(n * C + c) * points + pt] = sum;
      }
}

void roi_align_reference(const RoiAlignParams& p, const float* x, const float* rois, const void* batch,
                         bool batch_i64, float* y) {
  for (int64_t r = 0; r < p.rois; ++r)
    for (int64_t c = 0; c < p.c; ++c)
      for (int64_t ph = 0; ph < p.out_h; ++ph)
        for (int64_t pw = 0; pw < p.out_w; ++pw) {
          float& out = y[((r * p.c + c) * p.out_h + ph) * p.out_w + pw];
          int64_t b = roi_detail::batch_index(batch, batch_i64, r);
          out = 0.f;
          if (b < 0 || b >= p.n) continue;
          roi_detail::Region g = roi_detail::region(p, rois + 4 * r);
          const float* plane = x + (b * p.c + c) * p.h * p.w;
          double acc = 0;
          for (int64_t iy = 0; iy < g.grid_h; ++iy)
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              double v = roi_detail::combine(p, roi_detail::sample(p, g, ph, pw, iy, ix), plane);
              acc = !p.max_mode ? acc + v : iy + ix == 0 ? v : std::max(acc, v);
            }
          out = float(p.max_mode ? acc : acc / double(g.grid_h * g.grid_w));
        }
}

}  // namespace aivm::kernels
