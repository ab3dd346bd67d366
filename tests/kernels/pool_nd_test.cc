// N-D pooling (max, average, Lp over 1..3 spatial axes): the fast path against the N-D
// reference on awkward shapes with padding, dilation and ceil-mode extents, and the N-D
// reference against the independent 2-D references on 2-D windows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isa/shape_rules.h"
#include "kernels/config/thread_pool.h"
#include "kernels/pool/pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::random_vec;

PoolAxis axis(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe, int64_t d, bool ceil = false) {
  return {in, isa::window_out_extent(in, k, s, pb, pe, d, ceil), k, s, pb, pe, d};
}

int64_t out_count(const PoolNdParams& p) {
  int64_t n = p.N * p.C;
  for (int k = 0; k < p.spatial_rank; ++k) n *= p.axes[k].out;
  return n;
}
int64_t in_count(const PoolNdParams& p) {
  int64_t n = p.N * p.C;
  for (int k = 0; k < p.spatial_rank; ++k) n *= p.axes[k].in;
  return n;
}

TEST(PoolNd, FastPathMatchesReference) {
  ThreadPool pool(3);
  const std::vector<std::vector<PoolAxis>> windows = {
      {axis(7, 3, 2, 1, 1, 1)},
      {axis(33, 4, 3, 2, 0, 2, true)},
      {axis(5, 2, 1, 0, 1, 1), axis(9, 3, 2, 1, 1, 2, true)},
      {axis(4, 2, 2, 1, 1, 1, true), axis(5, 3, 1, 1, 1, 1), axis(7, 2, 3, 0, 2, 3)},
      {axis(1, 1, 1, 0, 0, 1), axis(3, 3, 1, 2, 2, 1), axis(2, 2, 2, 1, 0, 1)},
  };
  for (const auto& w : windows)
    for (int kind = 0; kind < int(PoolKind::kCount); ++kind)
      for (bool include_pad : {false, true})
        for (int32_t pnorm : {1, 2, 3}) {
          PoolNdParams p{};
          p.N = 2, p.C = 3, p.spatial_rank = int(w.size());
          for (size_t k = 0; k < w.size(); ++k) p.axes[k] = w[k];
          p.kind = PoolKind(kind);
          p.count_include_pad = include_pad;
          p.p = kind == int(PoolKind::Lp) ? pnorm : 0;
          SCOPED_TRACE("rank " + std::to_string(w.size()) + " kind " + std::to_string(kind) + " pad " +
                       std::to_string(include_pad) + " p " + std::to_string(pnorm));
          std::vector<float> x = random_vec(in_count(p), 7), want(size_t(out_count(p))), got(want.size());
          pool_nd_f32_reference(p, x.data(), want.data());
          pool_nd_f32(p, x.data(), got.data(), &pool);
          test_util::expect_close(got, want);
        }
}

TEST(PoolNd, TwoDimensionalMatchesThe2dReferences) {
  isa::Window2d win{3, 2, 2, 1, 1, 0, 1, 1, 2, 1};  // kh kw sh sw pt pl pb pr dh dw
  PoolNdParams p{};
  p.N = 1, p.C = 2, p.spatial_rank = 2;
  p.axes[0] = axis(9, 3, 2, 1, 1, 2);
  p.axes[1] = axis(6, 2, 1, 0, 1, 1);
  Pool2dParams p2{1, 2, 9, 6, p.axes[0].out, p.axes[1].out, win};
  std::vector<float> x = random_vec(in_count(p), 9), want(size_t(out_count(p))), got(want.size());
  p.kind = PoolKind::Max;
  maxpool2d_f32_reference(p2, x.data(), want.data());
  pool_nd_f32(p, x.data(), got.data(), nullptr);
  test_util::expect_close(got, want);
  for (bool include_pad : {false, true}) {
    p.kind = PoolKind::Average;
    p.count_include_pad = include_pad;
    avgpool2d_f32_reference(p2, include_pad, x.data(), want.data());
    pool_nd_f32(p, x.data(), got.data(), nullptr);
    test_util::expect_close(got, want);
  }
}

TEST(PoolNd, LpNormOfAWindow) {
  PoolNdParams p{};
  p.N = 1, p.C = 1, p.spatial_rank = 1;
  p.axes[0] = axis(3, 3, 1, 0, 0, 1);
  p.kind = PoolKind::Lp;
  p.p = 2;
  std::vector<float> x = {3, -4, 0}, y(1);
  pool_nd_f32(p, x.data(), y.data(), nullptr);
  EXPECT_FLOAT_EQ(y[0], 5.f);
}

}  // namespace
}  // namespace aivm::kernels
