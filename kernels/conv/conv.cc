// conv2d_f32: per (n, k) output plane, accumulate w[c,kh,kw] * shifted input rows over the
// valid output range, so the inner loop has no bounds checks (contiguous when stride_w == 1).
#include "kernels/config/thread_pool.h"
#include "kernels/conv/window.h"
#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelMacs = 32768;

void plane(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
           float* y, int64_t n, int64_t k) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group, kg = p.K / p.group, c0 = (k / kg) * cg;
  const int64_t sh = win.stride_h, sw = win.stride_w;
  float* out = y + (n * p.K + k) * p.OH * p.OW;
  for (int64_t i = 0; i < p.OH * p.OW; ++i) out[i] = 0.f;
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + (n * p.C + c0 + c) * p.H * p.W;
    const float* wc = w + (k * cg + c) * win.kernel_h * win.kernel_w;
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      int64_t oh0, oh1;
      window_valid_range(p.H, p.OH, sh, win.pad_top, kh * win.dilation_h, &oh0, &oh1);
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        int64_t ow0, ow1;
        window_valid_range(p.W, p.OW, sw, win.pad_left, kw * win.dilation_w, &ow0, &ow1);
        const float wv = wc[kh * win.kernel_w + kw];
        const int64_t col = kw * win.dilation_w - win.pad_left;
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          // Row pointers start at the first valid output, so they never leave the buffers.
          const float* xr = xc + (oh * sh - win.pad_top + kh * win.dilation_h) * p.W + ow0 * sw + col;
          float* yr = out + oh * p.OW + ow0;
          const int64_t len = ow1 - ow0;
          if (sw == 1) {
            for (int64_t j = 0; j < len; ++j) yr[j] += xr[j] * wv;
          } else {
            for (int64_t j = 0; j < len; ++j) yr[j] += xr[j * sw] * wv;
          }
        }
      }
    }
  }
  if (bias)
    for (int64_t i = 0; i < p.OH * p.OW; ++i) out[i] += bias[k];
  apply_activation_f32(act, p.OH * p.OW, out);
}

}  // namespace

void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool) {
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) plane(p, x, w, bias, act, y, i / p.K, i % p.K);
  };
  const int64_t macs = p.N * p.K * p.OH * p.OW * (p.C / p.group) * p.window.kernel_h * p.window.kernel_w;
  if (macs < kMinParallelMacs) {
    run(0, p.N * p.K);
  } else {
    parallel_for(pool, p.N * p.K, run);
  }
}

}  // namespace aivm::kernels
