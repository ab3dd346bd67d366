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
  // Rows a whole number of vectors long: on an aligned image the fill's stores stay aligned.
  if (slack > 0) g.phase_cols = (g.phase_cols + slack - 1) / slack * slack;
  return g;
}

// Where input row data lands in each column phase of a padded row: phase q holds input
// columns iw0, iw0 + s, ... at [j0, j0 + count).
struct PhaseSpan {
  int64_t j0, iw0, count;
};

inline PhaseSpan phase_span(const Conv2dParams& p, const Geometry& g, int64_t q) {
  const int64_t s = g.stride, pl = p.window.pad_left;
  const int64_t j0 = q >= pl ? 0 : (pl - q + s - 1) / s, iw0 = q + s * j0 - pl;
  return {j0, iw0, iw0 < p.W ? (p.W - iw0 + s - 1) / s : 0};
}

// Zeros [0, begin) and [end, n) of |phase| (all of it for begin = end = 0) with whole vectors,
// the last ones overlapping those before, nothing past n; they may also write over
// [begin, end): the row's data goes in after.
template <class V>
inline void zero_margins(float* phase, int64_t begin, int64_t end, int64_t n) {
  constexpr int64_t W = int64_t(V::W);
  if (n < W) {
    std::fill(phase, phase + begin, 0.f);
    std::fill(phase + end, phase + n, 0.f);
    return;
  }
  for (int64_t i = 0; i < begin; i += W) V::store(phase + std::min(i, n - W), V::zero());
  for (int64_t i = end; i < n; i += W) V::store(phase + std::min(i, n - W), V::zero());
}

// Copies the padded rows [r0, r1) of plane x [H, W] into |image|, row r at (r - image_row0) rows
// from its start (g.floats() for the whole plane from row 0; a band of rows needs only its
// own), zeros wherever no input lands. V (kernels/simd) splits stride-2 rows. Only a row's
// margins are zeroed, with vector stores, before its input is written: zeroing whole rows
// first, or library fill/copy calls on a row's few padding floats, cost as much as the taps
// of a 56x56 plane (3x3 depthwise, AVX2: 2.5-3.2 us a plane with the calls, 1.7 us with no
// fill at all).
template <class V>
void fill(const Conv2dParams& p, const Geometry& g, const float* x, float* image, int64_t r0, int64_t r1,
          int64_t image_row0 = 0) {
  constexpr int64_t W = int64_t(V::W);
  constexpr int64_t kMaxPhases = 8;  // wider strides zero whole rows
  const isa::Window2d& win = p.window;
  const int64_t row_floats = g.row_floats(), s = g.stride, pl = win.pad_left;
  PhaseSpan span[kMaxPhases];
  for (int64_t q = 0; q < std::min(s, kMaxPhases); ++q) span[q] = phase_span(p, g, q);
  for (int64_t r = r0; r < r1; ++r) {
    float* row = image + (r - image_row0) * row_floats;
    const int64_t ih = r - win.pad_top;
    const bool in_image = ih >= 0 && ih < p.H;
    if (!in_image || s > kMaxPhases) {
      zero_margins<V>(row, 0, 0, row_floats);
    } else {
      for (int64_t q = 0; q < s; ++q)
        zero_margins<V>(row + q * g.phase_cols, span[q].j0, span[q].j0 + span[q].count, g.phase_cols);
    }
    if (!in_image) continue;
    const float* in = x + ih * p.W;
    if (s == 1) {
      float* out = row + pl;
      int64_t i = 0;
      for (; i + W <= p.W; i += W) V::store(out + i, V::load(in + i));
      for (; i < p.W; ++i) out[i] = in[i];
      continue;
    }
    if (s == 2) {  // input column iw lands in phase (iw + pl) % 2 at index (iw + pl) / 2
      simd::deinterleave2<V>(in, p.W, row + (pl % 2) * g.phase_cols + pl / 2,
                             row + ((pl + 1) % 2) * g.phase_cols + (pl + 1) / 2);
      continue;
    }
    for (int64_t q = 0; q < s; ++q) {  // phase q: padded columns c = q + s*j, input column c - pad_left
      const PhaseSpan& sp = q < kMaxPhases ? span[q] : phase_span(p, g, q);
      float* phase = row + q * g.phase_cols;
      for (int64_t t = 0; t < sp.count; ++t) phase[sp.j0 + t] = in[sp.iw0 + s * t];
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
