// RoiAlign kernels (kernels/resample/roi_align.h): the fast path against the per-element
// reference on awkward shapes, both modes and coordinate conventions, hostile regions (NaN,
// huge, outside the image) and batch indices, plus a hand-checked bin.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/resample/roi_align.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

TEST(RoiAlign, MatchesReferenceOnAwkwardShapes) {
  ThreadPool pool(2);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // (x1, y1, x2, y2): inside, partly outside, degenerate, NaN, huge, inverted.
  const std::vector<float> rois = {0, 0, 6, 5, -3, 2, 40, 9, 2, 2, 2, 2, nan, 1, 3, 4, 0, 0, 1e30f, inf, 5, 5, 1, 1};
  const std::vector<int64_t> batch = {0, 1, 1, 0, 1, 7};  // 7: outside [0, N), zeros
  for (int64_t h : {1, 7, 33})
    for (int64_t w : {1, 7})
      for (int mode = 0; mode < 4; ++mode) {
        RoiAlignParams p;
        p.n = 2, p.c = 3, p.h = h, p.w = w;
        p.rois = 6, p.out_h = 3, p.out_w = 2;
        p.max_mode = mode & 1;
        p.half_pixel = mode & 2;
        p.sampling_ratio = h == 7 ? 2 : 0;
        p.spatial_scale = 0.5f;
        std::vector<float> x = test_util::random_vec(p.n * p.c * h * w, unsigned(h * 10 + w));
        size_t n = size_t(p.rois * p.c * p.out_h * p.out_w);
        std::vector<float> got(n), want(n);
        roi_align(p, x.data(), rois.data(), batch.data(), true, got.data(), &pool);
        roi_align_reference(p, x.data(), rois.data(), batch.data(), true, want.data());
        SCOPED_TRACE("h " + std::to_string(h) + " w " + std::to_string(w) + " mode " + std::to_string(mode));
        test_util::expect_close(got, want);
        for (size_t i = n - size_t(p.c * p.out_h * p.out_w); i < n; ++i) ASSERT_EQ(got[i], 0.f);
      }
}

TEST(RoiAlign, HandCheckedBin) {
  // A 2 x 2 image, one region over all of it (output_half_pixel), one bin, 2 x 2 samples at
  // (0.5, 0.5), (0.5, 1.5), (1.5, 0.5), (1.5, 1.5): the last three clamp onto the border.
  std::vector<float> x = {1, 2, 3, 4}, rois = {0, 0, 2, 2}, y(1);
  std::vector<int32_t> batch = {0};
  RoiAlignParams p;
  p.h = p.w = 2;
  p.rois = 1;
  p.half_pixel = false;
  roi_align(p, x.data(), rois.data(), batch.data(), false, y.data(), nullptr);
  // Samples: (0.5,0.5) -> 2.5; (0.5,1.5) -> x clamps to 1: 0.5*2 + 0.5*4 = 3; (1.5,0.5) -> 3.5;
  // (1.5,1.5) -> 4. Average 3.25.
  EXPECT_FLOAT_EQ(y[0], 3.25f);
}

}  // namespace
}  // namespace aivm::kernels
