// The depthwise plane kernel, written once over a vector type V (kernels/simd).
//
// The plane is first copied into a zero-padded scratch image, split by column phase when the
// stride is s > 1 (phase q holds padded columns q, q+s, q+2s, ...), so every tap of every
// output vector is one contiguous unaligned load with no bounds test: output column ow reads
// padded column ow*s + t (t = kw * dilation), i.e. phase t % s at index ow + t / s.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv/conv.h"
#include "kernels/conv/window.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels::depthwise_impl {

struct Geometry {
  int64_t rows, cols;   // padded image: rows x cols
  int64_t phase_cols;   // columns per phase, plus a vector of slack for the last load
  int64_t stride;       // column stride (phases)
};

inline Geometry geometry(const Conv2dParams& p, int64_t lanes) {
  const isa::Window2d& w = p.window;
  Geometry g;
  g.rows = std::max<int64_t>(p.H + w.pad_top + w.pad_bottom, (p.OH - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1);
  g.cols = std::max<int64_t>(p.W + w.pad_left + w.pad_right, (p.OW - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w + 1);
  g.stride = w.stride_w;
  g.phase_cols = (g.cols + g.stride - 1) / g.stride + lanes;
  return g;
}

inline size_t scratch_floats(const Conv2dParams& p, int64_t lanes) {
  Geometry g = geometry(p, lanes);
  return size_t(g.rows * g.stride * g.phase_cols + lanes);
}

// Runs body(activate) with the activation in registers where it has a vector form; otherwise
// body without one, then the activation over the n outputs it stored at y.
template <class V, class Body>
void with_activation(const Activation& act, int64_t n, float* y, Body&& body) {
  if (vmath_impl::with_vector_activation<V>(act, body)) return;
  body([](typename V::T v) { return v; });
  epilogue_activation_f32(act, n, y);
}

// A 1x1 window with unit strides and no padding (a per-channel affine: a BatchNormalization
// the compiler made a depthwise conv): y = act(w x + bias) straight over the plane.
template <class V>
void pointwise_plane(const Conv2dParams& p, const float* x, float w, float bias, const Activation& act, float* y) {
  constexpr int64_t W = int64_t(V::W);
  const int64_t n = p.OH * p.OW;
  const typename V::T wv = V::set1(w), bv = V::set1(bias);
  with_activation<V>(act, n, y, [&](auto activate) {
    int64_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, activate(V::fmadd(V::load(x + i), wv, bv)));
    if (i < n) {
      float tail[W] = {};
      std::copy(x + i, x + n, tail);
      V::store(tail, activate(V::fmadd(V::load(tail), wv, bv)));
      std::copy(tail, tail + (n - i), y + i);
    }
  });
}

template <class V>
void plane(const Conv2dParams& p, const float* x, const float* w, float bias, const Activation& act, float* y,
           float* scratch) {
  if (is_pointwise_window(p.window)) return pointwise_plane<V>(p, x, w[0], bias, act, y);
  constexpr int64_t W = int64_t(V::W);
  constexpr int64_t kMaxKernelW = 64;
  const isa::Window2d& win = p.window;
  const Geometry g = geometry(p, W);
  const int64_t row_floats = g.stride * g.phase_cols, s = g.stride;
  // Zeros where no input lands. Long rows: only the padding rows and each row's ends (filling
  // the whole scratch first cost an eighth of a 56x56 plane's time). Short rows: one fill of
  // everything, cheaper than two tiny fills per row (7x7 planes ran 1.4x slower that way).
  const bool fill_all = row_floats < 128;
  if (fill_all) {
    std::fill(scratch, scratch + g.rows * row_floats, 0.f);
  } else {
    std::fill(scratch, scratch + win.pad_top * row_floats, 0.f);
    std::fill(scratch + (p.H + win.pad_top) * row_floats, scratch + g.rows * row_floats, 0.f);
  }
  for (int64_t ih = 0; ih < p.H; ++ih) {
    float* row = scratch + (ih + win.pad_top) * row_floats;
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
  // Offset of each kernel column's tap within a padded row (phase, then index).
  int64_t kw_offset[kMaxKernelW];
  const int64_t kernel_w = std::min<int64_t>(win.kernel_w, kMaxKernelW);
  for (int64_t kw = 0; kw < kernel_w; ++kw) {
    const int64_t col = kw * win.dilation_w;
    kw_offset[kw] = (col % s) * g.phase_cols + col / s;
  }
  // The plane's output vectors (each output row in ceil(OW / W) of them, the last maybe
  // partial) in groups of U: U independent FMA chains hide the FMA latency that a single
  // accumulator waits on at every tap, however narrow the rows are. A short last group
  // repeats its first vector and stores only its own.
  constexpr int64_t U = 4;
  const int64_t row_vectors = (p.OW + W - 1) / W, vectors = p.OH * row_vectors;
  with_activation<V>(act, p.OH * p.OW, y, [&](auto activate) {
    for (int64_t v0 = 0; v0 < vectors; v0 += U) {
      const int64_t count = std::min(U, vectors - v0);
      const float* src[U];
      float* dst[U];
      int64_t lanes[U];
      for (int64_t u = 0; u < U; ++u) {
        const int64_t v = v0 + (u < count ? u : 0), oh = v / row_vectors, ow = v % row_vectors * W;
        src[u] = scratch + oh * win.stride_h * row_floats + ow;
        dst[u] = y + oh * p.OW + ow;
        lanes[u] = std::min(W, p.OW - ow);
      }
      typename V::T acc[U];
      for (int64_t u = 0; u < U; ++u) acc[u] = V::set1(bias);
      const float* wt = w;
      for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
        const int64_t row_offset = kh * win.dilation_h * row_floats;
        for (int64_t kw = 0; kw < kernel_w; ++kw) {
          const typename V::T wv = V::set1(wt[kw]);
          const int64_t offset = row_offset + kw_offset[kw];
          for (int64_t u = 0; u < U; ++u) acc[u] = V::fmadd(V::load(src[u] + offset), wv, acc[u]);
        }
        wt += win.kernel_w;
      }
      for (int64_t u = 0; u < count; ++u) {
        const typename V::T out = activate(acc[u]);
        if (lanes[u] == W) {
          V::store(dst[u], out);
        } else {
          float tail[W];
          V::store(tail, out);
          std::copy(tail, tail + lanes[u], dst[u]);
        }
      }
    }
  });
}

}  // namespace aivm::kernels::depthwise_impl
