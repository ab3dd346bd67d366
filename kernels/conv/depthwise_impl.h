// The depthwise plane kernel, written once over a vector type V (kernels/simd): the plane is
// copied into a padded, phase-split image (padded_image.h), then each output vector is a sum
// of contiguous loads, one per tap.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/conv/conv.h"
#include "kernels/conv/padded_image.h"
#include "kernels/conv/window.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels::depthwise_impl {

// The plane kernel aligns its image to a cache line inside the scratch it is given.
constexpr int64_t kScratchAlignFloats = 16;
// |scratch| rounded up to a cache line (scratch sizes include kScratchAlignFloats of slack):
// vector loads from an image on a 16-byte boundary split across lines every other pixel.
inline float* align_scratch(float* scratch) {
  constexpr uintptr_t kAlignBytes = kScratchAlignFloats * sizeof(float);
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + kAlignBytes - 1) & ~(kAlignBytes - 1));
}

// The plane kernel pads its image a band of output rows at a time, the band's padded rows
// within this many bytes: the band stays in L1 between its fill and its taps. A whole padded
// 112-wide plane (73 KiB at stride 2) went out to L2 while it was written and came back for
// the taps; the fill then took 65% of the kernel (Sapphire Rapids, AVX-512, conv_bench
// dw3x3s2_96ch_112_relu6, 1 thread: 420-446 -> 352-383 us with deinterleave2's vector tail).
constexpr int64_t kBandBytes = 16 * 1024;

// Output rows per band: at least one, whatever the row's size.
inline int64_t band_out_rows(const Conv2dParams& p, const padded_image::Geometry& g) {
  const int64_t extent = (p.window.kernel_h - 1) * p.window.dilation_h + 1;
  const int64_t rows_fit = kBandBytes / (g.row_floats() * int64_t(sizeof(float)));
  return std::clamp<int64_t>((rows_fit - extent) / p.window.stride_h + 1, 1, std::max<int64_t>(p.OH, 1));
}

// Padded rows a band of |out_rows| output rows reads.
inline int64_t band_padded_rows(const Conv2dParams& p, int64_t out_rows) {
  return (out_rows - 1) * p.window.stride_h + (p.window.kernel_h - 1) * p.window.dilation_h + 1;
}

// A band fits kBandBytes, or is the window's rows alone (the widest variant's rows are the
// longest: |lanes| is its width), and never more than the whole image.
inline size_t scratch_floats(const Conv2dParams& p, int64_t lanes) {
  const padded_image::Geometry g = padded_image::geometry(p, lanes);
  const int64_t band = std::max<int64_t>(kBandBytes / int64_t(sizeof(float)), band_padded_rows(p, 1) * g.row_floats());
  return size_t(std::min(band, g.floats()) + lanes + kScratchAlignFloats);
}

// A 1x1 window with unit strides and no padding (a per-channel affine: a BatchNormalization
// the compiler made a depthwise conv): y = act(w x + bias) straight over the plane.
template <class V>
void pointwise_plane(const Conv2dParams& p, const float* x, float w, float bias, const Activation& act, float* y) {
  constexpr int64_t W = int64_t(V::W);
  const int64_t n = p.OH * p.OW;
  const typename V::T wv = V::set1(w), bv = V::set1(bias);
  auto body = [&](auto activate) {
    int64_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, activate(V::fmadd(V::load(x + i), wv, bv)));
    if (i < n) {
      float tail[W] = {};
      std::copy(x + i, x + n, tail);
      V::store(tail, activate(V::fmadd(V::load(tail), wv, bv)));
      std::copy(tail, tail + (n - i), y + i);
    }
  };
  vmath_impl::with_activation_or_after<V>(act, body, [&] { epilogue_activation_f32(act, n, y); });
}

// Most windows a depthwise conv may have (depthwise_applies): the taps' offsets sit in an array.
constexpr int64_t kMaxTaps = 256;

// An empty asm that claims to read and write |v| in a register: the value must exist there.
template <class T>
inline __attribute__((always_inline)) void pin_register(T& v) {
#if defined(__x86_64__)
  asm volatile("" : "+v"(v));
#elif defined(__aarch64__)
  asm volatile("" : "+w"(v));
#else
  (void)v;
#endif
}

// U output vectors' sums over the window's taps, each vector's loads from its own |src|. K > 0:
// a K x K window with unit dilation and column stride S (1 or 2) in the phase-split image, so
// after unrolling every load is a pointer plus a displacement (a tap table read from memory
// at each tap took a third of the loop's instructions); 3x3 weights are broadcast once per
// plane.
// K == 0: any window, through |tap_offset|.
template <class V, int64_t K, int64_t S, int64_t U>
inline __attribute__((always_inline)) void window_sums(typename V::T (&acc)[U], const float* const (&src)[U],
                                                       const typename V::T* w3x3, const float* w, float bias,
                                                       int64_t row_floats, int64_t phase_cols,
                                                       const int64_t* tap_offset, int64_t taps) {
  using T = typename V::T;
  for (int64_t u = 0; u < U; ++u) acc[u] = V::set1(bias);
  if constexpr (K > 0) {
#pragma GCC unroll 5
    for (int64_t kh = 0; kh < K; ++kh) {
#pragma GCC unroll 5
      for (int64_t kw = 0; kw < K; ++kw) {
        const int64_t offset = kh * row_floats + (kw % S) * phase_cols + kw / S;
        T weight;
        if constexpr (K == 3) {
          weight = w3x3[kh * K + kw];
        } else {
          weight = V::set1(w[kh * K + kw]);
        }
#pragma GCC unroll 4
        for (int64_t u = 0; u < U; ++u) acc[u] = V::fmadd(V::load(src[u] + offset), weight, acc[u]);
      }
    }
  } else {
    for (int64_t t = 0; t < taps; ++t) {
      const T weight = V::set1(w[t]);
#pragma GCC unroll 4
      for (int64_t u = 0; u < U; ++u) acc[u] = V::fmadd(V::load(src[u] + tap_offset[t]), weight, acc[u]);
    }
  }
}

// The plane's output rows, each in ceil(OW / W) vectors (the last maybe partial), a band of
// |band_rows| at a time: fill_band(oh0, oh1) pads the input rows of output rows [oh0, oh1) into
// |image|, its first row that of output row oh0. A row's
// whole groups of U vectors run with their sources a vector apart; the rest of each row (and
// partial vectors) are queued and run U at a time across rows: U independent FMA chains hide
// the FMA latency that a single accumulator waits on at every tap, however narrow the rows
// are. A short last group repeats its first vector and stores only its own.
template <class V, int64_t K, int64_t S, class FillBand>
void sum_taps(const Conv2dParams& p, const float* image, const padded_image::Geometry& g, int64_t band_rows,
              FillBand fill_band, const int64_t* tap_offset, int64_t taps, const float* w, float bias,
              const Activation& act, float* y) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W), U = 4;
  const int64_t row_floats = g.row_floats(), phase_cols = g.phase_cols;
  const int64_t row_step = p.window.stride_h * row_floats;
  T w3x3[K == 3 ? 9 : 1];
  if constexpr (K == 3) {
    for (int64_t t = 0; t < 9; ++t) w3x3[t] = V::set1(w[t]);
  }
  auto body = [&](auto activate) {
    const float* queued_src[U] = {};
    float* queued_dst[U] = {};
    int64_t queued_lanes[U] = {}, queued = 0;
    auto run_queued = [&] {
      for (int64_t u = queued; u < U; ++u) queued_src[u] = queued_src[0];
      T acc[U];
      window_sums<V, K, S, U>(acc, queued_src, w3x3, w, bias, row_floats, phase_cols, tap_offset, taps);
      // Materialized here, the accumulators stay in registers through the stores below;
      // otherwise GCC keeps them on the stack for the loop over a run-time count.
      for (int64_t u = 0; u < U; ++u) pin_register(acc[u]);
#pragma GCC unroll 4
      for (int64_t u = 0; u < U; ++u) {
        if (u >= queued) break;
        const T out = activate(acc[u]);
        if (queued_lanes[u] == W) {
          V::store(queued_dst[u], out);
        } else {
          float tail[W];
          V::store(tail, out);
          std::copy(tail, tail + queued_lanes[u], queued_dst[u]);
        }
      }
      queued = 0;
    };
    int64_t band0 = 0, band_end = 0;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      if (oh == band_end) {
        if (queued) run_queued();  // their sources are in the band about to be overwritten
        band0 = oh;
        band_end = std::min(p.OH, oh + band_rows);
        fill_band(band0, band_end);
      }
      const float* in = image + (oh - band0) * row_step;
      float* out = y + oh * p.OW;
      int64_t ow = 0;
      for (; ow + U * W <= p.OW; ow += U * W) {
        const float* src[U];
        for (int64_t u = 0; u < U; ++u) src[u] = in + ow + u * W;
        T acc[U];
        window_sums<V, K, S, U>(acc, src, w3x3, w, bias, row_floats, phase_cols, tap_offset, taps);
        for (int64_t u = 0; u < U; ++u) V::store(out + ow + u * W, activate(acc[u]));
      }
      for (; ow < p.OW; ow += W) {
        queued_src[queued] = in + ow;
        queued_dst[queued] = out + ow;
        queued_lanes[queued] = std::min(W, p.OW - ow);
        if (++queued == U) run_queued();
      }
    }
    if (queued) run_queued();
  };
  vmath_impl::with_activation_or_after<V>(act, body, [&] { epilogue_activation_f32(act, p.OH * p.OW, y); });
}

template <class V>
void plane(const Conv2dParams& p, const float* x, const float* w, float bias, const Activation& act, float* y,
           float* scratch) {
  if (is_pointwise_window(p.window)) return pointwise_plane<V>(p, x, w[0], bias, act, y);
  const isa::Window2d& win = p.window;
  const padded_image::Geometry g = padded_image::geometry(p, int64_t(V::W));
  scratch = align_scratch(scratch);
  const int64_t band_rows = band_out_rows(p, g);
  auto fill_band = [&](int64_t oh0, int64_t oh1) {
    const int64_t r0 = oh0 * win.stride_h;
    padded_image::fill<V>(p, g, x, scratch, r0, r0 + band_padded_rows(p, oh1 - oh0), r0);
  };
  int64_t tap_offset[kMaxTaps];
  padded_image::tap_offsets(win, g, 1, 0, tap_offset);
  const int64_t taps = int64_t(win.kernel_h) * win.kernel_w;
  const bool square = win.kernel_h == win.kernel_w && win.dilation_h == 1 && win.dilation_w == 1;
  auto run = [&](auto k, auto s) {
    sum_taps<V, k(), s()>(p, scratch, g, band_rows, fill_band, tap_offset, taps, w, bias, act, y);
  };
  using K3 = std::integral_constant<int64_t, 3>;
  using K5 = std::integral_constant<int64_t, 5>;
  using S1 = std::integral_constant<int64_t, 1>;
  using S2 = std::integral_constant<int64_t, 2>;
  if (square && win.kernel_h == 3 && win.stride_w == 1) return run(K3{}, S1{});
  if (square && win.kernel_h == 3 && win.stride_w == 2) return run(K3{}, S2{});
  if (square && win.kernel_h == 5 && win.stride_w == 1) return run(K5{}, S1{});
  if (square && win.kernel_h == 5 && win.stride_w == 2) return run(K5{}, S2{});
  sum_taps<V, 0, 1>(p, scratch, g, band_rows, fill_band, tap_offset, taps, w, bias, act, y);
}

// Channel-blocked: channels [c0, c0 + W) of one image, each output pixel one vector across
// the channels. The block is copied into a zero-padded [rows][cols][W] image, so every tap of
// a pixel is one aligned load whatever the plane's width or stride; small planes (a 7x7 row
// fills half of one 16-lane vector) run at full vector width. Channels past C are zeros.
inline size_t block_scratch_floats(const Conv2dParams& p, int64_t lanes) {
  const padded_image::Geometry g = padded_image::geometry(p, 0);
  return size_t((g.rows * g.cols + kMaxTaps + 1) * lanes + kScratchAlignFloats);
}


// Whether V has an 8x8 register transpose (simd::V256): the channel block's copy in and out.
template <class V, class = void>
constexpr bool kHasTranspose8 = false;
template <class V>
constexpr bool kHasTranspose8<V, std::void_t<decltype(V::transpose8(std::declval<typename V::T (&)[8]>()))>> =
    V::W == 8;

// Where a channel block's results go: channels [c0, c0 + nc) of the NCHW output y.
struct BlockOutput {
  float* y;
  int64_t c0, nc, plane;
};

// The taps of a K x K window (unit dilation) for U pixels: fully unrolled, every load at a
// constant offset from its pixel's pointer (no tap table to read).
template <class V, int64_t K, size_t U>
inline __attribute__((always_inline)) void block_taps_square(typename V::T (&acc)[U], const float* const (&src)[U],
                                                             const float* weights, int64_t row_floats) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
#pragma GCC unroll 8
  for (int64_t kh = 0; kh < K; ++kh) {
#pragma GCC unroll 8
    for (int64_t kw = 0; kw < K; ++kw) {
      const T wv = V::load(weights + (kh * K + kw) * W);
#pragma GCC unroll 8
      for (size_t u = 0; u < U; ++u) acc[u] = V::fmadd(V::load(src[u] + kh * row_floats + kw * W), wv, acc[u]);
    }
  }
}

// A channel block's output pixels in groups of U = 8, taken in order across rows, each with its
// own pointer into the padded [rows][cols][W] image: U independent FMA chains for every pixel,
// where groups within a row left a 7- or 14-wide row's last pixels to a single chain waiting
// on the FMA latency at each tap. A short last group repeats its last pixel and stores only
// its own. With an 8x8 transpose (W = 8) a group is 8 pixels of each channel: one vector
// store per channel. K > 0: a K x K window with unit dilation, unrolled.
template <class V, int64_t K, class Activate>
void block_pixels(const Conv2dParams& p, const float* image, int64_t row_floats, const float* weights,
                  const int64_t* tap_offset, typename V::T bias, const BlockOutput& out, Activate activate) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
  constexpr size_t U = 8;
  const int64_t row_step = p.window.stride_h * row_floats, col_step = p.window.stride_w * W;
  const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w;
  int64_t oh = 0, ow = 0;  // the next group's first pixel
  for (int64_t pixel0 = 0; pixel0 < out.plane; pixel0 += int64_t(U)) {
    const int64_t count = std::min(int64_t(U), out.plane - pixel0);
    const float* src[U];
    for (size_t u = 0; u < U; ++u) {
      if (int64_t(u) >= count) {
        src[u] = src[count - 1];
        continue;
      }
      src[u] = image + oh * row_step + ow * col_step;
      if (++ow == p.OW) ow = 0, ++oh;
    }
    T acc[U];
    for (size_t u = 0; u < U; ++u) acc[u] = bias;
    if constexpr (K > 0) {
      block_taps_square<V, K, U>(acc, src, weights, row_floats);
    } else {
      for (int64_t t = 0; t < taps; ++t) {
        const T wv = V::load(weights + t * W);
        for (size_t u = 0; u < U; ++u) acc[u] = V::fmadd(V::load(src[u] + tap_offset[t]), wv, acc[u]);
      }
    }
    for (size_t u = 0; u < U; ++u) pin_register(acc[u]);
    for (size_t u = 0; u < U; ++u) acc[u] = activate(acc[u]);
    if constexpr (kHasTranspose8<V>) {
      V::transpose8(acc);
      for (int64_t c = 0; c < out.nc; ++c) {
        float* dst = out.y + (out.c0 + c) * out.plane + pixel0;
        if (count == int64_t(U)) {
          V::store(dst, acc[c]);
        } else {
          float tail[U];
          V::store(tail, acc[c]);
          std::copy(tail, tail + count, dst);
        }
      }
    } else {
      for (int64_t u = 0; u < count; ++u) {
        float lanes[W];
        V::store(lanes, acc[u]);
        for (int64_t c = 0; c < out.nc; ++c) out.y[(out.c0 + c) * out.plane + pixel0 + u] = lanes[c];
      }
    }
  }
}

template <class V>
void block(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
           float* y, int64_t c0, float* scratch) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
  const isa::Window2d& win = p.window;
  const padded_image::Geometry g = padded_image::geometry(p, 0);
  const int64_t cols = g.cols, nc = std::min(W, p.C - c0), taps = int64_t(win.kernel_h) * win.kernel_w;
  const int64_t in_plane = p.H * p.W, out_plane = p.OH * p.OW;
  float* image = align_scratch(scratch);        // [rows][cols][W]
  float* weights = image + g.rows * cols * W;  // [taps][W], then the bias [W]
  float* bias_v = weights + taps * W;
  // A large image is zeroed only where no input lands: the rows above and below, the columns
  // either side. Zeroing all of a 56-wide block's 107 KiB was 10% of the kernel's time
  // (Sapphire Rapids, conv_bench, 1 thread: dw3x3s1_144ch_56_relu6 246-269 -> 222-225 us,
  // dw3x3s2_144ch_56_swish 146-147 -> 120-131); on 7x7 planes the fill calls per row lost 5%.
  constexpr int64_t kZeroWholeMaxBytes = 64 << 10;
  const int64_t row_floats = cols * W, in_row0 = win.pad_top, in_row1 = win.pad_top + p.H;
  if (g.rows * row_floats * int64_t(sizeof(float)) <= kZeroWholeMaxBytes) {
    std::fill(image, image + g.rows * row_floats, 0.f);
  } else {
    std::fill(image, image + in_row0 * row_floats, 0.f);
    std::fill(image + in_row1 * row_floats, image + g.rows * row_floats, 0.f);
    for (int64_t r = in_row0; r < in_row1; ++r) {
      float* row = image + r * row_floats;
      std::fill(row, row + win.pad_left * W, 0.f);
      std::fill(row + (win.pad_left + p.W) * W, row + row_floats, 0.f);
    }
  }
  if constexpr (kHasTranspose8<V>) {
    // 8 columns of 8 channels at a time, transposed in registers. A load that would run
    // past its channel's plane goes through a zero-padded copy.
    for (int64_t ih = 0; ih < p.H; ++ih) {
      float* dst = image + ((ih + win.pad_top) * cols + win.pad_left) * W;
      for (int64_t iw0 = 0; iw0 < p.W; iw0 += 8) {
        const int64_t count = std::min<int64_t>(8, p.W - iw0), at = ih * p.W + iw0;
        T r[8];
        for (int64_t c = 0; c < 8; ++c) {
          const float* src = x + (c0 + c) * in_plane + at;
          if (c >= nc) {
            r[c] = V::zero();
          } else if (at + 8 <= in_plane) {
            r[c] = V::load(src);
          } else {
            float tail[8] = {};
            std::copy(src, src + count, tail);
            r[c] = V::load(tail);
          }
        }
        V::transpose8(r);
        for (int64_t j = 0; j < count; ++j) V::store(dst + (iw0 + j) * W, r[j]);
      }
    }
  } else {
    for (int64_t c = 0; c < nc; ++c) {
      const float* xc = x + (c0 + c) * in_plane;
      for (int64_t ih = 0; ih < p.H; ++ih) {
        float* dst = image + ((ih + win.pad_top) * cols + win.pad_left) * W + c;
        for (int64_t iw = 0; iw < p.W; ++iw) dst[iw * W] = xc[ih * p.W + iw];
      }
    }
  }
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t c = 0; c < W; ++c) weights[t * W + c] = c < nc ? w[(c0 + c) * taps + t] : 0.f;
  for (int64_t c = 0; c < W; ++c) bias_v[c] = bias && c < nc ? bias[c0 + c] : 0.f;
  int64_t tap_offset[kMaxTaps];
  for (int64_t kh = 0, t = 0; kh < win.kernel_h; ++kh)
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) tap_offset[t++] = (kh * win.dilation_h * cols + kw * win.dilation_w) * W;
  const T b = V::load(bias_v);
  auto body = [&](auto activate) {
    const BlockOutput out{y, c0, nc, out_plane};
    const bool square = win.kernel_h == win.kernel_w && win.dilation_h == 1 && win.dilation_w == 1;
    if (square && win.kernel_h == 3) return block_pixels<V, 3>(p, image, cols * W, weights, tap_offset, b, out, activate);
    if (square && win.kernel_h == 5) return block_pixels<V, 5>(p, image, cols * W, weights, tap_offset, b, out, activate);
    block_pixels<V, 0>(p, image, cols * W, weights, tap_offset, b, out, activate);
  };
  vmath_impl::with_activation_or_after<V>(act, body, [&] {
    for (int64_t c = 0; c < nc; ++c) epilogue_activation_f32(act, out_plane, y + (c0 + c) * out_plane);
  });
}

}  // namespace aivm::kernels::depthwise_impl
