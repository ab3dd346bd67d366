// Layer normalisation: reference against hand-computed values, fast path against the reference.
#include "kernels/norm/layernorm.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/config/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::expect_close;
using test_util::random_vec;

TEST(LayerNormReference, HandComputed) {
  // Rows [1, 2, 3] (mean 2, variance 2/3) and [4, 6, 8] (mean 6, variance 8/3), epsilon 0.
  std::vector<float> x = {1, 2, 3, 4, 6, 8}, scale = {1, 2, 0.5f}, bias = {0, 1, -1}, y(6);
  layernorm_f32_reference(2, 3, x.data(), scale.data(), bias.data(), 0.f, y.data());
  expect_close(y, {-1.2247449f, 1.f, -0.38762756f, -1.2247449f, 1.f, -0.38762756f});
  layernorm_f32_reference(2, 3, x.data(), scale.data(), nullptr, 0.f, y.data());
  expect_close(y, {-1.2247449f, 0.f, 0.61237244f, -1.2247449f, 0.f, 0.61237244f});
  // A constant row has no deviation: epsilon keeps it finite (0 / sqrt(eps) = 0).
  std::vector<float> flat = {5, 5, 5, 5}, ones = {1, 1, 1, 1}, z(4);
  layernorm_f32_reference(1, 4, flat.data(), ones.data(), nullptr, 1e-5f, z.data());
  expect_close(z, {0, 0, 0, 0});
}

class LayerNormFast : public ::testing::TestWithParam<int> {
 protected:
  LayerNormFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~LayerNormFast() override { delete pool_; }
  ThreadPool* pool_;
};

TEST_P(LayerNormFast, MatchesReference) {
  struct Case {
    int64_t rows, n;
  } cases[] = {{1, 1}, {7, 7}, {3, 33}, {100, 17}, {5, 768}, {2000, 9}, {1, 8}, {33, 1000}};
  unsigned seed = 0;
  for (const Case& c : cases) {
    for (bool with_bias : {true, false}) {
      // An offset mean checks the deviation pass does not cancel.
      std::vector<float> x = random_vec(c.rows * c.n, ++seed, 90.f, 110.f);
      std::vector<float> scale = random_vec(c.n, ++seed), bias = random_vec(c.n, ++seed);
      const float* b = with_bias ? bias.data() : nullptr;
      std::vector<float> want(x.size()), got(x.size(), -42.f);
      layernorm_f32_reference(c.rows, c.n, x.data(), scale.data(), b, 1e-5f, want.data());
      layernorm_f32(c.rows, c.n, x.data(), scale.data(), b, 1e-5f, got.data(), pool_);
      SCOPED_TRACE(testing::Message() << c.rows << "x" << c.n << (with_bias ? " bias" : ""));
      expect_close(got, want);
      layernorm_f32(c.rows, c.n, x.data(), scale.data(), b, 1e-5f, x.data(), pool_);  // in place
      expect_close(x, want);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, LayerNormFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

}  // namespace
}  // namespace aivm::kernels
