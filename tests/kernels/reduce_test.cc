// Reduction kernels (kernels/reduce) against their scalar references on awkward shapes and
// every axis mask, plus hand-computed values and the empty-reduction identities.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "format/float_formats.h"
#include "kernels/config/thread_pool.h"
#include "kernels/reduce/reduce.h"
#include "kernels/reduce/row_sum.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::shape;

int64_t out_count(const Shape& x, uint32_t mask) {
  int64_t n = 1;
  for (int k = 0; k < x.rank; ++k)
    if (!(mask >> k & 1)) n *= x.dims[k];
  return n;
}

const ReduceOp kAllOps[] = {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max,    ReduceOp::Min,       ReduceOp::Prod,
                            ReduceOp::L1,  ReduceOp::L2,   ReduceOp::LogSum, ReduceOp::LogSumExp, ReduceOp::SumSquare};

void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i]) || std::isinf(want[i])) {
      ASSERT_TRUE(std::isnan(want[i]) ? std::isnan(got[i]) : got[i] == want[i]) << "element " << i;
      continue;
    }
    ASSERT_NEAR(got[i], want[i], 2e-5f * std::max(1.f, std::fabs(want[i]))) << "element " << i;
  }
}

// The row sum under Sum / Mean over trailing axes (a global average pool's channel), each
// SIMD variant this CPU runs: every length around the vector and unroll widths, against a
// long double sum; values of mixed magnitude so a float accumulator would show.
TEST(Reduce, RowSumVariantsMatchALongDoubleSum) {
  for (const char* isa : test_util::isas_of_this_cpu()) {
    const RowSumFn fn = row_sum_for_isa(isa);
    ASSERT_NE(fn, nullptr) << isa;
    for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 12544}) {
      std::vector<float> x = test_util::random_vec(n + 1, unsigned(n) + 7);
      for (int64_t i = 0; i < n; i += 5) x[size_t(i)] *= 1e4f;
      long double want = 0;
      for (int64_t i = 0; i < n; ++i) want += x[size_t(i)];
      const double got = fn(n, x.data());
      EXPECT_NEAR(got, double(want), 1e-12 * (1 + std::fabs(double(want)))) << isa << " n " << n;
    }
  }
}

TEST(Reduce, F32MatchesReferenceForEveryMask) {
  ThreadPool pool(3);
  for (Shape x : {shape({7, 33}), shape({1, 7, 33}), shape({2, 7, 1, 33}), shape({3, 5, 7}), shape({260, 3}),
                  shape({1, 9, 5, 13})}) {  // the last: global pooling, H*W = 65
    std::mt19937 rng(uint32_t(x.num_elements()));
    std::uniform_real_distribution<float> dist(0.5f, 1.5f);  // positive: LogSum and Prod stay finite
    std::vector<float> xs(size_t(x.num_elements()));
    for (float& v : xs) v = dist(rng);
    for (uint32_t mask = 0; mask < (1u << x.rank); ++mask)
      for (ReduceOp op : kAllOps) {
        SCOPED_TRACE(::testing::Message() << "rank " << x.rank << " mask " << mask << " op " << int(op));
        std::vector<float> got(size_t(out_count(x, mask))), want(got.size());
        reduce_f32(op, x, mask, xs.data(), got.data(), &pool);
        reduce_f32_reference(op, x, mask, xs.data(), want.data());
        expect_close(got, want);
      }
  }
}

TEST(Reduce, LargeInputsSplitAcrossThePool) {
  ThreadPool pool(4);
  Shape x = shape({33, 70, 33});
  std::vector<float> xs(size_t(x.num_elements()));
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (float& v : xs) v = dist(rng);
  for (uint32_t mask : {1u, 2u, 4u, 5u, 6u, 7u})
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::LogSumExp, ReduceOp::L2}) {
      std::vector<float> got(size_t(out_count(x, mask))), want(got.size());
      reduce_f32(op, x, mask, xs.data(), got.data(), &pool);
      reduce_f32_reference(op, x, mask, xs.data(), want.data());
      expect_close(got, want);
    }
}

TEST(Reduce, ByHand) {
  // [2, 3] = [[1, 2, 3], [4, 5, 6]]
  std::vector<float> x = {1, 2, 3, 4, 5, 6}, y(3);
  reduce_f32(ReduceOp::Sum, shape({2, 3}), 1, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{5, 7, 9}));
  y.resize(2);
  reduce_f32(ReduceOp::Max, shape({2, 3}), 2, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{3, 6}));
  reduce_f32(ReduceOp::Mean, shape({2, 3}), 2, x.data(), y.data(), nullptr);
  EXPECT_EQ(y, (std::vector<float>{2, 5}));
  y.resize(1);
  reduce_f32(ReduceOp::Prod, shape({2, 3}), 3, x.data(), y.data(), nullptr);
  EXPECT_EQ(y[0], 720.f);
  reduce_f32(ReduceOp::LogSumExp, shape({2, 3}), 3, x.data(), y.data(), nullptr);
  double want = 0;
  for (float v : x) want += std::exp(double(v));
  EXPECT_NEAR(y[0], std::log(want), 1e-5);
  // A large shift: the naive log(sum(exp)) overflows, the shifted form does not.
  std::vector<float> big = {1000.f, 1000.f};
  reduce_f32(ReduceOp::LogSumExp, shape({2}), 1, big.data(), y.data(), nullptr);
  EXPECT_NEAR(y[0], 1000.f + std::log(2.f), 1e-3);
}

TEST(Reduce, EmptyReductionGivesTheIdentity) {
  Shape x = shape({3, 0});
  const float inf = std::numeric_limits<float>::infinity();
  struct {
    ReduceOp op;
    float want;
  } cases[] = {{ReduceOp::Sum, 0.f},        {ReduceOp::Prod, 1.f},      {ReduceOp::Max, -inf},
               {ReduceOp::Min, inf},        {ReduceOp::L1, 0.f},        {ReduceOp::L2, 0.f},
               {ReduceOp::SumSquare, 0.f},  {ReduceOp::LogSum, -inf},   {ReduceOp::LogSumExp, -inf}};
  for (auto c : cases) {
    std::vector<float> y(3, 42.f), r(3, 42.f);
    reduce_f32(c.op, x, 2, nullptr, y.data(), nullptr);
    reduce_f32_reference(c.op, x, 2, nullptr, r.data());
    EXPECT_EQ(y, std::vector<float>(3, c.want)) << int(c.op);
    EXPECT_EQ(r, std::vector<float>(3, c.want)) << int(c.op);
  }
  std::vector<float> y(3);
  reduce_f32(ReduceOp::Mean, x, 2, nullptr, y.data(), nullptr);
  EXPECT_TRUE(std::isnan(y[0]));
}

TEST(Reduce, I64MatchesReference) {
  for (Shape x : {shape({7, 33}), shape({3, 1, 7, 5})}) {
    std::mt19937 rng(3);
    std::vector<int64_t> xs(size_t(x.num_elements()));
    for (int64_t& v : xs) v = int64_t(rng() % 7) - 3;
    for (uint32_t mask = 0; mask < (1u << x.rank); ++mask)
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Min, ReduceOp::Prod}) {
        std::vector<int64_t> got(size_t(out_count(x, mask))), want(got.size());
        reduce_i64(op, x, mask, xs.data(), got.data(), nullptr);
        reduce_i64_reference(op, x, mask, xs.data(), want.data());
        ASSERT_EQ(got, want) << "mask " << mask << " op " << int(op);
      }
  }
}

TEST(Reduce, ArgMatchesReferenceWithTiesAndNaN) {
  ThreadPool pool(2);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (auto [outer, n, inner] : {std::tuple<int64_t, int64_t, int64_t>{1, 7, 33}, {33, 7, 1}, {3, 1, 5}, {2, 33, 7}}) {
    std::mt19937 rng(uint32_t(outer * n * inner));
    std::vector<float> x(size_t(outer * n * inner));
    for (float& v : x) v = float(rng() % 4);  // many ties
    x[0] = nan;
    for (bool is_max : {false, true})
      for (bool last : {false, true}) {
        std::vector<int64_t> got(size_t(outer * inner)), want(got.size());
        arg_reduce_f32(is_max, last, outer, n, inner, x.data(), got.data(), &pool);
        arg_reduce_f32_reference(is_max, last, outer, n, inner, x.data(), want.data());
        ASSERT_EQ(got, want);
      }
  }
  float x[5] = {1, 3, 2, 3, 0};
  int64_t y;
  arg_reduce_f32(true, false, 1, 5, 1, x, &y, nullptr);
  EXPECT_EQ(y, 1);
  arg_reduce_f32(true, true, 1, 5, 1, x, &y, nullptr);
  EXPECT_EQ(y, 3);
  arg_reduce_f32(false, false, 1, 5, 1, x, &y, nullptr);
  EXPECT_EQ(y, 4);
}

// Every other float and integer dtype: the fast path (blocked slabs and the odometer) against the
// reference for every mask and op the dtype takes, bit for bit, on awkward shapes.
TEST(Reduce, EveryDtypeMatchesReference) {
  ThreadPool pool(2);
  const DType kTypes[] = {DType::F64, DType::F16, DType::BF16, DType::I8,  DType::U8, DType::I16,
                          DType::U16, DType::I32, DType::U32,  DType::U64};
  for (DType t : kTypes) {
    for (Shape x : {shape({1}), shape({7, 33}), shape({3, 1, 7, 5}), shape({260, 3})}) {
      std::mt19937 rng(uint32_t(x.num_elements()) + uint32_t(t));
      std::vector<uint8_t> xs(size_t(x.num_elements()) * dtype_size(t));
      for (int64_t i = 0; i < x.num_elements(); ++i) {  // small positive values in every dtype
        const double v = 0.5 + double(rng() % 7);
        uint8_t* p = xs.data() + size_t(i) * dtype_size(t);
        if (t == DType::F64) std::memcpy(p, &v, 8);
        else if (t == DType::F16) { uint16_t h = float_to_half(float(v)); std::memcpy(p, &h, 2); }
        else if (t == DType::BF16) { uint16_t h = float_to_bf16(float(v)); std::memcpy(p, &h, 2); }
        else { uint64_t u = uint64_t(v); std::memcpy(p, &u, dtype_size(t)); }
      }
      for (uint32_t mask = 0; mask < (1u << x.rank); ++mask)
        for (ReduceOp op : kAllOps) {
          if (!reduce_supports(op, t)) continue;
          SCOPED_TRACE(::testing::Message() << "dtype " << int(t) << " rank " << x.rank << " mask " << mask << " op " << int(op));
          std::vector<uint8_t> got(size_t(out_count(x, mask)) * dtype_size(t)), want(got.size());
          reduce(op, t, x, mask, xs.data(), got.data(), &pool);
          reduce_reference(op, t, x, mask, xs.data(), want.data());
          if (t == DType::F64) {  // the fast path sums in a different order
            std::vector<double> g(got.size() / 8), w(g.size());
            std::memcpy(g.data(), got.data(), got.size());
            std::memcpy(w.data(), want.data(), want.size());
            for (size_t i = 0; i < g.size(); ++i) {
              if (g[i] != w[i]) {  // inf == inf
                ASSERT_NEAR(g[i], w[i], 1e-12 * std::max(1.0, std::fabs(w[i])));
              }
            }
          } else {
            ASSERT_EQ(got, want);
          }
        }
    }
    for (bool is_max : {false, true}) {
      std::vector<uint8_t> xs(7 * 33 * dtype_size(t));
      for (size_t i = 0; i < xs.size(); ++i) xs[i] = uint8_t(i * 37 % 5);  // many ties
      std::vector<int64_t> got(33), want(33);
      arg_reduce(is_max, true, t, 1, 7, 33, xs.data(), got.data(), &pool);
      arg_reduce_reference(is_max, true, t, 1, 7, 33, xs.data(), want.data());
      ASSERT_EQ(got, want) << "dtype " << int(t);
    }
  }
}

TEST(Reduce, NewDtypesByHand) {
  // i16 sums wrap in 16 bits; u8 Max starts at 0; integer Mean truncates toward zero.
  std::vector<int16_t> i16 = {30000, 30000, -7};
  std::vector<int16_t> s(1);
  reduce(ReduceOp::Sum, DType::I16, shape({3}), 1, i16.data(), s.data(), nullptr);
  EXPECT_EQ(s[0], int16_t(60000 - 7 - 65536));
  reduce(ReduceOp::Mean, DType::I16, shape({2}), 1, std::vector<int16_t>{-7, 0}.data(), s.data(), nullptr);
  EXPECT_EQ(s[0], -3);
  std::vector<uint8_t> u8 = {3, 250, 7}, m(1);
  reduce(ReduceOp::Max, DType::U8, shape({3}), 1, u8.data(), m.data(), nullptr);
  EXPECT_EQ(m[0], 250);
  // f64 results stay double (f32 would drop the 1e-10).
  std::vector<double> d = {1.0, 1e-10}, ds(1);
  reduce(ReduceOp::Sum, DType::F64, shape({2}), 1, d.data(), ds.data(), nullptr);
  EXPECT_EQ(ds[0], 1.0 + 1e-10);
  // bf16 mean of 1, 2, 4 = 7/3, rounded once to bf16 (2.328125).
  std::vector<uint16_t> b = {0x3f80, 0x4000, 0x4080}, bm(1);
  reduce(ReduceOp::Mean, DType::BF16, shape({3}), 1, b.data(), bm.data(), nullptr);
  EXPECT_EQ(bm[0], 0x4015);
  EXPECT_FALSE(reduce_supports(ReduceOp::LogSum, DType::I32));
  EXPECT_FALSE(reduce_supports(ReduceOp::Sum, DType::F8E4M3FN));
  EXPECT_FALSE(arg_reduce_supports(DType::Bool));
  // ArgMax on u32 above INT32_MAX and on f16 with a NaN (which never wins).
  std::vector<uint32_t> u32 = {5, 0x80000000u, 7};
  int64_t y = -1;
  arg_reduce(true, false, DType::U32, 1, 3, 1, u32.data(), &y, nullptr);
  EXPECT_EQ(y, 1);
  std::vector<uint16_t> h = {0x3c00, 0x7e00, 0x4000};
  arg_reduce(true, false, DType::F16, 1, 3, 1, h.data(), &y, nullptr);
  EXPECT_EQ(y, 2);
}

}  // namespace
}  // namespace aivm::kernels
