// Every GEMM variant of gemm.inc (skipped when the CPU lacks it) against gemm_f32_reference:
// awkward shapes, padded strides, all transposes, every epilogue form, pre-packed B, 1-2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

using test_util::expect_close;
using test_util::random_vec;

struct Case {
  int64_t m, n, k;
  int trans;  // bit 0: A, bit 1: B
  int bias_form, act;
  int residual_form = 0;  // none, full, strided, row vector (kResidualForms)
  float alpha = 0.75f;    // 1 takes the store's whole-tile path (gemm ukernel_impl.h store_full_tile)
};

const Activation kActs[] = {{isa::Activation::None},
                            {isa::Activation::Relu},
                            {isa::Activation::Clip, -0.5f, 0.75f},
                            {isa::Activation::Sigmoid},
                            {isa::Activation::Tanh},
                            {isa::Activation::LeakyRelu, 0.1f},
                            {isa::Activation::HardSwish},
                            {isa::Activation::HardSigmoid, 0.2f, 0.5f},
                            {isa::Activation::Gelu},
                            {isa::Activation::Swish, 1.f}};
constexpr int kNumActs = int(sizeof(kActs) / sizeof(kActs[0]));
constexpr int kBiasForms = 6;  // none, scalar, row vector, column vector, full, strided
constexpr int kResidualForms = 4;

// Runs one case through |fn| (a fast path writing into got) and compares with the reference.
template <class Fn>
void check(const Case& c, Fn fn) {
  const bool ta = c.trans & 1, tb = c.trans & 2;
  const int64_t lda = (ta ? c.m : c.k) + 3, ldb = (tb ? c.k : c.n) + 3, ldc = c.n + 3;
  // At least one element each, so no buffer's data() is null on empty shapes.
  auto nonempty = [](int64_t n) { return n > 0 ? n : 1; };
  std::vector<float> A = random_vec(nonempty((ta ? c.k : c.m) * lda), 1);
  std::vector<float> B = random_vec(nonempty((tb ? c.n : c.k) * ldb), 2);
  std::vector<float> bias = random_vec(nonempty(2 * c.m * c.n), 3);
  GemmEpilogue ep;
  ep.alpha = c.alpha;
  const int64_t strides[kBiasForms][2] = {{0, 0}, {0, 0}, {0, 1}, {1, 0}, {c.n, 1}, {2 * c.n, 2}};
  if (c.bias_form > 0) {
    ep.bias = bias.data();
    ep.beta = -1.5f;
    ep.bias_row_stride = strides[c.bias_form][0];
    ep.bias_col_stride = strides[c.bias_form][1];
  }
  std::vector<float> residual = random_vec(nonempty(2 * c.m * c.n), 4);
  const int64_t residual_strides[kResidualForms][2] = {{0, 0}, {c.n, 1}, {2 * c.n, 2}, {0, 1}};
  if (c.residual_form > 0) {
    ep.residual = residual.data();
    ep.residual_row_stride = residual_strides[c.residual_form][0];
    ep.residual_col_stride = residual_strides[c.residual_form][1];
  }
  ep.act = kActs[c.act];
  std::vector<float> want(size_t(c.m * ldc), 7.f), got(want.size(), 7.f);
  gemm_f32_reference(ta, tb, c.m, c.n, c.k, A.data(), lda, B.data(), ldb, want.data(), ldc, ep);
  fn(ta, tb, A.data(), lda, B.data(), ldb, got.data(), ldc, ep);
  SCOPED_TRACE(testing::Message() << c.m << "x" << c.n << "x" << c.k << " trans " << c.trans << " bias "
                                  << c.bias_form << " act " << c.act << " residual " << c.residual_form
                                  << " alpha " << c.alpha);
  expect_close(got, want, c.k);  // padding columns untouched too
}

// The shape sweep: every (M, N, K) from the sizes, each transpose, epilogues rotating through
// the forms; plus shapes that cross the cache blocks (several K, M and N blocks).
// AIVM_GEMM_SWEEP_QUICK=1 (emulated runs: tools/test-aarch64.sh under qemu) leaves 257 out of
// the cube, 15x fewer flops: 1..100 still hit every tile edge, and the block-crossing shapes stay.
std::vector<Case> sweep() {
  std::vector<int64_t> sizes = {1, 7, 15, 17, 33, 100};
  const char* quick = std::getenv("AIVM_GEMM_SWEEP_QUICK");
  if (!quick || std::string(quick) != "1") sizes.push_back(257);
  std::vector<Case> cases;
  int i = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : sizes)
        for (int t = 0; t < 4; ++t, ++i)
          cases.push_back({m, n, k, t, i % kBiasForms, (i / kBiasForms) % 5, (i / 7) % kResidualForms});
  const Case big[] = {{33, 70, 777, 0, 2, 1}, {33, 70, 777, 3, 4, 2}, {500, 40, 30, 1, 3, 0},
                      {5, 4200, 3, 0, 2, 0},  {2, 4200, 3, 2, 4, 1},  {600, 3, 50, 0, 4, 2},
                      {9, 5, 0, 0, 1, 1},     {1, 5, 0, 2, 2, 0},     {70, 2, 0, 3, 3, 1},
                      // Batch-1 classifiers: enough work for threads to split N.
                      {1, 1000, 2100, 0, 2, 1}, {3, 1000, 2100, 1, 4, 3}, {1, 4200, 5, 0, 4, 1},
                      // Short K over wide C: several column chunks (gemm.cc column_chunk), the
                      // last one ending in a narrow panel; packed B, then B read in place.
                      {40, 1100, 100, 0, 2, 1}, {40, 1100, 100, 3, 1, 2}, {13, 1100, 60, 0, 4, 3},
                      // K over three K blocks of every variant (AVX-512's kc is up to 1024).
                      {40, 70, 2500, 1, 4, 2},
                      // K one block deep: B in several column blocks beside a pre-packed A.
                      {20, 600, 900, 0, 1, 1}};
  for (const Case& c : big) cases.push_back(c);
  return cases;
}

// Every bias form x activation (all of kActs) x transpose on shapes hitting each path (small M, swapped
// small N, packed with edge tiles, and whole tiles after a K block that adds C: the store's
// one-branch-per-tile path); the residual forms rotate through them, and alpha between 1 and
// not 1 over the transposes, so every bias form x activation meets both.
std::vector<Case> epilogues() {
  const int64_t shapes[][3] = {{3, 37, 19}, {41, 2, 23}, {29, 45, 200}, {1, 33, 7}, {29, 64, 1100}};
  std::vector<Case> cases;
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t)
      for (int b = 0; b < kBiasForms; ++b)
        for (int a = 0; a < kNumActs; ++a)
          cases.push_back({s[0], s[1], s[2], t, b, a, (b + a) % kResidualForms, (t + b + a) % 2 ? 0.75f : 1.f});
  return cases;
}

//===----------------------------------------------------------------------===//
// One instance per (variant of gemm.inc, thread count)
//===----------------------------------------------------------------------===//

struct Param {
  size_t variant;
  int threads;
};

class GemmVariantTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    size_t n;
    const GemmVariant& v = gemm_variants(&n)[GetParam().variant];
    if (!v.supported) GTEST_SKIP() << "CPU lacks " << v.config.isa;
    cfg_ = &v.config;
    if (GetParam().threads > 1) pool_.reset(new ThreadPool(GetParam().threads));
  }
  const GemmConfig* cfg_ = nullptr;
  std::unique_ptr<ThreadPool> pool_;
};

TEST_P(GemmVariantTest, ShapeSweep) {
  for (const Case& c : sweep()) {
    check(c, [&](bool ta, bool tb, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                 const GemmEpilogue& ep) {
      gemm_f32(*cfg_, ta, tb, c.m, c.n, c.k, A, lda, B, ldb, C, ldc, ep, pool_.get());
    });
    if (HasFatalFailure()) return;
  }
}

TEST_P(GemmVariantTest, EveryEpilogue) {
  for (const Case& c : epilogues()) {
    check(c, [&](bool ta, bool tb, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                 const GemmEpilogue& ep) {
      gemm_f32(*cfg_, ta, tb, c.m, c.n, c.k, A, lda, B, ldb, C, ldc, ep, pool_.get());
    });
    if (HasFatalFailure()) return;
  }
}

TEST_P(GemmVariantTest, PrepackedB) {
  std::vector<Case> cases = epilogues();
  for (const Case& c : sweep())
    if (c.m != c.n) cases.push_back(c);  // a cheaper subset of the sweep
  for (const Case& c : cases) {
    check(c, [&](bool ta, bool tb, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                 const GemmEpilogue& ep) {
      const size_t bytes = gemm_packed_b_bytes(*cfg_, c.n, c.k);
      ASSERT_EQ(bytes, size_t((c.n + cfg_->nr - 1) / cfg_->nr * cfg_->nr * c.k * 4));
      std::vector<float> packed(bytes / 4 + 1, NAN);
      gemm_pack_b(*cfg_, tb, c.n, c.k, B, ldb, packed.data());
      gemm_f32_prepacked_b(*cfg_, ta, c.m, c.n, c.k, A, lda, packed.data(), C, ldc, ep, pool_.get());
    });
    if (HasFatalFailure()) return;
  }
}

TEST_P(GemmVariantTest, PrepackedA) {
  std::vector<Case> cases = epilogues();
  for (const Case& c : sweep())
    if (c.m != c.n) cases.push_back(c);
  // Conv-like: few rows (output channels), K over several cache blocks.
  // N <= 4 (a 1x1 conv on a 1x1 image): A's panels as the B of the transposed product.
  for (const Case& c : {Case{4, 100, 2700, 0, 3, 1}, Case{64, 392, 576, 0, 3, 1}, Case{13, 57, 1111, 2, 0, 0},
                        Case{144, 1, 576, 0, 3, 6}, Case{100, 4, 1111, 2, 4, 8}, Case{1000, 3, 300, 0, 5, 3},
                        Case{24, 1500, 40, 0, 3, 1}})
    cases.push_back(c);
  for (const Case& c : cases) {
    check(c, [&](bool ta, bool tb, const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                 const GemmEpilogue& ep) {
      const size_t bytes = gemm_packed_a_bytes(*cfg_, c.m, c.k);
      ASSERT_EQ(bytes, size_t(c.m * c.k * 4));
      std::vector<float> packed(bytes / 4 + 1, NAN);
      gemm_pack_a(*cfg_, ta, c.m, c.k, A, lda, packed.data());
      gemm_f32_prepacked_a(*cfg_, c.m, c.n, c.k, packed.data(), tb, B, ldb, C, ldc, ep, pool_.get());
    });
    if (HasFatalFailure()) return;
  }
}

TEST_P(GemmVariantTest, LayoutId) {
  EXPECT_EQ(std::string(cfg_->packed_b_layout), std::string(cfg_->isa) + "-nr" + std::to_string(cfg_->nr));
  EXPECT_EQ(cfg_->kc % 8, 0u);
  EXPECT_EQ(cfg_->mc % cfg_->mr, 0u);
  EXPECT_EQ(cfg_->nc % cfg_->nr, 0u);
}

std::vector<Param> params() {
  size_t n;
  gemm_variants(&n);
  std::vector<Param> p;
  for (size_t v = 0; v < n; ++v)
    for (int t : {1, 2}) p.push_back({v, t});
  return p;
}

INSTANTIATE_TEST_SUITE_P(Variants, GemmVariantTest, ::testing::ValuesIn(params()), [](const auto& info) {
  size_t n;
  return std::string(gemm_variants(&n)[info.param.variant].config.isa) + "_threads" +
         std::to_string(info.param.threads);
});

//===----------------------------------------------------------------------===//
// Selection
//===----------------------------------------------------------------------===//

TEST(GemmConfig, SelectedVariantIsSupportedAndHonorsForce) {
  const GemmConfig& c = gemm_config();
  EXPECT_NE(gemm_config_for_isa(c.isa), nullptr);
  EXPECT_EQ(gemm_config_for_isa("no-such-isa"), nullptr);
  EXPECT_NE(gemm_config_for_isa("scalar"), nullptr);
  if (const char* forced = std::getenv("AIVM_FORCE_ISA")) {
    if (gemm_config_for_isa(forced)) {
      EXPECT_STREQ(c.isa, forced);
    }
  } else {
    size_t n;
    const GemmVariant* v = gemm_variants(&n);
    size_t first = 0;
    while (!v[first].supported) ++first;
    EXPECT_STREQ(c.isa, v[first].config.isa);  // the best supported one
  }
}

// The variant each architecture is built for is compiled in and, unforced, chosen: a gemm.inc
// guard that dropped it would otherwise leave only skipped or portable runs.
TEST(GemmConfig, ArchitectureVariantIsPresent) {
#if defined(__aarch64__)
  const char* expected = "neon";
#elif defined(__x86_64__)
  const char* expected = "avx2";
#else
  const char* expected = "scalar";
#endif
  size_t n;
  const GemmVariant* v = gemm_variants(&n);
  bool found = false;
  for (size_t i = 0; i < n; ++i) found = found || std::string(v[i].config.isa) == expected;
  EXPECT_TRUE(found) << expected;
#if defined(__aarch64__)
  EXPECT_NE(gemm_config_for_isa("neon"), nullptr);  // NEON is baseline: always supported
  if (!std::getenv("AIVM_FORCE_ISA")) EXPECT_STREQ(gemm_config().isa, "neon");
#endif
}

}  // namespace
}  // namespace aivm::kernels
