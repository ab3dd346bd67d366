// Transposed convolution: per image and group, col[(m, k), i] = sum_c W[c, (m, k)] X[c, i] on
// the GEMM (A = W_g transposed), then col2im scatters col into the output. col2im walks, per
// (channel, tap) row and axis, only the column range whose target lies inside the image.
#include <algorithm>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/conv.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

// Columns l of one axis whose target l * stride + shift lies in [0, size).
void valid_cols(int64_t size, int64_t cols, int64_t stride, int64_t shift, int64_t* lo, int64_t* hi) {
  // need l * stride >= -shift and l * stride <= size - 1 - shift
  int64_t first = -shift, last = size - 1 - shift;
  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  *hi = last < 0 ? 0 : std::min(cols, last / stride + 1);
}

// One (channel, tap) row of col into its channel's image.
void col2im_row(const Col2ImParams& p, const int64_t* tap, const float* row, float* image) {
  const int r = p.rank;
  int64_t lo[kMaxSpatial], hi[kMaxSpatial], shift[kMaxSpatial], img_stride[kMaxSpatial], col_stride[kMaxSpatial];
  int64_t is = 1, cs = 1;
  for (int a = r - 1; a >= 0; --a) {
    img_stride[a] = is, col_stride[a] = cs;
    is *= p.image[a], cs *= p.cols[a];
    shift[a] = tap[a] * p.dilation[a] - p.pad_begin[a];
    valid_cols(p.image[a], p.cols[a], p.stride[a], shift[a], &lo[a], &hi[a]);
    if (lo[a] >= hi[a]) return;
  }
  // Odometer over the outer axes; the innermost runs as a strided loop.
  int64_t l[kMaxSpatial];
  std::copy(lo, lo + r, l);
  const int last = r - 1;
  for (;;) {
    int64_t src = 0, dst = 0;
    for (int a = 0; a < last; ++a) src += l[a] * col_stride[a], dst += (l[a] * p.stride[a] + shift[a]) * img_stride[a];
    const float* s = row + src;
    float* d = image + dst + shift[last];
    const int64_t st = p.stride[last];
    for (int64_t j = lo[last]; j < hi[last]; ++j) d[j * st] += s[j];
    int a = last - 1;
    while (a >= 0 && ++l[a] == hi[a]) l[a] = lo[a], --a;
    if (a < 0) break;
  }
}

}  // namespace

void col2im_add_f32(const Col2ImParams& p, const float* col, float* image, ThreadPool* pool) {
  const int64_t taps = spatial_product(p.kernel, p.rank), cols = spatial_product(p.cols, p.rank), plane = spatial_product(p.image, p.rank);
  // Channels write disjoint planes: split them across the pool.
  parallel_for(pool, p.channels, [&](int64_t b, int64_t e) {
    int64_t tap[kMaxSpatial];
    for (int64_t c = b; c < e; ++c)
      for (int64_t t = 0; t < taps; ++t) {
        for (int64_t a = p.rank - 1, rest = t; a >= 0; --a) tap[a] = rest % p.kernel[a], rest /= p.kernel[a];
        col2im_row(p, tap, col + (c * taps + t) * cols, image + c * plane);
      }
  });
}

void conv_transpose_f32(const ConvTransposeParams& p, const float* x, const float* w, const float* bias, float* y,
                        ThreadPool* pool) {
  const Col2ImParams& g = p.geometry;
  const int64_t cg = p.C / p.group, mg = p.M / p.group;
  const int64_t taps = spatial_product(g.kernel, g.rank), in_plane = spatial_product(g.cols, g.rank), out_plane = spatial_product(g.image, g.rank);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t m = 0; m < p.M; ++m)
      std::fill_n(y + (n * p.M + m) * out_plane, out_plane, bias ? bias[m] : 0.f);
  std::vector<float> col(size_t(mg * taps * in_plane));
  Col2ImParams scatter = g;
  scatter.channels = mg;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t gi = 0; gi < p.group; ++gi) {
      const float* wg = w + gi * cg * mg * taps;  // [cg, mg * taps]
      const float* xg = x + (n * p.C + gi * cg) * in_plane;
      gemm_f32(true, false, mg * taps, in_plane, cg, wg, mg * taps, xg, in_plane, col.data(), in_plane, GemmEpilogue{},
               pool);
      col2im_add_f32(scatter, col.data(), y + (n * p.M + gi * mg) * out_plane, pool);
    }
}

}  // namespace aivm::kernels
