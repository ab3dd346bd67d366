// Scalar reference convolution: one output at a time, (c, kh, kw) ascending (the test oracle).
#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {

void conv2d_f32_reference(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const Activation& act, float* y) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group, kg = p.K / p.group;
  for (int64_t n = 0; n < p.N; ++n) {
    for (int64_t k = 0; k < p.K; ++k) {
      const int64_t c0 = (k / kg) * cg;
      float* out = y + (n * p.K + k) * p.OH * p.OW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          float acc = 0.f;
          for (int64_t c = 0; c < cg; ++c) {
            for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
              int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
              if (ih < 0 || ih >= p.H) continue;
              for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
                int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
                if (iw < 0 || iw >= p.W) continue;
                acc += x[((n * p.C + c0 + c) * p.H + ih) * p.W + iw] *
                       w[((k * cg + c) * win.kernel_h + kh) * win.kernel_w + kw];
              }
            }
          }
          out[oh * p.OW + ow] = bias ? acc + bias[k] : acc;
        }
      }
      apply_activation_f32(act, p.OH * p.OW, out);
    }
  }
}

}  // namespace aivm::kernels
