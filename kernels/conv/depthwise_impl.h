// The depthwise plane kernel, written once over a vector type V (kernels/simd): the plane is
// copied into a padded, phase-split image (padded_image.h), then each output vector is a sum
// of contiguous loads, one per tap.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/conv/conv.h"
#include "kernels/conv/padded_image.h"
#include "kernels/conv/window.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels::depthwise_impl {

inline size_t scratch_floats(const Conv2dParams& p, int64_t lanes) {
  return size_t(padded_image::geometry(p, lanes).floats() + lanes);
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
  const isa::Window2d& win = p.window;
  const padded_image::Geometry g = padded_image::geometry(p, W);
  const int64_t row_floats = g.row_floats();
  padded_image::fill<V>(p, g, x, scratch, 0, g.rows);
  int64_t kw_offset[padded_image::kMaxKernelW];
  padded_image::tap_offsets(win, g, kw_offset);
  const int64_t kernel_w = std::min<int64_t>(win.kernel_w, padded_image::kMaxKernelW);
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
