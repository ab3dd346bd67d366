// The stem conv row kernel, written once over a vector type V (kernels/simd) and a count U of
// output vectors per step: kStemBlock output channels x U vectors of output columns stay in
// registers while every tap adds one load of the padded input row times a broadcast weight.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "kernels/conv/padded_image.h"
#include "kernels/conv/stem.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/vmath/vmath_impl.h"

namespace aivm::kernels::stem_impl {

// Columns past each padded row that a step may read (U * W of the widest variant): their
// outputs are computed and dropped.
constexpr int64_t kSlack = 64;

inline padded_image::Geometry geometry(const Conv2dParams& p) { return padded_image::geometry(p, kSlack); }

template <class V>
void fill(const Conv2dParams& p, const float* x, float* image_plane, int64_t r0, int64_t r1) {
  padded_image::fill<V>(p, geometry(p), x, image_plane, r0, r1);
}

// The common stem's taps, 3 input channels x a 3x3 window: a loop over a count known when
// compiling unrolls, so no tap is a loop iteration and each load is an instruction of its own
// (Sapphire Rapids, conv_bench, AVX-512: squeezenet's stem 544-600 -> 481-522 us,
// mobilenet_v2's 276-283 -> 248-254; perf had put 18% of the loop on its first load).
constexpr int64_t kUnrolledTaps = 27;

// Output rows per band: a block's channels go through all of a band's rows before the next
// block's, so the stores run down few planes at a time. Row by row, every row wrote a short
// piece of each of K planes, more streams than the store prefetcher follows (Sapphire Rapids,
// AVX-512, squeezenet's 3 -> 64 channel stem in the model, 1 thread: 0.61-0.65 -> 0.47-0.49 ms).
constexpr int64_t kRowsPerBand = 8;

// PC output channels per pass over the taps (kStemBlock / PC passes per block): with 16
// vector registers (AVX2) 8 channels x 1 vector leave each tap 9 loads for 8 FMAs and the FMA
// latency barely covered; 4 channels x 3 vectors take 7 loads for 12 FMAs.
template <class V, int64_t U, int64_t PC = kStemBlock>
void rows(const Conv2dParams& p, const float* image, const int64_t* tap_offset, const float* packed_w,
          const float* bias, const Activation& act, int64_t oh0, int64_t oh1, float* y) {
  using T = typename V::T;
  constexpr int64_t W = int64_t(V::W), KB = kStemBlock;
  static_assert(U * W <= kSlack, "a step reads past the row's slack");
  static_assert(KB % PC == 0, "passes cover the block");
  const isa::Window2d& win = p.window;
  const int64_t row_floats = geometry(p).row_floats(), out_plane = p.OH * p.OW;
  const int64_t taps = p.C * win.kernel_h * win.kernel_w;
  auto body = [&](auto activate) {
    // Output row oh of channels [k, k + pass_count), their packed weights at |wb|. Inlined: as
    // a call it cost the 3x3 stems 5-7% (conv_bench).
    auto pass_row = [&](int64_t k, const float* wb, int64_t pass_count,
                        int64_t oh) __attribute__((always_inline)) {
      const float* in = image + oh * win.stride_h * row_floats;
      float* out = y + k * out_plane + oh * p.OW;
      // Steps of U vectors, then one of two (its second vector possibly partial), then single
      // vectors: a 112-column row is 4 x 24 + 16 columns at 8 lanes, the last 16 as one step of
      // two (PC x 2 independent sums cover the FMA latency; two single steps, PC each, ran at
      // about half speed), not 5 x 24 with a third of the last thrown away.
      // TAPS: the tap count when known at compile time (kUnrolledTaps), else 0.
      auto step_taps = [&](auto u_count, auto taps_c, int64_t ow) {
        constexpr int64_t N = decltype(u_count)::value, TAPS = decltype(taps_c)::value;
        const int64_t tap_count = TAPS > 0 ? TAPS : taps;
        T acc[PC][N];
        for (int64_t kb = 0; kb < PC; ++kb) {
          const T b = V::set1(bias && kb < pass_count ? bias[k + kb] : 0.f);
          for (int64_t u = 0; u < N; ++u) acc[kb][u] = b;
        }
        const float* src = in + ow;
#pragma GCC unroll 27
        for (int64_t i = 0; i < tap_count; ++i) {
          T xv[N];
          for (int64_t u = 0; u < N; ++u) xv[u] = V::load(src + tap_offset[i] + u * W);
          const float* wt = wb + i * KB;
          for (int64_t kb = 0; kb < PC; ++kb) {
            const T wv = V::set1(wt[kb]);
            for (int64_t u = 0; u < N; ++u) acc[kb][u] = V::fmadd(xv[u], wv, acc[kb][u]);
          }
        }
        const int64_t cols = std::min(N * W, p.OW - ow);
        for (int64_t kb = 0; kb < pass_count; ++kb) {
          float* dst = out + kb * out_plane + ow;
          if (cols == N * W) {
            for (int64_t u = 0; u < N; ++u) V::store(dst + u * W, activate(acc[kb][u]));
          } else {
            float tail[N * W];
            for (int64_t u = 0; u < N; ++u) V::store(tail + u * W, activate(acc[kb][u]));
            std::copy(tail, tail + cols, dst);
          }
        }
      };
      auto step = [&](auto u_count, int64_t ow) {
        if (taps == kUnrolledTaps) return step_taps(u_count, std::integral_constant<int64_t, kUnrolledTaps>{}, ow);
        step_taps(u_count, std::integral_constant<int64_t, 0>{}, ow);
      };
      int64_t ow = 0;
      for (; ow + U * W <= p.OW; ow += U * W) step(std::integral_constant<int64_t, U>{}, ow);
      if constexpr (U > 2) {
        if (ow + W < p.OW) {
          step(std::integral_constant<int64_t, 2>{}, ow);
          ow += 2 * W;
        }
      }
      for (; ow < p.OW; ow += W) step(std::integral_constant<int64_t, 1>{}, ow);
    };
    for (int64_t band0 = oh0; band0 < oh1; band0 += kRowsPerBand) {
      const int64_t band1 = std::min(oh1, band0 + kRowsPerBand);
      for (int64_t k0 = 0; k0 < p.K; k0 += KB) {
        const int64_t kb_count = std::min(KB, p.K - k0);
        for (int64_t h = 0; h < kb_count; h += PC)
          for (int64_t oh = band0; oh < band1; ++oh)
            pass_row(k0 + h, packed_w + (k0 / KB) * taps * KB + h, std::min(PC, kb_count - h), oh);
      }
    }
  };
  vmath_impl::with_activation_or_after<V>(act, body, [&] {
    for (int64_t k = 0; k < p.K; ++k) epilogue_activation_f32(act, (oh1 - oh0) * p.OW, y + k * out_plane + oh0 * p.OW);
  });
}

}  // namespace aivm::kernels::stem_impl
