// GridSample: where a normalised coordinate samples one axis (ONNX's reference GridSample,
// coordinate by coordinate), shared by the fast path and the reference.
#include <algorithm>
#include <cmath>

#include "kernels/resample/grid_sample.h"

namespace aivm::kernels {
namespace {

// Reflects |x| by the borders until it lies in [lo, hi] (ONNX _gs_reflect, with fmod so a
// huge coordinate cannot overflow a count).
double reflect(double x, double lo, double hi) {
  double range = hi - lo;
  if (!(range > 0)) return lo;
  if (x < lo) {
    double dx = lo - x, r = std::fmod(dx, range);
    return std::fmod(std::floor(dx / range), 2.0) == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    double dx = x - hi, r = std::fmod(dx, range);
    return std::fmod(std::floor(dx / range), 2.0) == 0 ? hi - r : lo + r;
  }
  return x;
}

// Element |i| of an axis of |size| under the padding mode; -1 reads zero.
int64_t resolve(const GridSampleParams& p, int64_t size, int64_t i, double lo, double hi) {
  switch (p.padding) {
    case GridPadding::Border: return std::clamp<int64_t>(i, 0, size - 1);
    case GridPadding::Reflection: return std::clamp<int64_t>(int64_t(reflect(double(i), lo, hi)), 0, size - 1);
    default: return i >= 0 && i < size ? i : -1;
  }
}

void cubic_coeffs(float t, float* c) {
  const float a = -0.75f;
  t = std::fabs(t);
  c[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
  c[3] = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
}

}  // namespace

void grid_axis_taps(const GridSampleParams& p, int64_t size, float coordinate, GridTaps* taps) {
  float len = float(size);
  float x = p.align_corners ? (coordinate + 1) / 2.0f * (len - 1) : ((coordinate + 1) * len - 1) / 2.0f;
  double lo = p.align_corners ? 0.0 : -0.5, hi = p.align_corners ? double(size) - 1 : double(size) - 0.5;
  if (p.mode == GridMode::Nearest) x = std::nearbyint(x);  // half to even, as np.rint
  if (std::isnan(x)) x = float(lo) - 2;  // outside: zeros reads nothing, the others clamp or reflect
  if (x < lo || x > hi) {
    if (p.padding == GridPadding::Border) x = std::clamp(x, 0.f, len - 1);
    else if (p.padding == GridPadding::Reflection) x = float(reflect(x, lo, hi));
  }
  if (std::isnan(x)) x = float(lo);  // an infinity reflected
  // Far outside is all zeros or clamped anyway; bounding x keeps the index arithmetic defined.
  x = std::clamp(x, float(-size - 8), float(2 * size + 8));
  if (p.mode == GridMode::Nearest) {
    taps->count = 1;
    taps->index[0] = resolve(p, size, int64_t(x), lo, hi);  // truncation, as astype(int32)
    taps->weight[0] = 1.f;
    return;
  }
  float x0 = std::floor(x), t = x - x0;
  int64_t i0 = int64_t(x0);
  if (p.mode == GridMode::Linear) {
    taps->count = 2;
    taps->weight[0] = 1 - t;
    taps->weight[1] = t;
  } else {
    taps->count = 4;
    cubic_coeffs(t, taps->weight);
    i0 -= 1;
  }
  for (int k = 0; k < taps->count; ++k) taps->index[k] = resolve(p, size, i0 + k, lo, hi);
}

}  // namespace aivm::kernels
