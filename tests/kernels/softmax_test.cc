// Softmax: reference against hand-computed values, fast path against the reference.
#include "kernels/softmax/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::expect_close;
using test_util::random_vec;

std::vector<float> run_ref(int64_t outer, int64_t len, int64_t inner, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  softmax_f32_reference(outer, len, inner, x.data(), y.data());
  return y;
}

TEST(SoftmaxReference, HandComputed) {
  expect_close(run_ref(1, 3, 1, {1, 2, 3}), {0.09003057f, 0.24472847f, 0.66524096f});
  // Large inputs stay finite because the max is subtracted first.
  expect_close(run_ref(2, 2, 1, {1000, 1000, -1000, -1001}), {0.5f, 0.5f, 0.7310586f, 0.26894142f});
  // Middle axis with inner = 2: columns [0, 0] and [0, ln 3].
  expect_close(run_ref(1, 2, 2, {0, 0, 0, std::log(3.f)}), {0.5f, 0.25f, 0.5f, 0.75f});
  expect_close(run_ref(3, 1, 1, {-5, 0, 5}), {1, 1, 1});
}

class SoftmaxFast : public ::testing::TestWithParam<int> {
 protected:
  SoftmaxFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~SoftmaxFast() override { delete pool_; }
  ThreadPool* pool_;
};

TEST_P(SoftmaxFast, MatchesReference) {
  struct Case {
    int64_t outer, len, inner;
  } cases[] = {{1, 1, 1},   {7, 15, 1},  {3, 17, 33}, {100, 33, 1}, {2, 7, 300},
               {1, 100, 257}, {600, 100, 1}, {4, 33, 1000}, {1, 16, 17}};
  unsigned seed = 0;
  for (const Case& c : cases) {
    std::vector<float> x = random_vec(c.outer * c.len * c.inner, ++seed, -8.f, 8.f);
    std::vector<float> want = run_ref(c.outer, c.len, c.inner, x), got(x.size(), -42.f);
    softmax_f32(c.outer, c.len, c.inner, x.data(), got.data(), pool_);
    SCOPED_TRACE(testing::Message() << c.outer << "x" << c.len << "x" << c.inner);
    expect_close(got, want);
    softmax_f32(c.outer, c.len, c.inner, x.data(), x.data(), pool_);  // in place
    expect_close(x, want);
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, SoftmaxFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

}  // namespace
}  // namespace aivm::kernels
