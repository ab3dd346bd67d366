// TopK kernels (kernels/topk): the fast path against the scalar reference on awkward shapes
// (1, 7, 33 along every view axis), with ties and NaNs, plus hand-checked orders.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "format/float_formats.h"
#include "kernels/config/thread_pool.h"
#include "kernels/topk/topk.h"

namespace aivm::kernels {
namespace {

// Values from a small set, so rows have many ties; every 11th a NaN when |nans|.
std::vector<float> tied_values(int64_t n, unsigned seed, bool nans) {
  std::mt19937 rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = nans && i % 11 == 3 ? std::numeric_limits<float>::quiet_NaN() : float(int(rng() % 9) - 4);
  return v;
}

template <typename T>
void check_against_reference(DType dt, const std::vector<T>& x, int64_t outer, int64_t n, int64_t inner,
                             ThreadPool* pool) {
  for (int64_t k : {int64_t(0), int64_t(1), n / 2, n}) {
    for (bool largest : {true, false}) {
      size_t m = size_t(outer * k * inner);
      std::vector<T> v(m), vr(m);
      std::vector<int64_t> idx(m), idxr(m);
      topk(largest, dt, outer, n, inner, k, x.data(), v.data(), idx.data(), pool);
      topk_reference(largest, dt, outer, n, inner, k, x.data(), vr.data(), idxr.data());
      ASSERT_EQ(idx, idxr) << "outer " << outer << " n " << n << " inner " << inner << " k " << k;
      if (m > 0) {  // k = 0: data() may be null, which memcmp must not get
        ASSERT_EQ(std::memcmp(v.data(), vr.data(), m * sizeof(T)), 0);
      }
    }
  }
}

TEST(TopK, MatchesReferenceOnAwkwardShapes) {
  ThreadPool pool(2);
  for (int64_t outer : {1, 7, 33})
    for (int64_t n : {1, 7, 33})
      for (int64_t inner : {1, 7}) {
        int64_t total = outer * n * inner;
        std::vector<float> f = tied_values(total, unsigned(total), true);
        check_against_reference(DType::F32, f, outer, n, inner, &pool);
        std::vector<int32_t> i32(f.size());
        std::vector<uint16_t> h(f.size());
        std::vector<double> d(f.size());
        for (size_t i = 0; i < f.size(); ++i) {
          i32[i] = std::isnan(f[i]) ? 7 : int32_t(f[i]);
          h[i] = float_to_half(f[i]);
          d[i] = f[i];
        }
        check_against_reference(DType::I32, i32, outer, n, inner, nullptr);
        check_against_reference(DType::F16, h, outer, n, inner, nullptr);
        check_against_reference(DType::F64, d, outer, n, inner, nullptr);
      }
}

TEST(TopK, TiesKeepTheLowerIndexAndNanOrdersHighest) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {3, 1, nan, 3, 2, 1};
  std::vector<float> v(4);
  std::vector<int64_t> idx(4);
  topk(true, DType::F32, 1, 6, 1, 4, x.data(), v.data(), idx.data(), nullptr);
  EXPECT_EQ(idx, (std::vector<int64_t>{2, 0, 3, 4}));
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], 3.f);
  topk(false, DType::F32, 1, 6, 1, 4, x.data(), v.data(), idx.data(), nullptr);
  EXPECT_EQ(idx, (std::vector<int64_t>{1, 5, 4, 0}));
  EXPECT_EQ(v, (std::vector<float>{1, 1, 2, 3}));
}

TEST(TopK, InnerAxisIsStrided) {
  // [2, 3, 2] along axis 1, k = 2: each (o, i) column independently.
  std::vector<int64_t> x = {1, 6, 5, 2, 3, 4, 9, 0, 8, 0, 7, 1};
  std::vector<int64_t> v(8), idx(8);
  topk(true, DType::I64, 2, 3, 2, 2, x.data(), v.data(), idx.data(), nullptr);
  EXPECT_EQ(v, (std::vector<int64_t>{5, 6, 3, 4, 9, 1, 8, 0}));
  EXPECT_EQ(idx, (std::vector<int64_t>{1, 0, 2, 2, 0, 2, 1, 0}));
}

}  // namespace
}  // namespace aivm::kernels
