// Max pooling: reference against hand-computed values, fast path against the reference.
#include "kernels/pool/pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::random_vec;

// Max pooling only selects inputs, so results must match exactly.
void expect_equal(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "at " << i;
}

isa::Window2d window(int32_t kh, int32_t kw, int32_t sh = 1, int32_t sw = 1, int32_t pt = 0, int32_t pl = 0,
                     int32_t pb = 0, int32_t pr = 0, int32_t dh = 1, int32_t dw = 1) {
  return {kh, kw, sh, sw, pt, pl, pb, pr, dh, dw};
}

Pool2dParams params(int64_t n, int64_t c, int64_t h, int64_t w, isa::Window2d win) {
  int64_t eh = (win.kernel_h - 1) * win.dilation_h + 1, ew = (win.kernel_w - 1) * win.dilation_w + 1;
  return {n, c, h, w, (h + win.pad_top + win.pad_bottom - eh) / win.stride_h + 1,
          (w + win.pad_left + win.pad_right - ew) / win.stride_w + 1, win};
}

std::vector<float> run_ref(const Pool2dParams& p, const std::vector<float>& x) {
  std::vector<float> y(size_t(p.N * p.C * p.OH * p.OW));
  maxpool2d_f32_reference(p, x.data(), y.data());
  return y;
}

TEST(PoolReference, HandComputed) {
  std::vector<float> x16(16);
  for (int i = 0; i < 16; ++i) x16[size_t(i)] = float(i + 1);
  expect_equal(run_ref(params(1, 1, 4, 4, window(2, 2, 2, 2)), x16), {6, 8, 14, 16});
  const std::vector<float> x9 = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  expect_equal(run_ref(params(1, 1, 3, 3, window(3, 3, 1, 1, 1, 1, 1, 1)), x9), {5, 6, 6, 8, 9, 9, 8, 9, 9});
  // Padding is ignored, not treated as 0: all-negative input keeps negative maxima.
  const std::vector<float> neg = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
  expect_equal(run_ref(params(1, 1, 3, 3, window(3, 3, 1, 1, 1, 1, 1, 1)), neg),
               {-1, -1, -2, -1, -1, -2, -4, -4, -5});
  // Dilation 2 over 3x3: the four corners; two channels pooled independently.
  std::vector<float> two = x9;
  for (float v : neg) two.push_back(v);
  expect_equal(run_ref(params(1, 2, 3, 3, window(2, 2, 1, 1, 0, 0, 0, 0, 2, 2)), two), {9, -1});
  // Asymmetric padding (bottom/right only) with stride 2.
  expect_equal(run_ref(params(1, 1, 3, 3, window(2, 2, 2, 2, 0, 0, 1, 1)), x9), {5, 6, 8, 9});
}

TEST(AvgPoolReference, HandComputed) {
  const std::vector<float> x9 = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> y(9);
  // 3x3 window, pad 1: corners average 4 valid cells, or 9 when padding counts.
  avgpool2d_f32_reference(params(1, 1, 3, 3, window(3, 3, 1, 1, 1, 1, 1, 1)), false, x9.data(), y.data());
  EXPECT_FLOAT_EQ(y[0], (1 + 2 + 4 + 5) / 4.f);
  EXPECT_FLOAT_EQ(y[4], 5.f);
  avgpool2d_f32_reference(params(1, 1, 3, 3, window(3, 3, 1, 1, 1, 1, 1, 1)), true, x9.data(), y.data());
  EXPECT_FLOAT_EQ(y[0], (1 + 2 + 4 + 5) / 9.f);
  // A ceil-mode window running past the padding does not count the cells beyond it.
  Pool2dParams ceil = params(1, 1, 3, 3, window(2, 2, 2, 2));
  ceil.OH = ceil.OW = 2;
  std::vector<float> y4(4);
  avgpool2d_f32_reference(ceil, true, x9.data(), y4.data());
  EXPECT_FLOAT_EQ(y4[3], 9.f);
  EXPECT_FLOAT_EQ(y4[1], (3 + 6) / 2.f);
}

class PoolFast : public ::testing::TestWithParam<int> {
 protected:
  PoolFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~PoolFast() override { delete pool_; }
  ThreadPool* pool_;
};

TEST_P(PoolFast, MatchesReference) {
  const Pool2dParams cases[] = {
      params(1, 1, 1, 1, window(1, 1)),
      params(2, 3, 7, 15, window(2, 2, 2, 2)),
      params(1, 5, 17, 33, window(3, 3, 2, 2, 1, 1, 1, 1)),
      params(1, 7, 15, 17, window(3, 2, 1, 3, 0, 1, 2, 1, 2, 3)),     // asym pads, dilation
      params(2, 16, 100, 33, window(3, 3, 1, 1, 1, 1, 1, 1)),         // threaded
      params(1, 3, 33, 100, window(5, 7, 3, 2, 2, 3, 2, 3)),
      params(1, 2, 8, 8, window(2, 2, 1, 1, 3, 0, 0, 3)),             // windows wholly in padding
  };
  unsigned seed = 0;
  for (const Pool2dParams& p : cases) {
    std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
    std::vector<float> want = run_ref(p, x), got(want.size(), 42.f);
    maxpool2d_f32(p, x.data(), got.data(), pool_);
    SCOPED_TRACE(testing::Message() << "case " << seed);
    expect_equal(got, want);
    for (bool include_pad : {false, true}) {
      std::vector<float> avg_want(want.size()), avg_got(want.size(), 42.f);
      avgpool2d_f32_reference(p, include_pad, x.data(), avg_want.data());
      avgpool2d_f32(p, include_pad, x.data(), avg_got.data(), pool_);
      for (size_t i = 0; i < avg_want.size(); ++i)
        ASSERT_NEAR(avg_got[i], avg_want[i], 1e-5f) << "avg include_pad " << include_pad << " at " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, PoolFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

// The plane kernels of every ISA the CPU has, against the reference: widths around the vector
// widths (1, 7, 15-17, 33), strides 1 to 3, dilation, asymmetric and ceil-mode padding, and
// NaN inputs (max skips them, as the reference does).
TEST(PoolPlanes, EveryIsaMatchesReference) {
  auto ceil_mode = [](Pool2dParams p) {  // one more output each way, reaching past the padding
    ++p.OH;
    ++p.OW;
    return p;
  };
  const Pool2dParams cases[] = {
      params(1, 1, 1, 1, window(1, 1)),
      params(1, 2, 7, 7, window(3, 3, 1, 1, 1, 1, 1, 1)),
      params(1, 2, 16, 16, window(2, 2, 2, 2)),
      params(1, 2, 17, 33, window(3, 3, 2, 2, 1, 1, 1, 1)),
      params(1, 2, 15, 34, window(3, 3, 2, 2)),
      ceil_mode(params(1, 2, 13, 13, window(3, 3, 2, 2))),              // last window mostly outside
      ceil_mode(params(1, 2, 14, 31, window(2, 2, 2, 2))),              // last window wholly outside
      params(1, 2, 11, 50, window(5, 4, 3, 3, 2, 1, 0, 2)),
      params(1, 2, 15, 17, window(3, 2, 1, 3, 0, 1, 2, 1, 2, 3)),      // asym pads, dilation
      params(1, 2, 8, 8, window(2, 2, 1, 1, 3, 0, 0, 3)),              // windows wholly in padding
      params(2, 3, 7, 7, window(7, 7)),                                // one window per plane
      params(1, 2, 3, 150, window(2, 70, 1, 2, 0, 1, 1, 1)),           // a 1-D pool's wide window
      // 3x3 stride-2 max straight from the rows: vectors in the middle, scalar ends.
      params(1, 2, 9, 111, window(3, 3, 2, 2)),
      ceil_mode(params(1, 2, 10, 112, window(3, 3, 2, 2, 1, 1, 1, 1))),
      params(1, 2, 6, 70, window(3, 3, 2, 2, 2, 2, 2, 2)),              // window rows wholly in padding
      // 2x2 stride-2 average straight from the rows: odd sizes (the last row and column
      // dropped), outputs 1, 28 (vectors and a tail) and 33.
      params(1, 2, 3, 3, window(2, 2, 2, 2)),
      params(1, 2, 7, 57, window(2, 2, 2, 2)),
      params(1, 2, 9, 67, window(2, 2, 2, 2)),
  };
  unsigned seed = 200;
  for (const char* isa : test_util::isas_of_this_cpu()) {
    const Pool2dPlanes* planes = pool2d_planes_for_isa(isa);
    ASSERT_NE(planes, nullptr) << isa;
    for (const Pool2dParams& p : cases) {
      std::vector<float> x = random_vec(p.N * p.C * p.H * p.W, ++seed);
      x[x.size() / 2] = NAN;
      std::vector<float> scratch(pool2d_scratch_floats(p), NAN);
      SCOPED_TRACE(testing::Message() << isa << " case seed " << seed);
      std::vector<float> want = run_ref(p, x), got(want.size(), 42.f);
      for (int64_t i = 0; i < p.N * p.C; ++i)
        planes->max(p, nullptr, x.data() + i * p.H * p.W, got.data() + i * p.OH * p.OW, scratch.data());
      expect_equal(got, want);
      // Average, NaN-free, each output scaled by the reciprocal of its window's valid taps.
      x = random_vec(p.N * p.C * p.H * p.W, seed);
      std::vector<float> avg_want(want.size()), avg_got(want.size(), 42.f), inv_count;
      avgpool2d_f32_reference(p, false, x.data(), avg_want.data());
      const isa::Window2d& w = p.window;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          int64_t taps = 0;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
            for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
              const int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
              taps += ih >= 0 && ih < p.H && iw >= 0 && iw < p.W;
            }
          }
          inv_count.push_back(taps ? 1.f / float(taps) : 0.f);
        }
      }
      for (int64_t i = 0; i < p.N * p.C; ++i)
        planes->average(p, inv_count.data(), x.data() + i * p.H * p.W, avg_got.data() + i * p.OH * p.OW,
                        scratch.data());
      for (size_t i = 0; i < avg_want.size(); ++i) ASSERT_NEAR(avg_got[i], avg_want[i], 1e-5f) << "avg at " << i;
    }
  }
}

}  // namespace
}  // namespace aivm::kernels
