// Resize: where one output index samples its input along one axis (ONNX's reference
// _interpolate_1d_with_x, coordinate by coordinate), shared by the fast path and the reference.
#include <algorithm>
#include <cmath>

#include "kernels/resample/resize.h"

namespace aivm::kernels {
namespace {

// Input coordinate of output index |o|; false when tf_crop_and_resize leaves the input.
bool source_coordinate(const ResizeParams& p, int k, int64_t o, double* x) {
  const ResizeAxis& a = p.axes[k];
  double in = double(p.x.dims[k]), s = a.scale, out_width = s * in, oo = double(o);
  switch (p.coord) {
    case ResizeCoord::AlignCorners:
      *x = out_width == 1 ? 0.0 : oo * (in - 1) / (out_width - 1);
      return true;
    case ResizeCoord::Asymmetric:
      *x = oo / s;
      return true;
    case ResizeCoord::TfCropAndResize: {
      double span = a.roi_end - a.roi_start;
      *x = out_width == 1 ? span * (in - 1) / 2 : oo * span * (in - 1) / (out_width - 1);
      *x += a.roi_start * (in - 1);
      return !(*x < 0 || *x > in - 1);
    }
    case ResizeCoord::PytorchHalfPixel:
      *x = out_width == 1 ? -0.5 : (oo + 0.5) / s - 0.5;
      return true;
    case ResizeCoord::HalfPixelSymmetric: {
      double adjustment = double(p.y.dims[k]) / out_width, center = in / 2;
      *x = center * (1 - adjustment) + (oo + 0.5) / s - 0.5;
      return true;
    }
    case ResizeCoord::HalfPixel:
    case ResizeCoord::kCount:
      break;
  }
  *x = (oo + 0.5) / s - 0.5;
  return true;
}

double cubic_weight(double d, double A) {
  d = std::fabs(d);
  if (d <= 1) return ((A + 2) * d - (A + 3)) * d * d + 1;
  if (d < 2) return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A;
  return 0.0;
}

// Taps base + j for j in [first, first + n) with weights w(j - ratio), normalised.
template <typename Weight>
void filter_taps(int64_t base, double ratio, int64_t first, int64_t n, Weight w, std::vector<double>* weights,
                 std::vector<int64_t>* index) {
  for (int64_t j = first; j < first + n; ++j) {
    index->push_back(base + j);
    weights->push_back(w(double(j) - ratio));
  }
}

bool nearest_takes_upper(ResizeNearest mode, double ratio) {
  switch (mode) {
    case ResizeNearest::RoundPreferCeil: return ratio >= 0.5;
    case ResizeNearest::Floor: return false;
    case ResizeNearest::Ceil: return true;
    default: return ratio > 0.5;
  }
}

}  // namespace

void resize_axis_taps(const ResizeParams& p, int k, int64_t o, ResizeTaps* taps) {
  taps->index.clear();
  taps->weight.clear();
  double x;
  taps->outside = !source_coordinate(p, k, o, &x);
  if (taps->outside) return;
  // The tap left of x is the base; an integer x counts as ratio 1 past the one before it
  // (ONNX prefers the pixel on the left), so ratio lies in (0, 1].
  double c = std::ceil(x);
  int64_t base = int64_t(c) - 1;
  double ratio = x - double(base);
  int64_t in = p.x.dims[k];
  std::vector<double> w;
  std::vector<int64_t> idx;
  // Antialiasing widens the filter by 1 / scale when downsampling.
  double sc = p.antialias ? std::min(p.axes[k].scale, 1.0) : 1.0;
  switch (p.mode) {
    case ResizeMode::Nearest:
      idx.push_back(ratio == 1.0 || nearest_takes_upper(p.nearest, ratio) ? base + 1 : base);
      w.push_back(1.0);
      break;
    case ResizeMode::Linear: {
      int64_t first = int64_t(std::floor(-1 / sc)) + 1;
      filter_taps(base, ratio, first, 2 - 2 * first, [&](double d) { return std::clamp(1 - std::fabs(d * sc), 0.0, 1.0); },
                  &w, &idx);
      break;
    }
    case ResizeMode::Cubic:
    case ResizeMode::kCount: {
      int64_t first = int64_t(std::floor(-2 / sc)) + 1;
      filter_taps(base, ratio, first, 2 - 2 * first, [&](double d) { return cubic_weight(d * sc, double(p.cubic_a)); },
                  &w, &idx);
      break;
    }
  }
  if (p.exclude_outside)
    for (size_t t = 0; t < idx.size(); ++t)
      if (idx[t] < 0 || idx[t] >= in) w[t] = 0;
  double sum = 0;
  for (double v : w) sum += v;
  // Plain linear and cubic weights already sum to 1; antialiased and exclude_outside ones are
  // normalised as ONNX does (a row of zeros stays zero).
  if (sum == 0) sum = 1;
  bool normalise = p.antialias || p.exclude_outside;
  for (size_t t = 0; t < idx.size(); ++t) {
    taps->index.push_back(std::clamp<int64_t>(idx[t], 0, in - 1));
    taps->weight.push_back(float(normalise ? w[t] / sum : w[t]));
  }
}

bool resize_axis_is_identity(const ResizeParams& p, int k) {
  if (p.x.dims[k] != p.y.dims[k]) return false;
  ResizeTaps taps;
  for (int64_t o = 0; o < p.y.dims[k]; ++o) {
    resize_axis_taps(p, k, o, &taps);
    if (taps.outside) return false;
    float at_o = 0.f;
    for (size_t t = 0; t < taps.index.size(); ++t) {
      if (taps.index[t] == o) at_o += taps.weight[t];
      else if (taps.weight[t] != 0.f) return false;
    }
    if (at_o != 1.f) return false;
  }
  return true;
}

}  // namespace aivm::kernels
