// Tap GEMM driver (see tap_gemm.h): per image, fill the padded image, then output tiles of
// (one A panel of output channels) x (NR positions) split across the pool, each summing its
// taps and K blocks in the micro-kernel's accumulator, then copy the valid columns out with
// the residual and activation.
#include "kernels/conv/tap_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/ukernel.h"

namespace aivm::kernels {
namespace {

// Where the taps win (bench/conv_bench, AVX2, Zen 3): im2col's copy costs about 1/K of the
// GEMM, so it hurts with few output channels; each tap's call reloads and stores the C tile,
// which costs about 1/C of it. densenet's 128 -> 32 at 7x7 ran 103 -> 60 us and at 14x14
// 241 -> 209 (Winograd before); squeezenet's 13x13 (K = 192, 256) and googlenet's 14x14 with
// C = 16 or 32 ran 10-35% slower, resnet's 256 -> 256 at 14x14 1.6x slower than Winograd.
constexpr int64_t kMinRows = 4, kMaxRows = 64;  // output channels
constexpr int64_t kMinChannels = 64;            // input channels
constexpr int64_t kMaxPixels = 196;             // output pixels: 14x14
constexpr int64_t kMinParallelMacs = 1 << 18;

// The padded image: rows |row| floats apart with the input at columns [pad_left, pad_left + W)
// and zeros elsewhere, so a row's right padding is the next row's left padding; |plane| floats
// per channel. Output position q = oh * row + ow reads q + offset(tap).
struct Geometry {
  int64_t row, plane, positions;
  int64_t offset(const Conv2dParams& p, int64_t tap) const {
    return tap / p.window.kernel_w * row + tap % p.window.kernel_w;
  }
};

Geometry geometry(const Conv2dParams& p) {
  const isa::Window2d& w = p.window;
  Geometry g;
  g.row = p.W + std::max(w.pad_left, w.pad_right);
  g.plane = (p.H + w.pad_top + w.pad_bottom) * g.row;
  g.positions = p.OH * g.row;
  return g;
}

// Channels [c0, c1) of one image x into their planes of |image|.
void fill(const Conv2dParams& p, const Geometry& g, const float* x, int64_t c0, int64_t c1, float* image) {
  const isa::Window2d& w = p.window;
  for (int64_t c = c0; c < c1; ++c) {
    float* plane = image + c * g.plane;
    const float* src = x + c * p.H * p.W;
    std::fill(plane, plane + w.pad_top * g.row, 0.f);
    for (int64_t ih = 0; ih < p.H; ++ih) {
      float* r = plane + (w.pad_top + ih) * g.row;
      std::fill(r, r + w.pad_left, 0.f);
      std::memcpy(r + w.pad_left, src + ih * p.W, size_t(p.W) * sizeof(float));
      std::fill(r + w.pad_left + p.W, r + g.row, 0.f);
    }
    std::fill(plane + (w.pad_top + p.H) * g.row, plane + g.plane, 0.f);
  }
}

float* scratch(std::vector<float>* v, size_t floats) {
  if (v->size() < floats) v->resize(floats);
  return v->data();
}

}  // namespace

bool tap_gemm_applies(const Conv2dParams& p) {
  const isa::Window2d& w = p.window;
  const int64_t kernel = int64_t(w.kernel_h) * w.kernel_w;
  return p.group == 1 && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1 &&
         kernel > 1 && p.K >= kMinRows && p.OH * p.OW <= kMaxPixels && p.K <= kMaxRows && p.C >= kMinChannels &&
         p.OH == p.H + w.pad_top + w.pad_bottom - w.kernel_h + 1 &&
         p.OW == p.W + w.pad_left + w.pad_right - w.kernel_w + 1;
}

size_t tap_gemm_packed_weights_bytes(const Conv2dParams& p) {
  return size_t(p.window.kernel_h) * p.window.kernel_w * gemm_packed_a_bytes(gemm_config(), p.K, p.C);
}

void tap_gemm_pack_weights(const Conv2dParams& p, const float* w, float* out) {
  const GemmConfig& cfg = gemm_config();
  const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w;
  const int64_t tap_floats = int64_t(gemm_packed_a_bytes(cfg, p.K, p.C) / sizeof(float));
  std::vector<float> tap_w(size_t(p.K * p.C));
  for (int64_t t = 0; t < taps; ++t) {
    for (int64_t k = 0; k < p.K; ++k)
      for (int64_t c = 0; c < p.C; ++c) tap_w[size_t(k * p.C + c)] = w[(k * p.C + c) * taps + t];
    gemm_pack_a(cfg, false, p.K, p.C, tap_w.data(), p.C, out + t * tap_floats);
  }
}

void tap_gemm_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
                         const float* residual, const Activation& act, float* y, ThreadPool* pool) {
  const GemmConfig& cfg = gemm_config();
  const Geometry g = geometry(p);
  const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w;
  const int64_t NR = int64_t(cfg.nr), KC = int64_t(cfg.kc), tap_floats = p.K * p.C;
  const int64_t mr = gemm_packed_a_rows(cfg, p.K), panels = (p.K + mr - 1) / mr;
  const int64_t tiles = (g.positions + NR - 1) / NR, pixels = p.OH * p.OW;
  ThreadPool* threads = p.K * p.C * taps * pixels >= kMinParallelMacs ? pool : nullptr;
  thread_local std::vector<float> image_buf, out_buf;
  // Zeros after the last plane: the last tile reads a full micro-panel past the last position.
  const int64_t slack = NR + p.window.kernel_w;
  float* image = scratch(&image_buf, size_t(p.C * g.plane + slack));
  float* out = scratch(&out_buf, size_t(p.K * g.positions));
  std::fill(image + p.C * g.plane, image + p.C * g.plane + slack, 0.f);
  for (int64_t n = 0; n < p.N; ++n) {
    const float* xn = x + n * p.C * p.H * p.W;
    parallel_for(threads, p.C, [&](int64_t c0, int64_t c1) { fill(p, g, xn, c0, c1, image); });
    parallel_for(threads, tiles * panels, [&](int64_t u0, int64_t u1) {
      GemmUkernelParams up;
      up.b_stride = g.plane;
      up.bias_rs = 1;
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t m = u % panels * mr, q = u / panels * NR;
        const int64_t rows = std::min(mr, p.K - m), cols = std::min(NR, g.positions - q);
        up.bias = bias ? bias + m : nullptr;
        for (int64_t pc = 0; pc < p.C; pc += KC) {
          const int64_t kc = std::min(KC, p.C - pc);
          for (int64_t t = 0; t < taps; ++t) {
            up.flags = (pc > 0 || t > 0 ? kGemmLoadC : 0u) | (pc + kc >= p.C && t == taps - 1 ? kGemmEpilogue : 0u);
            const float* a = packed_w + t * tap_floats + m * p.C + pc * rows;
            const float* b = image + pc * g.plane + g.offset(p, t) + q;
            cfg.ukernel(size_t(rows), size_t(cols), size_t(kc), a, b, out + m * g.positions + q,
                        size_t(g.positions), &up);
          }
        }
      }
    });
    float* yn = y + n * p.K * pixels;
    const float* rn = residual ? residual + n * p.K * pixels : nullptr;
    parallel_for(threads, p.K, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        float* plane = yn + k * pixels;
        for (int64_t oh = 0; oh < p.OH; ++oh)
          std::memcpy(plane + oh * p.OW, out + k * g.positions + oh * g.row, size_t(p.OW) * sizeof(float));
        residual_epilogue_f32(act, pixels, rn ? rn + k * pixels : nullptr, plane);
      }
    });
  }
}

}  // namespace aivm::kernels
