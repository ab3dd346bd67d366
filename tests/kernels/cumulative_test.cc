// CumSum / CumProd kernels (kernels/cumulative): the fast path against the scalar reference
// on awkward shapes (1, 7, 33) with every option, plus hand-checked values and wrapping.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "format/float_formats.h"
#include "kernels/config/thread_pool.h"
#include "kernels/cumulative/cumulative.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

template <typename T>
void check_against_reference(DType dt, const std::vector<T>& x, int64_t outer, int64_t n, int64_t inner,
                             ThreadPool* pool) {
  for (CumulativeOp op : {CumulativeOp::Sum, CumulativeOp::Prod})
    for (int opts = 0; opts < 4; ++opts) {
      CumulativeParams p;
      p.op = op;
      p.exclusive = opts & 1;
      p.reverse = opts & 2;
      p.outer = outer;
      p.n = n;
      p.inner = inner;
      std::vector<T> y(x.size()), yr(x.size());
      cumulative(p, dt, x.data(), y.data(), pool);
      cumulative_reference(p, dt, x.data(), yr.data());
      // Same accumulation order in both: the results are bit-identical.
      ASSERT_EQ(std::memcmp(y.data(), yr.data(), x.size() * sizeof(T)), 0)
          << "op " << int(op) << " opts " << opts << " outer " << outer << " n " << n << " inner " << inner;
    }
}

TEST(Cumulative, MatchesReferenceOnAwkwardShapes) {
  ThreadPool pool(2);
  for (int64_t outer : {1, 7, 33})
    for (int64_t n : {1, 7, 33})
      for (int64_t inner : {1, 7, 33}) {
        int64_t total = outer * n * inner;
        // Near 1 so products of 33 terms stay finite.
        std::vector<float> f = test_util::random_vec(total, unsigned(total), 0.5f, 1.5f);
        check_against_reference(DType::F32, f, outer, n, inner, &pool);
        std::vector<int64_t> i64(f.size());
        std::vector<uint16_t> bf(f.size());
        std::vector<int8_t> i8(f.size());
        for (size_t i = 0; i < f.size(); ++i) {
          i64[i] = int64_t(f[i] * 1000) - 1000;
          bf[i] = float_to_bf16(f[i]);
          i8[i] = int8_t(i64[i]);
        }
        check_against_reference(DType::I64, i64, outer, n, inner, nullptr);
        check_against_reference(DType::BF16, bf, outer, n, inner, nullptr);
        check_against_reference(DType::I8, i8, outer, n, inner, nullptr);
      }
}

TEST(Cumulative, HandValues) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};  // [2, 3], axis 1
  std::vector<float> y(6);
  CumulativeParams p;
  p.outer = 2;
  p.n = 3;
  cumulative(p, DType::F32, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{1, 3, 6, 4, 9, 15}));
  p.exclusive = true;
  p.reverse = true;
  cumulative(p, DType::F32, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{5, 3, 0, 11, 6, 0}));
  p = {};
  p.op = CumulativeOp::Prod;
  p.n = 2;
  p.inner = 3;  // axis 0 of [2, 3]
  p.exclusive = true;
  cumulative(p, DType::F32, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{1, 1, 1, 1, 2, 3}));
}

TEST(Cumulative, IntegersWrap) {
  std::vector<int32_t> x = {INT32_MAX, 1, 1};
  std::vector<int32_t> y(3);
  CumulativeParams p;
  p.n = 3;
  cumulative(p, DType::I32, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<int32_t>{INT32_MAX, INT32_MIN, INT32_MIN + 1}));
  std::vector<uint8_t> b = {16, 16, 3}, yb(3);
  p.op = CumulativeOp::Prod;
  cumulative(p, DType::U8, b.data(), yb.data(), nullptr);
  EXPECT_EQ(yb, (std::vector<uint8_t>{16, 0, 0}));
}

}  // namespace
}  // namespace aivm::kernels
