// Scalar reference pooling: one output at a time, bounds-checked taps (the test oracles).
#include <limits>

#include "kernels/pool/pool.h"

namespace aivm::kernels {

void maxpool2d_f32_reference(const Pool2dParams& p, const float* x, float* y) {
  const isa::Window2d& win = p.window;
  for (int64_t plane = 0; plane < p.N * p.C; ++plane) {
    const float* xp = x + plane * p.H * p.W;
    float* yp = y + plane * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
          if (ih < 0 || ih >= p.H) continue;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
            if (iw < 0 || iw >= p.W) continue;
            float v = xp[ih * p.W + iw];
            m = v > m ? v : m;
          }
        }
        yp[oh * p.OW + ow] = m;
      }
    }
  }
}

void avgpool2d_f32_reference(const Pool2dParams& p, bool count_include_pad, const float* x, float* y) {
  const isa::Window2d& win = p.window;
  for (int64_t plane = 0; plane < p.N * p.C; ++plane) {
    const float* xp = x + plane * p.H * p.W;
    float* yp = y + plane * p.OH * p.OW;
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        float sum = 0.f;
        int64_t count = 0;
        for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
          int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
          for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
            int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
            bool inside = ih >= 0 && ih < p.H && iw >= 0 && iw < p.W;
            bool in_pads = ih >= -win.pad_top && ih < p.H + win.pad_bottom && iw >= -win.pad_left &&
                           iw < p.W + win.pad_right;
            if (inside) sum += xp[ih * p.W + iw];
            count += inside || (count_include_pad && in_pads);
          }
        }
        yp[oh * p.OW + ow] = count ? sum / float(count) : 0.f;
      }
    }
  }
}

}  // namespace aivm::kernels
