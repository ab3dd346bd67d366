// conv2d_f32. Two strategies:
//  - GEMM: per image and group, Y[kg, OH*OW] = W[kg, cg*kh*kw] x col[cg*kh*kw, OH*OW] on the
//    packed GEMM, with bias and activation fused into its epilogue. col is built block by block
//    over output columns (im2col of a bounded slice, never the whole input), and a 1x1 stride-1
//    unpadded conv reads the input directly as col.
//  - direct: per (n, k) output plane, accumulate w[c,kh,kw] * shifted input rows over the valid
//    output range (no bounds checks in the inner loop). Used where GEMM has too few rows to pay
//    (depthwise and other tiny groups).
#include <algorithm>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/window.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"

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

// Output rows per group below which the direct loops beat GEMM (too few rows to fill a tile).
constexpr int64_t kMinGemmRows = 4;
// Upper bound on the im2col slice, in floats (1 MiB): bounded memory whatever the input size.
constexpr int64_t kMaxColFloats = 1 << 18;

// Fills col[r, j] for rows r = (c, kh, kw) and output columns j in [j0, j0 + nb), zero where
// the window reads padding.
void im2col_block(const Conv2dParams& p, const float* x, int64_t n, int64_t c0, int64_t j0, int64_t nb, float* col) {
  const isa::Window2d& win = p.window;
  const int64_t cg = p.C / p.group;
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + (n * p.C + c0 + c) * p.H * p.W;
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        float* row = col + ((c * win.kernel_h + kh) * win.kernel_w + kw) * nb;
        for (int64_t j = 0; j < nb; ++j) {
          int64_t oh = (j0 + j) / p.OW, ow = (j0 + j) % p.OW;
          int64_t ih = oh * win.stride_h - win.pad_top + kh * win.dilation_h;
          int64_t iw = ow * win.stride_w - win.pad_left + kw * win.dilation_w;
          row[j] = (ih >= 0 && ih < p.H && iw >= 0 && iw < p.W) ? xc[ih * p.W + iw] : 0.f;
        }
      }
    }
  }
}

bool is_pointwise(const Conv2dParams& p) {
  const isa::Window2d& w = p.window;
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_top == 0 &&
         w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0;
}

void conv_gemm(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
               float* y, ThreadPool* pool) {
  const int64_t cg = p.C / p.group, kg = p.K / p.group;
  const int64_t rows = cg * p.window.kernel_h * p.window.kernel_w, cols = p.OH * p.OW;
  const bool pointwise = is_pointwise(p);
  const int64_t block = pointwise ? cols : std::max<int64_t>(std::min<int64_t>(cols, kMaxColFloats / rows), 64);
  std::vector<float> col(pointwise ? 0 : size_t(rows * std::min(block, cols)));
  for (int64_t n = 0; n < p.N; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      GemmEpilogue ep;
      ep.act = act;
      if (bias) {
        ep.bias = bias + g * kg;
        ep.bias_row_stride = 1;  // one bias per output channel = per GEMM row
      }
      const float* wg = w + g * kg * rows;
      float* yg = y + (n * p.K + g * kg) * cols;
      for (int64_t j0 = 0; j0 < cols; j0 += block) {
        int64_t nb = std::min(block, cols - j0);
        const float* b = x + (n * p.C + g * cg) * p.H * p.W;  // pointwise: the input is col
        if (!pointwise) {
          im2col_block(p, x, n, g * cg, j0, nb, col.data());
          b = col.data();
        }
        gemm_f32(false, false, kg, nb, rows, wg, rows, b, pointwise ? cols : nb, yg + j0, cols, ep, pool);
      }
    }
  }
}

}  // namespace

void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool) {
  if (p.K / p.group >= kMinGemmRows) return conv_gemm(p, x, w, bias, act, y, pool);
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
