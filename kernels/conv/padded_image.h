// A channel plane copied into a zero-padded scratch image, split by column phase when the
// stride is s > 1 (phase q holds padded columns q, q+s, q+2s, ...), so every tap of W
// neighbouring outputs is one contiguous unaligned load with no bounds test: output column ow
// reads padded column ow*s + t (t = kw * dilation), i.e. phase t % s at index ow + t / s.
// The direct conv kernels (depthwise, stem) read their inputs this way.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv/conv.h"

namespace aivm::kernels::padded_image {

struct Geometry {
  int64_t rows, cols;  // padded image: rows x cols
  int64_t phase_cols;  // columns per phase, plus |slack| for loads past the last output
  int64_t stride;      // column stride (phases)
  int64_t row_floats() const { return stride * phase_cols; }
  int64_t floats() const { return rows * row_floats(); }
};

inline Geometry geometry(const Conv2dParams& p, int64_t slack) {
  const isa::Window2d& w = p.window;
  Geometry g;
  g.rows = std::max<int64_t>(p.H + w.pad_top + w.pad_bottom, (p.OH - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1);
  g.cols = std::max<int64_t>(p.W + w.pad_left + w.pad_right, (p.OW - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w + 1);
  g.stride = w.stride_w;
  g.phase_cols = (g.cols + g.stride - 1) / g.stride + slack;
  return g;
}

// Copies plane x [H, W] into |image| (g.floats()), zeros wherever no input lands.
inline void fill(const Conv2dParams& p, const Geometry& g, const float* x, float* image) {
  const isa::Window2d& win = p.window;
  const int64_t row_floats = g.row_floats(), s = g.stride;
  // Long rows: zeros only in the padding rows and each row's ends (filling the whole scratch
  // first cost an eighth of a 56x56 depthwise plane's time). Short rows: one fill of
  // everything, cheaper than two tiny fills per row (7x7 planes ran 1.4x slower that way).
  const bool fill_all = row_floats < 128;
  if (fill_all) {
    std::fill(image, image + g.floats(), 0.f);
  } else {
    std::fill(image, image + win.pad_top * row_floats, 0.f);
    std::fill(image + (p.H + win.pad_top) * row_floats, image + g.floats(), 0.f);
  }
  for (int64_t ih = 0; ih < p.H; ++ih) {
    float* row = image + (ih + win.pad_top) * row_floats;
    const float* in = x + ih * p.W;
    if (s == 1) {
      if (!fill_all) std::fill(row, row + win.pad_left, 0.f);
      std::copy(in, in + p.W, row + win.pad_left);
      if (!fill_all) std::fill(row + win.pad_left + p.W, row + row_floats, 0.f);
      continue;
    }
    for (int64_t q = 0; q < s; ++q) {  // phase q: padded columns c = q + s*j, input column c - pad_left
      const int64_t j0 = q >= win.pad_left ? 0 : (win.pad_left - q + s - 1) / s, iw0 = q + s * j0 - win.pad_left;
      const int64_t count = iw0 < p.W ? (p.W - iw0 + s - 1) / s : 0;
      float* phase = row + q * g.phase_cols;
      const float* src = in + iw0;
      if (!fill_all) std::fill(phase, phase + j0, 0.f);
      if (s == 2) {  // a constant stride the compiler vectorises
        for (int64_t t = 0; t < count; ++t) phase[j0 + t] = src[2 * t];
      } else {
        for (int64_t t = 0; t < count; ++t) phase[j0 + t] = src[s * t];
      }
      if (!fill_all) std::fill(phase + j0 + count, phase + g.phase_cols, 0.f);
    }
  }
}

// Offset within a padded row of each kernel column's tap (phase, then index); kernel_w <= 64.
constexpr int64_t kMaxKernelW = 64;
inline void tap_offsets(const isa::Window2d& win, const Geometry& g, int64_t* kw_offset) {
  for (int64_t kw = 0; kw < std::min<int64_t>(win.kernel_w, kMaxKernelW); ++kw) {
    const int64_t col = kw * win.dilation_w;
    kw_offset[kw] = (col % g.stride) * g.phase_cols + col / g.stride;
  }
}

}  // namespace aivm::kernels::padded_image
