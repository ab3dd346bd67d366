// Resampling kernels: resize against hand-computed values (ONNX's documented examples), and the
// separable fast path against the tensor-product reference on awkward shapes, every mode,
// coordinate transformation and option.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "kernels/resample/grid_sample.h"
#include "kernels/resample/resize.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::random_vec;
using test_util::shape;

ResizeParams params(Shape x, Shape y, ResizeMode mode, ResizeCoord coord) {
  ResizeParams p;
  p.x = x;
  p.y = y;
  p.mode = mode;
  p.coord = coord;
  for (int k = 0; k < x.rank; ++k) p.axes[k].scale = double(y.dims[k]) / double(x.dims[k]);
  return p;
}

std::vector<float> run(const ResizeParams& p, const std::vector<float>& x, bool reference, ThreadPool* pool = nullptr) {
  std::vector<float> y(size_t(p.y.num_elements()), -123.f);
  if (reference) resize_reference(p, 4, x.data(), y.data());
  else resize(p, 4, x.data(), y.data(), pool);
  return y;
}

TEST(Resize, LinearHalfPixelUpsampleMatchesOnnxExample) {
  // onnx test_resize_upsample_scales_linear: 2x2 -> 4x4, scales 2.
  ResizeParams p = params(shape({1, 1, 2, 2}), shape({1, 1, 4, 4}), ResizeMode::Linear, ResizeCoord::HalfPixel);
  std::vector<float> want = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
  std::vector<float> x = {1, 2, 3, 4};
  test_util::expect_close(run(p, x, true), want);
  test_util::expect_close(run(p, x, false), want);
}

TEST(Resize, NearestModesPickTheDocumentedIndex) {
  // 1-D, 4 -> 7 asymmetric: x = o * 4 / 7.
  std::vector<float> x = {10, 11, 12, 13};
  const std::pair<ResizeNearest, std::vector<float>> cases[] = {
      {ResizeNearest::Floor, {10, 10, 11, 11, 12, 12, 13}},
      {ResizeNearest::Ceil, {10, 11, 12, 12, 13, 13, 13}},
      {ResizeNearest::RoundPreferFloor, {10, 11, 11, 12, 12, 13, 13}},
  };
  for (const auto& [mode, want] : cases) {
    ResizeParams p = params(shape({4}), shape({7}), ResizeMode::Nearest, ResizeCoord::Asymmetric);
    p.nearest = mode;
    EXPECT_EQ(run(p, x, true), want);
    EXPECT_EQ(run(p, x, false), want);
  }
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  ResizeParams p = params(shape({1, 3}), shape({1, 4}), ResizeMode::Linear, ResizeCoord::TfCropAndResize);
  p.axes[1].roi_start = -0.5, p.axes[1].roi_end = 1.0;  // x = o - 1: output 0 samples -1
  p.extrapolation = 7.f;
  std::vector<float> x = {1, 2, 3};
  std::vector<float> got = run(p, x, false);
  EXPECT_EQ(got[0], 7.f);
  test_util::expect_close(got, run(p, x, true));
}

// Every mode and coordinate transformation, fast path against the reference, on shapes that
// up- and downsample by odd factors, with scales that are not out / in.
TEST(Resize, FastPathMatchesReference) {
  ThreadPool pool(3);
  const Shape shapes[][2] = {
      {shape({1, 1, 1, 1}), shape({1, 1, 3, 5})},  {shape({2, 3, 7, 5}), shape({2, 3, 4, 11})},
      {shape({1, 2, 33, 9}), shape({1, 2, 5, 33})}, {shape({3, 17}), shape({2, 7})},
      {shape({2, 4, 3, 5, 6}), shape({2, 4, 5, 2, 7})},
  };
  for (const auto& s : shapes) {
    std::vector<float> x = random_vec(s[0].num_elements(), 11);
    for (int mode = 0; mode < int(ResizeMode::kCount); ++mode)
      for (int coord = 0; coord < int(ResizeCoord::kCount); ++coord)
        for (int variant = 0; variant < 4; ++variant) {
          ResizeParams p = params(s[0], s[1], ResizeMode(mode), ResizeCoord(coord));
          p.antialias = variant & 1;
          p.exclude_outside = variant & 2;
          p.nearest = ResizeNearest(variant);
          p.cubic_a = variant == 3 ? -0.5f : -0.75f;
          p.extrapolation = 2.5f;
          for (int k = 0; k < p.x.rank; ++k) {
            if (variant == 2) p.axes[k].scale *= 1.1;  // output_width != the output extent
            p.axes[k].roi_start = 0.1 * k - 0.1;
            p.axes[k].roi_end = 1.2 - 0.05 * k;
          }
          SCOPED_TRACE("mode " + std::to_string(mode) + " coord " + std::to_string(coord) + " variant " +
                       std::to_string(variant));
          std::vector<float> want = run(p, x, true);
          test_util::expect_close(run(p, x, false), want);
          test_util::expect_close(run(p, x, false, &pool), want);
        }
  }
}

TEST(Resize, NearestMovesAnyElementSize) {
  ResizeParams p = params(shape({2, 3}), shape({5, 2}), ResizeMode::Nearest, ResizeCoord::HalfPixel);
  std::vector<int64_t> x = {1, 2, 3, 4, 5, int64_t(1) << 40};
  std::vector<int64_t> got(10), want(10);
  resize(p, 8, x.data(), got.data(), nullptr);
  resize_reference(p, 8, x.data(), want.data());
  EXPECT_EQ(got, want);
  std::vector<uint8_t> xb = {1, 2, 3, 4, 5, 6}, gb(10), wb(10);
  resize(p, 1, xb.data(), gb.data(), nullptr);
  resize_reference(p, 1, xb.data(), wb.data());
  EXPECT_EQ(gb, wb);
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

TEST(GridSample, BilinearMatchesHandValues) {
  // 1x1x2x2 input; align_corners: (-1,-1) is x[0,0], (1,1) is x[1,1], (0,0) the mean.
  GridSampleParams p;
  p.x = shape({1, 1, 2, 2});
  p.grid = shape({1, 1, 3, 2});
  p.align_corners = true;
  std::vector<float> x = {1, 2, 3, 4}, grid = {-1, -1, 1, 1, 0, 0}, y(3), want = {1, 4, 2.5f};
  grid_sample(p, x.data(), grid.data(), y.data(), nullptr);
  test_util::expect_close(y, want);
  // Without align_corners, (-1,-1) is the corner edge: a quarter of x[0,0] with zeros padding.
  p.align_corners = false;
  grid_sample(p, x.data(), grid.data(), y.data(), nullptr);
  EXPECT_FLOAT_EQ(y[0], 0.25f);
}

// Every mode and padding, 1-D to 3-D, with grid points far outside and non-finite ones: the
// fast path against the reference (and no read outside x, which ASan builds check).
TEST(GridSample, FastPathMatchesReference) {
  ThreadPool pool(3);
  const Shape shapes[][2] = {
      {shape({2, 3, 7}), shape({2, 5, 1})},
      {shape({1, 2, 5, 4}), shape({1, 3, 7, 2})},
      {shape({2, 1, 1, 1}), shape({2, 2, 3, 2})},
      {shape({1, 3, 3, 4, 5}), shape({1, 2, 3, 4, 3})},
  };
  for (const auto& s : shapes) {
    std::vector<float> x = random_vec(s[0].num_elements(), 3);
    std::vector<float> grid = random_vec(s[1].num_elements(), 4, -1.6f, 1.6f);
    grid[0] = 1e30f, grid[1] = -INFINITY;
    if (grid.size() > 2) grid[2] = NAN;
    int64_t out = s[0].dims[0] * s[0].dims[1] * s[1].num_elements() / s[1].dims[0] / s[1].dims[s[1].rank - 1];
    for (int mode = 0; mode < int(GridMode::kCount); ++mode)
      for (int pad = 0; pad < int(GridPadding::kCount); ++pad)
        for (bool align : {false, true}) {
          GridSampleParams p{s[0], s[1], GridMode(mode), GridPadding(pad), align};
          SCOPED_TRACE("mode " + std::to_string(mode) + " padding " + std::to_string(pad) + " align " +
                       std::to_string(align));
          std::vector<float> want(static_cast<size_t>(out)), got(static_cast<size_t>(out));
          grid_sample_reference(p, x.data(), grid.data(), want.data());
          grid_sample(p, x.data(), grid.data(), got.data(), &pool);
          test_util::expect_close(got, want);
        }
  }
}

}  // namespace
}  // namespace aivm::kernels
