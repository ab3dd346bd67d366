// Transposed convolution and col2im: the GEMM + col2im fast path against the direct-loop
// reference on 1-D to 3-D shapes with groups, strides, dilations, negative leading padding
// (an output_shape past the natural one) and outputs that crop taps; col2im against its
// reference.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/conv/conv.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::random_vec;

struct Axis {
  int64_t in, out, kernel, stride, pad_begin, dilation;
};

ConvTransposeParams params(int64_t n, int64_t c, int64_t m, int64_t group, const std::vector<Axis>& axes) {
  ConvTransposeParams p{n, c, m, group, {}};
  p.geometry.rank = int(axes.size());
  for (size_t k = 0; k < axes.size(); ++k) {
    const Axis& a = axes[k];
    p.geometry.cols[k] = a.in, p.geometry.image[k] = a.out, p.geometry.kernel[k] = a.kernel;
    p.geometry.stride[k] = a.stride, p.geometry.pad_begin[k] = a.pad_begin, p.geometry.dilation[k] = a.dilation;
  }
  return p;
}

int64_t prod(const int64_t* d, int r) {
  int64_t v = 1;
  for (int i = 0; i < r; ++i) v *= d[i];
  return v;
}

TEST(ConvTranspose, HandValues1d) {
  // x [1, 1, 3], w [1, 1, 2], stride 2: y = [x0 w0, x0 w1, x1 w0, x1 w1, x2 w0, x2 w1].
  ConvTransposeParams p = params(1, 1, 1, 1, {{3, 6, 2, 2, 0, 1}});
  std::vector<float> x = {1, 2, 3}, w = {10, 1}, y(6), want = {10, 1, 20, 2, 30, 3};
  conv_transpose_f32(p, x.data(), w.data(), nullptr, y.data(), nullptr);
  EXPECT_EQ(y, want);
}

TEST(ConvTranspose, FastPathMatchesReference) {
  ThreadPool pool(3);
  struct Case {
    int64_t n, c, m, group;
    std::vector<Axis> axes;
  };
  const Case cases[] = {
      {1, 3, 2, 1, {{7, 17, 3, 2, 0, 1}}},
      {2, 4, 6, 2, {{5, 9, 3, 2, 1, 1}, {3, 7, 2, 3, 0, 2}}},
      {1, 2, 2, 2, {{4, 12, 3, 2, -2, 1}, {1, 1, 1, 1, 0, 1}}},
      {1, 6, 3, 3, {{33, 33, 3, 1, 1, 1}, {2, 5, 4, 1, 1, 1}}},
      {2, 2, 4, 1, {{3, 6, 2, 2, 1, 1}, {2, 4, 3, 1, 0, 1}, {3, 3, 2, 1, 1, 2}}},
  };
  for (const Case& c : cases) {
    ConvTransposeParams p = params(c.n, c.c, c.m, c.group, c.axes);
    const int r = p.geometry.rank;
    SCOPED_TRACE("rank " + std::to_string(r) + " group " + std::to_string(c.group));
    std::vector<float> x = random_vec(c.n * c.c * prod(p.geometry.cols, r), 1);
    std::vector<float> w = random_vec(c.c * (c.m / c.group) * prod(p.geometry.kernel, r), 2);
    std::vector<float> bias = random_vec(c.m, 3);
    std::vector<float> want(size_t(c.n * c.m * prod(p.geometry.image, r))), got(want.size());
    for (bool with_bias : {false, true}) {
      conv_transpose_f32_reference(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, want.data());
      conv_transpose_f32(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, got.data(), &pool);
      test_util::expect_close(got, want);
    }
  }
}

TEST(Col2Im, FastPathMatchesReference) {
  ThreadPool pool(2);
  Col2ImParams p{};
  p.channels = 3, p.rank = 2;
  const int64_t image[] = {7, 5}, kernel[] = {3, 2}, stride[] = {2, 1}, pad[] = {1, 0}, dil[] = {1, 2};
  for (int k = 0; k < 2; ++k) {
    p.image[k] = image[k], p.kernel[k] = kernel[k], p.stride[k] = stride[k], p.pad_begin[k] = pad[k];
    p.dilation[k] = dil[k];
    p.cols[k] = (image[k] + 2 * pad[k] - dil[k] * (kernel[k] - 1) - 1) / stride[k] + 1;
  }
  std::vector<float> col = random_vec(p.channels * prod(p.kernel, 2) * prod(p.cols, 2), 5);
  std::vector<float> want(size_t(p.channels * prod(p.image, 2)), 0.5f), got = want;
  col2im_add_f32_reference(p, col.data(), want.data());
  col2im_add_f32(p, col.data(), got.data(), &pool);
  test_util::expect_close(got, want);
}

}  // namespace
}  // namespace aivm::kernels
