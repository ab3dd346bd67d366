// RoiAlign's per-region geometry and sample taps (roi_align.h), shared by the reference and
// the fast path so both read the same pixels with the same weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/resample/roi_align.h"

namespace aivm::kernels::roi_detail {

struct Region {
  double start_h, start_w, bin_h, bin_w;
  int64_t grid_h, grid_w;  // samples per bin along each axis, >= 1
};

// Samples per bin along an axis: the requested ratio, or ceil(extent / bins), capped at the
// axis' pixel count (a NaN or huge region would otherwise ask for billions).
inline int64_t samples(const RoiAlignParams& p, double extent, int64_t bins, int64_t pixels) {
  if (p.sampling_ratio > 0) return p.sampling_ratio;
  double want = std::ceil(extent / double(bins));
  if (!(want >= 1)) return 1;  // also NaN
  return want >= double(pixels) ? std::max<int64_t>(pixels, 1) : int64_t(want);
}

inline Region region(const RoiAlignParams& p, const float* roi) {
  const double offset = p.half_pixel ? 0.5 : 0.0, s = p.spatial_scale;
  Region r;
  r.start_w = roi[0] * s - offset;
  r.start_h = roi[1] * s - offset;
  double width = roi[2] * s - offset - r.start_w, height = roi[3] * s - offset - r.start_h;
  if (!p.half_pixel) width = std::max(width, 1.0), height = std::max(height, 1.0);
  r.bin_h = height / double(p.out_h);
  r.bin_w = width / double(p.out_w);
  r.grid_h = samples(p, height, p.out_h, p.h);
  r.grid_w = samples(p, width, p.out_w, p.w);
  return r;
}

// One sample's four taps: flat pixel offsets in a channel plane and their weights (all zero
// when the sample falls outside the image).
struct Taps {
  int64_t pos[4] = {0, 0, 0, 0};
  float w[4] = {0, 0, 0, 0};
};

inline Taps taps(const RoiAlignParams& p, double y, double x) {
  Taps t;
  // Written so NaN fails the test: a NaN coordinate reads nothing.
  if (!(y >= -1.0 && y <= double(p.h) && x >= -1.0 && x <= double(p.w))) return t;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y_low = int64_t(y), x_low = int64_t(x), y_high, x_high;
  if (y_low >= p.h - 1) y_high = y_low = p.h - 1, y = double(y_low);
  else y_high = y_low + 1;
  if (x_low >= p.w - 1) x_high = x_low = p.w - 1, x = double(x_low);
  else x_high = x_low + 1;
  double ly = y - double(y_low), lx = x - double(x_low), hy = 1 - ly, hx = 1 - lx;
  t.pos[0] = y_low * p.w + x_low;
  t.pos[1] = y_low * p.w + x_high;
  t.pos[2] = y_high * p.w + x_low;
  t.pos[3] = y_high * p.w + x_high;
  t.w[0] = float(hy * hx);
  t.w[1] = float(hy * lx);
  t.w[2] = float(ly * hx);
  t.w[3] = float(ly * lx);
  return t;
}

// Sample (iy, ix) of bin (ph, pw).
inline Taps sample(const RoiAlignParams& p, const Region& r, int64_t ph, int64_t pw, int64_t iy, int64_t ix) {
  double y = r.start_h + double(ph) * r.bin_h + (double(iy) + 0.5) * r.bin_h / double(r.grid_h);
  double x = r.start_w + double(pw) * r.bin_w + (double(ix) + 0.5) * r.bin_w / double(r.grid_w);
  return taps(p, y, x);
}

// One sample's contribution: the weighted sum (avg) or the largest weighted tap (max).
inline float combine(const RoiAlignParams& p, const Taps& t, const float* plane) {
  float v[4];
  for (int k = 0; k < 4; ++k) v[k] = t.w[k] * plane[t.pos[k]];
  return p.max_mode ? std::max(std::max(v[0], v[1]), std::max(v[2], v[3])) : v[0] + v[1] + v[2] + v[3];
}

inline int64_t batch_index(const void* batch, bool i64, int64_t r) {
  return i64 ? static_cast<const int64_t*>(batch)[r] : static_cast<const int32_t*>(batch)[r];
}

}  // namespace aivm::kernels::roi_detail
