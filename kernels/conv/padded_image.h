// A channel plane copied into a zero-padded scratch image, split by column phase when the
// stride is s > 1 (phase q holds padded columns q, q+s, q+2s, ...), so every tap of W
// neighbouring outputs is one contiguous unaligned load with no bounds test: output column ow
// reads padded column ow*s + t (t = kw * dilation), i.e. phase t % s at index ow + t / s.
// The direct conv kernels (depthwise, stem) read their inputs this way.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv/conv.h"
#include "kernels/simd/deinterleave.h"

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

// Copies the padded rows [r0, r1) of plane x [H, W] into |image| (g.floats() for the whole
// plane), zeros wherever no input lands. V (kernels/simd) splits stride-2 rows.
template <class V>
void fill(const Conv2dParams& p, const Geometry& g, const float* x, float* image, int64_t r0, int64_t r1) {
  const isa::Window2d& win = p.window;
  const int64_t row_floats = g.row_floats(), s = g.stride, pl = win.pad_left;
  // Long rows: zeros only in the padding rows and each row's ends (filling the whole scratch
  // first cost an eighth of a 56x56 depthwise plane's time). Short rows: one fill of
  // everything, cheaper than two tiny fills per row (7x7 planes ran 1.4x slower that way).
  const bool fill_all = row_floats < 128;
  if (fill_all) std::fill(image + r0 * row_floats, image + r1 * row_floats, 0.f);
  for (int64_t r = r0; r < r1; ++r) {
    float* row = image + r * row_floats;
    const int64_t ih = r - win.pad_top;
    if (ih < 0 || ih >= p.H) {
      if (!fill_all) std::fill(row, row + row_floats, 0.f);
      continue;
    }
    const float* in = x + ih * p.W;
    if (s == 1) {
      if (!fill_all) std::fill(row, row + pl, 0.f);
      std::copy(in, in + p.W, row + pl);
      if (!fill_all) std::fill(row + pl + p.W, row + row_floats, 0.f);
      continue;
    }
    for (int64_t q = 0; q < s; ++q) {  // phase q: padded columns c = q + s*j, input column c - pad_left
      const int64_t j0 = q >= pl ? 0 : (pl - q + s - 1) / s, iw0 = q + s * j0 - pl;
      const int64_t count = iw0 < p.W ? (p.W - iw0 + s - 1) / s : 0;
      float* phase = row + q * g.phase_cols;
      if (!fill_all) {
        std::fill(phase, phase + j0, 0.f);
        std::fill(phase + j0 + count, phase + g.phase_cols, 0.f);
      }
      if (s != 2) {
        for (int64_t t = 0; t < count; ++t) phase[j0 + t] = in[iw0 + s * t];
      }
    }
    // Stride 2: input column iw lands in phase (iw + pl) % 2 at index (iw + pl) / 2.
    if (s == 2) {
      simd::deinterleave2<V>(in, p.W, row + (pl % 2) * g.phase_cols + pl / 2,
                             row + ((pl + 1) % 2) * g.phase_cols + (pl + 1) / 2);
    }
  }
}

// Offsets of the window's taps (c, kh, kw), in that order, from an output row's first input
// row, over |channels| padded planes |plane_floats| apart: channels * kernel_h * kernel_w
// entries of |offset|.
inline void tap_offsets(const isa::Window2d& win, const Geometry& g, int64_t channels, int64_t plane_floats,
                        int64_t* offset) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t kh = 0; kh < win.kernel_h; ++kh)
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        const int64_t col = kw * win.dilation_w;
        *offset++ = c * plane_floats + kh * win.dilation_h * g.row_floats() + (col % g.stride) * g.phase_cols +
                    col / g.stride;
      }
}

}  // namespace aivm::kernels::padded_image
