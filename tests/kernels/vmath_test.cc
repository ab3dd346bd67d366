// kernels/vmath: every variant the CPU can run against the libm reference, on awkward lengths
// and across the input range (tails, saturation, NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/config/cpu.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/vmath/vmath.h"
#include "tests/kernels/kernel_test_util.h"

namespace aivm::kernels {
namespace {

std::vector<const VmathKernels*> runnable() {
  std::vector<const VmathKernels*> v = {&vmath_portable()};
  const CpuFeatures& f = cpu_features();
  if (f.avx2 && f.fma && vmath_for_isa("avx2")) v.push_back(vmath_for_isa("avx2"));
  if (f.avx512f && vmath_for_isa("avx512")) v.push_back(vmath_for_isa("avx512"));
  return v;
}

// Values over [lo, hi] plus the edges that matter: zero, tiny, the clamp points.
std::vector<float> inputs(size_t n, float lo, float hi) {
  std::vector<float> x = test_util::random_vec(int64_t(n), unsigned(n), lo, hi);
  const float edges[] = {0.f, -0.f, 1e-8f, -1e-8f, 1.f, -1.f, lo, hi};
  for (size_t i = 0; i < n && i < 8; ++i) x[i * 7 % n] = edges[i];
  return x;
}

void expect_rel(const std::vector<float>& got, const std::vector<float>& want, float rel, float abs,
                const std::vector<float>& x) {
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], rel * std::fabs(want[i]) + abs) << "at " << i << " x=" << x[i];
}

const size_t kLengths[] = {1, 7, 15, 16, 17, 33, 100, 1000};

TEST(Vmath, ExpMatchesLibm) {
  for (const VmathKernels* k : runnable()) {
    SCOPED_TRACE(k->isa);
    for (size_t n : kLengths) {
      std::vector<float> x = inputs(n, -87.f, 88.f), want(n), got(n, -1.f);
      vmath_reference().exp(n, x.data(), want.data());
      k->exp(n, x.data(), got.data());
      expect_rel(got, want, 4e-7f, 0.f, x);
    }
  }
}

TEST(Vmath, SigmoidAndSwishMatchLibm) {
  for (const VmathKernels* k : runnable()) {
    SCOPED_TRACE(k->isa);
    for (size_t n : kLengths) {
      // Wider than exp's range: saturation must still give 0 and 1 (and x, 0 for swish).
      std::vector<float> x = inputs(n, -120.f, 120.f), want(n), got(n, -1.f);
      vmath_reference().sigmoid(n, x.data(), want.data());
      k->sigmoid(n, x.data(), got.data());
      expect_rel(got, want, 1e-6f, 1e-30f, x);
      for (float beta : {1.f, 1.702f}) {
        vmath_reference().swish(n, x.data(), beta, want.data());
        k->swish(n, x.data(), beta, got.data());
        expect_rel(got, want, 1e-6f, 1e-30f, x);
      }
    }
  }
}

TEST(Vmath, InPlaceAndNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const VmathKernels* k : runnable()) {
    SCOPED_TRACE(k->isa);
    std::vector<float> x = {0.f, nan, 2.f, -3.f, 0.5f, nan, 7.f, 1.f, -1.f, 4.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 9.f};
    std::vector<float> want(x.size()), y = x;
    vmath_reference().sigmoid(x.size(), x.data(), want.data());
    k->sigmoid(y.size(), y.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(y[i])) << i;
      } else {
        EXPECT_NEAR(y[i], want[i], 1e-6f) << i;
      }
    }
  }
}

// The fused-activation forms against the scalar ones of kernels/elementwise, NaN included:
// the cheap kinds exactly (up to one rounding of HardSwish's and HardSigmoid's affine step),
// the exp-based ones as sigmoid; kinds without a vector form leave y alone.
TEST(Vmath, ActivationsMatchScalarForms) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Activation acts[] = {{isa::Activation::Relu},        {isa::Activation::Clip, -0.5f, 0.75f},
                             {isa::Activation::LeakyRelu, 0.1f}, {isa::Activation::HardSigmoid, 0.2f, 0.5f},
                             {isa::Activation::HardSwish},   {isa::Activation::Sigmoid},
                             {isa::Activation::Swish, 1.702f}};
  for (const VmathKernels* k : runnable()) {
    for (const Activation& act : acts) {
      SCOPED_TRACE(testing::Message() << k->isa << " act " << int(act.kind));
      for (size_t n : kLengths) {
        std::vector<float> x = inputs(n, -8.f, 8.f);
        x[n / 2] = nan;
        std::vector<float> want = x, got = x;
        apply_activation_f32(act, int64_t(n), want.data());
        ASSERT_TRUE(k->activation(act, n, got.data()));
        for (size_t i = 0; i < n; ++i) {
          if (std::isnan(want[i])) {
            EXPECT_TRUE(std::isnan(got[i])) << i;
          } else {
            ASSERT_NEAR(got[i], want[i], 1e-6f * std::fabs(want[i]) + 1e-7f) << "at " << i << " x=" << x[i];
          }
        }
      }
    }
    std::vector<float> x = inputs(17, -2.f, 2.f), y = x;
    EXPECT_FALSE(k->activation({isa::Activation::Gelu}, y.size(), y.data()));
    EXPECT_EQ(y, x);
  }
  EXPECT_FALSE(vmath_reference().activation({isa::Activation::Relu}, 0, nullptr));
}

TEST(Vmath, DispatchUsesTheSelectedVariant) {
  std::vector<float> x = inputs(33, -10.f, 10.f), a = x, b(33);
  ASSERT_TRUE(vactivation_f32({isa::Activation::Sigmoid}, a.size(), a.data()));
  vmath_reference().sigmoid(x.size(), x.data(), b.data());
  expect_rel(a, b, 1e-6f, 0.f, x);
}

}  // namespace
}  // namespace aivm::kernels
