// Scalar reference convolution: one output at a time, (c, kh, kw) ascending (the test oracle).
#include "kernels/conv/conv.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {

void conv2d_f32_reference(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const float* residual, const Activation& act, float* y) {
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
          if (bias) acc += bias[k];
          if (residual) acc += residual[(n * p.K + k) * p.OH * p.OW + oh * p.OW + ow];
          out[oh * p.OW + ow] = acc;
        }
      }
      apply_activation_f32(act, p.OH * p.OW, out);
    }
  }
}

//===----------------------------------------------------------------------===//
// N-D transposed convolution and col2im: every (position, tap) pair, bounds-checked
//===----------------------------------------------------------------------===//

namespace {

// Decodes flat index |i| over |dims| (|r| axes) into |idx|.
void unflatten(int64_t i, const int64_t* dims, int r, int64_t* idx) {
  for (int a = r - 1; a >= 0; --a) idx[a] = i % dims[a], i /= dims[a];
}

// The image position column |l| and tap |k| reach, or -1 outside.
int64_t target(const Col2ImParams& p, const int64_t* l, const int64_t* k) {
  int64_t off = 0;
  for (int a = 0; a < p.rank; ++a) {
    int64_t o = l[a] * p.stride[a] - p.pad_begin[a] + k[a] * p.dilation[a];
    if (o < 0 || o >= p.image[a]) return -1;
    off = off * p.image[a] + o;
  }
  return off;
}

}  // namespace

void col2im_add_f32_reference(const Col2ImParams& p, const float* col, float* image) {
  const int64_t taps = spatial_product(p.kernel, p.rank), cols = spatial_product(p.cols, p.rank), plane = spatial_product(p.image, p.rank);
  int64_t l[kMaxSpatial], k[kMaxSpatial];
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t j = 0; j < cols; ++j) {
        unflatten(t, p.kernel, p.rank, k);
        unflatten(j, p.cols, p.rank, l);
        int64_t o = target(p, l, k);
        if (o >= 0) image[c * plane + o] += col[(c * taps + t) * cols + j];
      }
}

void conv_transpose_f32_reference(const ConvTransposeParams& p, const float* x, const float* w, const float* bias,
                                  float* y) {
  const Col2ImParams& g = p.geometry;
  const int64_t cg = p.C / p.group, mg = p.M / p.group;
  const int64_t taps = spatial_product(g.kernel, g.rank), in_plane = spatial_product(g.cols, g.rank), out_plane = spatial_product(g.image, g.rank);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t m = 0; m < p.M; ++m)
      for (int64_t o = 0; o < out_plane; ++o) y[(n * p.M + m) * out_plane + o] = bias ? bias[m] : 0.f;
  int64_t l[kMaxSpatial], k[kMaxSpatial];
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t c = 0; c < p.C; ++c) {
      const int64_t gi = c / cg;
      for (int64_t i = 0; i < in_plane; ++i) {
        unflatten(i, g.cols, g.rank, l);
        const float xv = x[(n * p.C + c) * in_plane + i];
        for (int64_t m = 0; m < mg; ++m)
          for (int64_t t = 0; t < taps; ++t) {
            unflatten(t, g.kernel, g.rank, k);
            int64_t o = target(g, l, k);
            if (o >= 0) y[(n * p.M + gi * mg + m) * out_plane + o] += xv * w[((c * mg) + m) * taps + t];
          }
      }
    }
}

}  // namespace aivm::kernels
