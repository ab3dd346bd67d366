// GEMM and matmul: references against hand-computed values, fast paths against references.
#include "kernels/gemm/gemm.h"

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
using test_util::shape;

const Activation kActivations[] = {
    {isa::Activation::None}, {isa::Activation::Relu}, {isa::Activation::Clip, -0.5f, 0.75f},
    {isa::Activation::Sigmoid}, {isa::Activation::Tanh}};

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

TEST(GemmReference, HandComputed) {
  const float A[] = {1, 2, 3, 4, 5, 6};        // 2x3
  const float At[] = {1, 4, 2, 5, 3, 6};       // its transpose, 3x2
  const float B[] = {7, 8, 9, 10, 11, 12};     // 3x2
  const float Bt[] = {7, 9, 11, 8, 10, 12};    // its transpose, 2x3
  const float plain[] = {58, 64, 139, 154};
  for (int t = 0; t < 4; ++t) {
    bool ta = t & 1, tb = t & 2;
    float C[4];
    gemm_f32_reference(ta, tb, 2, 2, 3, ta ? At : A, ta ? 2 : 3, tb ? Bt : B, tb ? 3 : 2, C, 2, GemmEpilogue{});
    expect_close(C, plain, 4);
  }
  // alpha, a row bias scaled by beta, and padded output rows (ldc 3).
  const float bias[] = {1, 2};
  GemmEpilogue ep;
  ep.alpha = 2.f;
  ep.beta = 0.5f;
  ep.bias = bias;
  ep.bias_col_stride = 1;
  float C[6] = {0, 0, -9, 0, 0, -9};
  gemm_f32_reference(false, false, 2, 2, 3, A, 3, B, 2, C, 3, ep);
  const float want[] = {116.5f, 129, -9, 278.5f, 309, -9};
  expect_close(C, want, 6);
  // Column bias then clip.
  const float col_bias[] = {-100, -200};
  ep = GemmEpilogue{};
  ep.bias = col_bias;
  ep.bias_row_stride = 1;
  ep.act = {isa::Activation::Clip, -100.f, 0.f};
  gemm_f32_reference(false, false, 2, 2, 3, A, 3, B, 2, C, 2, ep);
  const float want2[] = {-42, -36, -61, -46};
  expect_close(C, want2, 4);
  // K == 0: just the epilogue.
  const float scalar_bias = 3.f;
  ep = GemmEpilogue{};
  ep.bias = &scalar_bias;
  ep.act = {isa::Activation::Relu};
  gemm_f32_reference(false, false, 1, 2, 0, A, 1, B, 2, C, 2, ep);
  const float want3[] = {3, 3};
  expect_close(C, want3, 2);
}

TEST(MatmulReference, HandComputed) {
  const float a[] = {1, 2}, b[] = {3, 4};
  float y[4];
  matmul_f32_reference(shape({2}), a, shape({2}), b, shape({}), y);  // dot product
  EXPECT_FLOAT_EQ(y[0], 11);
  const float m[] = {1, 2, 3, 4};  // [[1,2],[3,4]]
  matmul_f32_reference(shape({2, 2}), m, shape({2}), b, shape({2}), y);
  expect_close(y, std::vector<float>{11, 25}.data(), 2);
  matmul_f32_reference(shape({2}), a, shape({2, 2}), m, shape({2}), y);
  expect_close(y, std::vector<float>{7, 10}.data(), 2);
  // Batch [2,1,2] x broadcast [2,1]: one row per batch, the same B for both.
  const float ones[] = {1, 1};
  matmul_f32_reference(shape({2, 1, 2}), m, shape({2, 1}), ones, shape({2, 1, 1}), y);
  expect_close(y, std::vector<float>{3, 7}.data(), 2);
  // [1,2] x batch [2,2,1]: A broadcast against two B matrices.
  const float bb[] = {1, 0, 0, 1};
  matmul_f32_reference(shape({1, 2}), a, shape({2, 2, 1}), bb, shape({2, 1, 1}), y);
  expect_close(y, std::vector<float>{1, 2}.data(), 2);
}

//===----------------------------------------------------------------------===//
// Fast paths against the references
//===----------------------------------------------------------------------===//

class GemmFast : public ::testing::TestWithParam<int> {
 protected:
  GemmFast() : pool_(GetParam() > 1 ? new ThreadPool(GetParam()) : nullptr) {}
  ~GemmFast() override { delete pool_; }
  ThreadPool* pool_;
};

struct Mnk {
  int64_t m, n, k;
};

TEST_P(GemmFast, EveryTransposeBiasAndActivation) {
  const Mnk sizes[] = {{1, 1, 1}, {7, 15, 17}, {17, 33, 7}, {33, 100, 15}, {100, 17, 33}, {3, 300, 100}, {5, 7, 0}};
  for (const Mnk& s : sizes) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      // Leading dimensions padded by 3 so strides differ from widths.
      const int64_t lda = (ta ? s.m : s.k) + 3, ldb = (tb ? s.k : s.n) + 3, ldc = s.n + 3;
      std::vector<float> A = random_vec((ta ? s.k : s.m) * lda, 1), B = random_vec((tb ? s.n : s.k) * ldb, 2);
      std::vector<float> bias = random_vec(s.m * s.n, 3);
      struct BiasForm {
        const float* p;
        int64_t rs, cs;
      } forms[] = {{nullptr, 0, 0}, {bias.data(), 0, 0}, {bias.data(), 0, 1}, {bias.data(), 1, 0}, {bias.data(), s.n, 1}};
      for (const BiasForm& f : forms) {
        for (const Activation& act : kActivations) {
          GemmEpilogue ep;
          ep.alpha = 0.75f;
          ep.beta = f.p ? -1.5f : 1.f;
          ep.bias = f.p;
          ep.bias_row_stride = f.rs;
          ep.bias_col_stride = f.cs;
          ep.act = act;
          std::vector<float> want(size_t(s.m * ldc), 7.f), got(want.size(), 7.f);
          gemm_f32_reference(ta, tb, s.m, s.n, s.k, A.data(), lda, B.data(), ldb, want.data(), ldc, ep);
          gemm_f32(ta, tb, s.m, s.n, s.k, A.data(), lda, B.data(), ldb, got.data(), ldc, ep, pool_);
          SCOPED_TRACE(testing::Message() << s.m << "x" << s.n << "x" << s.k << " trans " << t << " bias "
                                          << (f.p ? f.rs * 10 + f.cs : -1) << " act " << int(act.kind));
          expect_close(got.data(), want.data(), int64_t(got.size()));  // padding columns untouched too
        }
      }
    }
  }
}

struct MatmulCase {
  Shape a, b, y;
};

TEST_P(GemmFast, MatmulBroadcastAndVectors) {
  const MatmulCase cases[] = {
      {shape({7}), shape({7}), shape({})},
      {shape({7}), shape({7, 15}), shape({15})},
      {shape({17, 7}), shape({7}), shape({17})},
      {shape({3}), shape({2, 3, 5}), shape({2, 5})},
      {shape({2, 4, 3}), shape({3}), shape({2, 4})},
      {shape({2, 3, 17, 33}), shape({33, 15}), shape({2, 3, 17, 15})},
      {shape({33, 15}), shape({2, 15, 17}), shape({2, 33, 17})},
      {shape({3, 1, 7, 5}), shape({4, 5, 9}), shape({3, 4, 7, 9})},
      {shape({1, 7, 5}), shape({6, 5, 100}), shape({6, 7, 100})},
      {shape({5, 33, 100}), shape({5, 100, 17}), shape({5, 33, 17})},
      {shape({1, 100, 100}), shape({100, 100}), shape({1, 100, 100})},
      {shape({1, 1}), shape({1, 1}), shape({1, 1})},
  };
  for (const MatmulCase& c : cases) {
    std::vector<float> A = random_vec(c.a.num_elements(), 4), B = random_vec(c.b.num_elements(), 5);
    std::vector<float> want(size_t(c.y.num_elements())), got(want.size(), -42.f);
    matmul_f32_reference(c.a, A.data(), c.b, B.data(), c.y, want.data());
    matmul_f32(c.a, A.data(), c.b, B.data(), c.y, got.data(), pool_);
    SCOPED_TRACE(testing::Message() << "ranks " << c.a.rank << "x" << c.b.rank << " -> " << c.y.rank);
    expect_close(got.data(), want.data(), int64_t(got.size()));
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, GemmFast, ::testing::Values(1, 2),
                         [](const auto& info) { return "threads" + std::to_string(info.param); });

}  // namespace
}  // namespace aivm::kernels
