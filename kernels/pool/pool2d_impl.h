// The 2-D pooling plane kernel, written once over a vector type V (kernels/simd) for max and
// average alike: the window is separable, so each output row is
//   1. a vertical pass: the window's valid input rows folded into one row buffer, a contiguous
//      vector loop over the input width, with the padding cells set to the fold's identity;
//   2. for stride s > 1, that row split by column phase (phase q holds padded columns q, q+s,
//      ...), so every horizontal tap of W neighbouring outputs is one contiguous load;
//   3. a horizontal pass: the kernel_w taps folded per output vector, then (average) the
//      per-output reciprocal count applied.
// Each input cell is read kernel_h / stride_h times per plane instead of kernel_h * kernel_w
// times with a stride-s gather, and no pass reads and writes the output more than once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/pool/pool.h"
#include "kernels/simd/deinterleave.h"
#include "kernels/simd/scalar.h"

namespace aivm::kernels::pool2d_impl {

struct Geometry {
  int64_t cols;        // padded row: the input, its padding, and what a ceil-mode window reaches
  int64_t phase_cols;  // columns per phase, plus a vector of slack for the last load
  int64_t stride;      // column stride (phases)
};

inline Geometry geometry(const Pool2dParams& p, int64_t lanes) {
  const isa::Window2d& w = p.window;
  Geometry g;
  g.cols = std::max<int64_t>(p.W + w.pad_left + w.pad_right,
                             (p.OW - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w + 1);
  g.stride = w.stride_w;
  g.phase_cols = (g.cols + g.stride - 1) / g.stride + lanes;
  return g;
}

// The row buffer, then the phases (stride > 1 only).
inline size_t scratch_floats(const Pool2dParams& p, int64_t lanes) {
  const Geometry g = geometry(p, lanes);
  return size_t(g.cols + lanes + (g.stride > 1 ? g.stride * g.phase_cols : 0));
}

// The fold of a window: V is the vector type it runs on (simd::Scalar for row tails).
struct MaxFold {
  static float identity() { return -std::numeric_limits<float>::infinity(); }
  // The new value first: max(NaN, m) keeps m, as the reference's `v > m ? v : m` does.
  template <class V>
  static typename V::T fold(typename V::T value, typename V::T acc) { return V::max(value, acc); }
};

struct SumFold {
  static float identity() { return 0.f; }
  template <class V>
  static typename V::T fold(typename V::T value, typename V::T acc) { return V::add(value, acc); }
};

// Max pooling with a 3x3 window at stride 2 and no dilation (the stems of resnet, densenet,
// googlenet; squeezenet's pools), straight from the input rows: per W outputs, the window
// rows' maxima at input columns [c, c + 2W) and [c + 2, c + 2W + 2), then out = max(even
// columns, odd columns, even columns one step on). The separable passes below store a row
// buffer and its column phases and reload them at once, stalling on store forwarding: 3-5x
// slower on Zen 3. Outputs whose window touches the padding or whose loads would pass the
// row's end take a scalar loop over their valid taps. Folds keep the reference's NaN rule:
// the new value first, so a NaN never replaces the running maximum.
inline bool is_max3x3s2(const isa::Window2d& w) {
  return w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 2 && w.stride_w == 2 && w.dilation_h == 1 &&
         w.dilation_w == 1;
}

template <class V>
void max3x3s2_plane(const Pool2dParams& p, const float* x, float* y) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
  const isa::Window2d& win = p.window;
  const float identity = MaxFold::identity();
  const T id = V::set1(identity);
  const int64_t first_vector = (win.pad_left + 1) / 2;  // first output whose window starts in the row
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    float* out = y + oh * p.OW;
    const float* rows[3];
    int64_t valid = 0, last_ih = 0;
    for (int64_t kh = 0; kh < 3; ++kh) {
      const int64_t ih = oh * 2 - win.pad_top + kh;
      if (ih >= 0 && ih < p.H) rows[valid++] = x + ih * p.W, last_ih = ih;
    }
    if (valid == 0) {  // the window lies wholly in padding
      std::fill(out, out + p.OW, identity);
      continue;
    }
    for (int64_t k = valid; k < 3; ++k) rows[k] = rows[0];  // max is idempotent
    auto one_output = [&](int64_t ow) {
      const int64_t c = ow * 2 - win.pad_left, begin = std::max<int64_t>(c, 0), end = std::min(c + 3, p.W);
      float m = identity;
      for (int64_t k = 0; k < valid; ++k)
        for (int64_t i = begin; i < end; ++i) m = simd::Scalar::max(rows[k][i], m);
      return m;
    };
    // W outputs from rows r whose column 0 is input column c.
    auto vector_of_outputs = [&](const float* const (&r)[3], int64_t c) {
      auto column_max = [&](int64_t at) {
        T m = id;
        for (int64_t k = 0; k < 3; ++k) m = V::max(V::load(r[k] + at), m);
        return m;
      };
      const T lo = column_max(c), hi = column_max(c + W), lo2 = column_max(c + 2), hi2 = column_max(c + W + 2);
      return V::max(V::even(lo2, hi2), V::max(V::even(lo, hi), V::odd(lo, hi)));
    };
    int64_t ow = 0;
    for (; ow < std::min(first_vector, p.OW); ++ow) out[ow] = one_output(ow);
    for (; ow + W <= p.OW && ow * 2 - win.pad_left + 2 * W + 2 <= p.W; ow += W)
      V::store(out + ow, vector_of_outputs(rows, ow * 2 - win.pad_left));
    // The row's end. Where the windows of the outputs left lie inside the row, the vector
    // code runs as it is: its loads pass the row's end by at most 2W + 2 columns, into the
    // next row of the plane (none for the plane's last row), and only the lanes of outputs
    // past OW see them. Otherwise the last columns are copied beside the identity (the
    // padding, or what a ceil-mode window reaches past the row) and the same code runs there.
    // Below the plane's last row, all W lanes are stored: the extra ones land on the next
    // output row, which is written after this one. (Storing W lanes to the stack and copying
    // fewer out stalled each row on store forwarding: 10% of squeezenet's 128 x 55 x 55 pool.)
    for (; ow < p.OW; ow += W) {
      const int64_t c = ow * 2 - win.pad_left, count = std::min(W, p.OW - ow);
      float tail[W];
      if (c + 2 * (count - 1) + 2 < p.W && last_ih + 1 < p.H && p.W >= 2 * W + 2) {
        if (oh + 1 < p.OH || count == W) {
          V::store(out + ow, vector_of_outputs(rows, c));
          continue;
        }
        V::store(tail, vector_of_outputs(rows, c));
      } else {
        const int64_t n = std::max<int64_t>(0, std::min(2 * W + 2, p.W - c));
        float buf[3][2 * W + 2];
        const float* r[3];
        for (int64_t k = 0; k < 3; ++k) {
          std::fill(buf[k], buf[k] + 2 * W + 2, identity);
          if (n > 0) std::copy(rows[k] + c, rows[k] + c + n, buf[k]);
          r[k] = buf[k];
        }
        V::store(tail, vector_of_outputs(r, 0));
      }
      std::copy(tail, tail + count, out + ow);
    }
  }
}

// Average pooling 2x2 at stride 2 whose windows all lie inside the input (no padding, no
// partial ceil-mode window): densenet's transition pools. Per W outputs, the two input rows'
// column sums over [c, c + 2W), then even + odd columns, times 1/4: the order of the separable
// passes (vertical, then horizontal), so the result is the same to the bit, without their row
// buffer and column phases (128 x 56 x 56 planes, AVX2, Zen 3: 183 -> 46 us).
inline bool is_full_avg2x2s2(const Pool2dParams& p) {
  const isa::Window2d& w = p.window;
  return w.kernel_h == 2 && w.kernel_w == 2 && w.stride_h == 2 && w.stride_w == 2 && w.dilation_h == 1 &&
         w.dilation_w == 1 && w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0 &&
         2 * p.OH <= p.H && 2 * p.OW <= p.W;
}

template <class V>
void avg2x2s2_plane(const Pool2dParams& p, const float* x, float* y) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
  const T quarter = V::set1(0.25f);
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float *r0 = x + 2 * oh * p.W, *r1 = r0 + p.W;
    float* out = y + oh * p.OW;
    int64_t ow = 0;
    for (; ow + W <= p.OW; ow += W) {
      const T lo = V::add(V::load(r0 + 2 * ow), V::load(r1 + 2 * ow));
      const T hi = V::add(V::load(r0 + 2 * ow + W), V::load(r1 + 2 * ow + W));
      V::store(out + ow, V::mul(V::add(V::even(lo, hi), V::odd(lo, hi)), quarter));
    }
    for (; ow < p.OW; ++ow) out[ow] = ((r0[2 * ow] + r1[2 * ow]) + (r0[2 * ow + 1] + r1[2 * ow + 1])) * 0.25f;
  }
}

// One (n, c) plane: x [H, W] -> y [OH, OW]. |inv_count| ([OH, OW], average only) scales each
// output; null leaves the fold as it is.
template <class V, class Fold>
void plane(const Pool2dParams& p, const float* inv_count, const float* x, float* y, float* scratch) {
  if constexpr (std::is_same_v<Fold, MaxFold>) {
    if (is_max3x3s2(p.window)) return max3x3s2_plane<V>(p, x, y);
  }
  if constexpr (std::is_same_v<Fold, SumFold>) {
    if (inv_count && is_full_avg2x2s2(p)) return avg2x2s2_plane<V>(p, x, y);
  }
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W);
  const isa::Window2d& win = p.window;
  const Geometry g = geometry(p, W);
  const int64_t s = g.stride;
  const float identity = Fold::identity();
  float* row = scratch;                      // g.cols + W: a whole vector past the last column
  float* phases = s > 1 ? row + g.cols + W : row;
  const int64_t phase_cols = s > 1 ? g.phase_cols : g.cols + W;
  // The padding cells never change: set them once per plane.
  std::fill(row, row + win.pad_left, identity);
  std::fill(row + win.pad_left + p.W, row + g.cols + W, identity);
  // Kernel column kw reads padded column kw * dilation: phase (that % s), index (that / s).
  // Walked tap by tap, so a window of any width needs no table.
  const int64_t phase_step = win.dilation_w % s, index_step = win.dilation_w / s;
  const T id = V::set1(identity);
  float* in_row = row + win.pad_left;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    // 1. Vertical: fold the valid rows of this output row's window.
    const int64_t ih0 = oh * win.stride_h - win.pad_top;
    int64_t valid = 0;
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      const int64_t ih = ih0 + kh * win.dilation_h;
      if (ih < 0 || ih >= p.H) continue;
      const float* src = x + ih * p.W;
      // The first row folds into the identity rather than being copied, so a NaN is skipped
      // by max wherever it lies.
      const bool first = valid == 0;
      int64_t i = 0;
      for (; i + W <= p.W; i += W) {
        V::store(in_row + i, Fold::template fold<V>(V::load(src + i), first ? id : V::load(in_row + i)));
      }
      // The tail element by element: assembling a vector on the stack stalls its load.
      for (; i < p.W; ++i) in_row[i] = Fold::template fold<simd::Scalar>(src[i], first ? identity : in_row[i]);
      ++valid;
    }
    if (valid == 0) std::fill(in_row, in_row + p.W, identity);  // the window lies wholly in padding
    // 2. Column phases for strided windows.
    if (s == 2) simd::deinterleave2<V>(row, g.cols, phases, phases + phase_cols);
    for (int64_t q = 0; s > 1 && q < s; ++q) {
      float* phase = phases + q * phase_cols;
      const int64_t count = (g.cols - q + s - 1) / s;
      if (s > 2) {
        for (int64_t j = 0; j < count; ++j) phase[j] = row[q + s * j];
      }
      std::fill(phase + count, phase + phase_cols, identity);  // read only by discarded lanes: kept defined
    }
    // 3. Horizontal: the kernel_w taps of each output vector, then the count.
    float* out = y + oh * p.OW;
    const float* scale = inv_count ? inv_count + oh * p.OW : nullptr;
    for (int64_t ow = 0; ow < p.OW; ow += W) {
      T acc = id;
      for (int64_t kw = 0, phase = 0, index = ow; kw < win.kernel_w; ++kw) {
        acc = Fold::template fold<V>(V::load(phases + phase * phase_cols + index), acc);
        phase += phase_step;
        index += index_step;
        if (phase >= s) phase -= s, ++index;
      }
      const int64_t lanes = std::min(W, p.OW - ow);
      if (lanes == W) {
        if (scale) acc = V::mul(acc, V::load(scale + ow));
        V::store(out + ow, acc);
      } else {
        float tail[W];
        V::store(tail, acc);
        for (int64_t j = 0; j < lanes; ++j) out[ow + j] = scale ? tail[j] * scale[ow + j] : tail[j];
      }
    }
  }
}

}  // namespace aivm::kernels::pool2d_impl
