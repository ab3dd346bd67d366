// maxpool2d_f32: per (n, c) plane, fold each window tap into the output over its valid range,
// so the inner loop has no bounds checks (contiguous when stride_w == 1).
#include <limits>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/window.h"
#include "kernels/pool/pool.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelOutputs = 16384;

void plane(const Pool2dParams& p, const float* xp, float* yp) {
  const isa::Window2d& win = p.window;
  const int64_t sw = win.stride_w;
  for (int64_t i = 0; i < p.OH * p.OW; ++i) yp[i] = -std::numeric_limits<float>::infinity();
  for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
    int64_t oh0, oh1;
    window_valid_range(p.H, p.OH, win.stride_h, win.pad_top, kh * win.dilation_h, &oh0, &oh1);
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
      int64_t ow0, ow1;
      window_valid_range(p.W, p.OW, sw, win.pad_left, kw * win.dilation_w, &ow0, &ow1);
      const int64_t len = ow1 - ow0;
      for (int64_t oh = oh0; oh < oh1; ++oh) {
        const int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
        const float* xr = xp + ih * p.W + ow0 * sw - win.pad_left + kw * win.dilation_w;
        float* yr = yp + oh * p.OW + ow0;
        for (int64_t j = 0; j < len; ++j) {
          float v = xr[j * sw];
          yr[j] = v > yr[j] ? v : yr[j];
        }
      }
    }
  }
}

}  // namespace

void maxpool2d_f32(const Pool2dParams& p, const float* x, float* y, ThreadPool* pool) {
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) plane(p, x + i * p.H * p.W, y + i * p.OH * p.OW);
  };
  if (p.N * p.C * p.OH * p.OW < kMinParallelOutputs) {
    run(0, p.N * p.C);
  } else {
    parallel_for(pool, p.N * p.C, run);
  }
}

}  // namespace aivm::kernels
