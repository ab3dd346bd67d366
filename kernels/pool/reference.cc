// Scalar reference pooling: one output at a time, bounds-checked taps (the test oracles).
#include <cmath>
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

// N-D: every output and every tap, bounds-checked, in double.
void pool_nd_f32_reference(const PoolNdParams& p, const float* x, float* y) {
  const int r = p.spatial_rank;
  int64_t in_plane = 1, out_plane = 1;
  for (int k = 0; k < r; ++k) in_plane *= p.axes[k].in, out_plane *= p.axes[k].out;
  int64_t taps = 1;
  for (int k = 0; k < r; ++k) taps *= p.axes[k].kernel;
  for (int64_t plane = 0; plane < p.N * p.C; ++plane) {
    for (int64_t o = 0; o < out_plane; ++o) {
      double acc = p.kind == PoolKind::Max ? -std::numeric_limits<double>::infinity() : 0.0;
      int64_t count = 0, count_pads = 0;
      for (int64_t t = 0; t < taps; ++t) {
        bool inside = true, in_pads = true;
        int64_t off = 0;
        for (int64_t k = r - 1, orest = o, trest = t, stride = 1; k >= 0; --k) {
          const PoolAxis& a = p.axes[k];
          int64_t i = (orest % a.out) * a.stride - a.pad_begin + (trest % a.kernel) * a.dilation;
          orest /= a.out, trest /= a.kernel;
          inside &= i >= 0 && i < a.in;
          in_pads &= i >= -a.pad_begin && i < a.in + a.pad_end;
          off += i * stride;
          stride *= a.in;
        }
        count_pads += in_pads;
        if (!inside) continue;
        ++count;
        double v = x[plane * in_plane + off];
        if (p.kind == PoolKind::Max) acc = v > acc ? v : acc;
        else if (p.kind == PoolKind::Average) acc += v;
        else acc += std::pow(std::fabs(v), double(p.p));
      }
      double out = acc;
      if (p.kind == PoolKind::Average) {
        int64_t d = p.count_include_pad ? count_pads : count;
        out = d ? acc / double(d) : 0.0;
      } else if (p.kind == PoolKind::Lp) {
        out = std::pow(acc, 1.0 / double(p.p));
      }
      y[plane * out_plane + o] = float(out);
    }
  }
}

}  // namespace aivm::kernels
