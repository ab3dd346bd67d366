// avgpool2d_f32: per (n, c) plane, add each window tap over its valid range (no bounds checks
// in the inner loop), then divide by the tap count, which factors into rows x columns.
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/window.h"
#include "kernels/pool/pool.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelOutputs = 16384;

// Taps of output |o| along one axis that count towards the divisor.
int64_t axis_count(int64_t o, int64_t in, int64_t k, int64_t stride, int64_t pad_begin, int64_t pad_end,
                   int64_t dilation, bool include_pad) {
  int64_t n = 0;
  for (int64_t t = 0; t < k; ++t) {
    int64_t i = o * stride - pad_begin + t * dilation;
    n += include_pad ? (i >= -pad_begin && i < in + pad_end) : (i >= 0 && i < in);
  }
  return n;
}

void plane(const Pool2dParams& p, const float* xp, float* yp, const std::vector<float>& inv_count) {
  const isa::Window2d& win = p.window;
  const int64_t sw = win.stride_w;
  for (int64_t i = 0; i < p.OH * p.OW; ++i) yp[i] = 0.f;
  for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
    int64_t oh0, oh1;
    window_valid_range(p.H, p.OH, win.stride_h, win.pad_top, kh * win.dilation_h, &oh0, &oh1);
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
      int64_t ow0, ow1;
      window_valid_range(p.W, p.OW, sw, win.pad_left, kw * win.dilation_w, &ow0, &ow1);
      for (int64_t oh = oh0; oh < oh1; ++oh) {
        const int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
        const float* xr = xp + ih * p.W + ow0 * sw - win.pad_left + kw * win.dilation_w;
        float* yr = yp + oh * p.OW + ow0;
        for (int64_t j = 0; j < ow1 - ow0; ++j) yr[j] += xr[j * sw];
      }
    }
  }
  for (int64_t i = 0; i < p.OH * p.OW; ++i) yp[i] *= inv_count[size_t(i)];
}

}  // namespace

void avgpool2d_f32(const Pool2dParams& p, bool count_include_pad, const float* x, float* y, ThreadPool* pool) {
  const isa::Window2d& w = p.window;
  std::vector<float> inv_count(size_t(p.OH * p.OW));
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    int64_t ch = axis_count(oh, p.H, w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom, w.dilation_h, count_include_pad);
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      int64_t cw = axis_count(ow, p.W, w.kernel_w, w.stride_w, w.pad_left, w.pad_right, w.dilation_w, count_include_pad);
      inv_count[size_t(oh * p.OW + ow)] = ch > 0 && cw > 0 ? 1.f / float(ch * cw) : 0.f;
    }
  }
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) plane(p, x + i * p.H * p.W, y + i * p.OH * p.OW, inv_count);
  };
  if (p.N * p.C * p.OH * p.OW < kMinParallelOutputs) {
    run(0, p.N * p.C);
  } else {
    parallel_for(pool, p.N * p.C, run);
  }
}

}  // namespace aivm::kernels
