// Small helpers shared by the kernel tests: shape literals, random f32 data, and the default
// closeness check (relative 1e-5 with the scale floored at 1).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "kernels/common.h"
#include "kernels/config/cpu.h"

namespace aivm::kernels::test_util {

inline Shape shape(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

// n floats uniform in [lo, hi], the same sequence for the same seed.
inline std::vector<float> random_vec(int64_t n, unsigned seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = d(rng);
  return v;
}
inline std::vector<float> random_vec(int64_t n, unsigned seed) { return random_vec(n, seed, -1.f, 1.f); }

// Relative tolerance 1e-5, with the scale floored at 1 so values near zero compare absolutely.
inline void expect_close(const float* got, const float* want, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float tol = 1e-5f * std::fmax(1.f, std::fabs(want[i]));
    ASSERT_NEAR(got[i], want[i], tol) << "at " << i;
  }
}
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  expect_close(got.data(), want.data(), int64_t(want.size()));
}

// For sums of |reduction| products (GEMM, conv): blocked FMA sums round differently from the
// reference's sequential ones, so the tolerance grows with sqrt(reduction) (random-walk
// rounding), relative with the scale floored at 1.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, int64_t reduction) {
  ASSERT_EQ(got.size(), want.size());
  const float rel = 1e-5f * std::fmax(1.f, std::sqrt(float(reduction) / 16.f));
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], rel * std::fmax(1.f, std::fabs(want[i]))) << "at " << i;
}

// The same bound taken against the largest |want| rather than each element's own: for
// Winograd convolutions, whose rounding comes from transformed sums over a whole tile and so
// scales with the output's magnitude, not with each (possibly tiny) output. |scale|: a larger
// magnitude to measure against, e.g. the output's before an activation that squashed it.
inline void expect_close_to_scale(const std::vector<float>& got, const std::vector<float>& want, int64_t reduction,
                                  float scale = 1.f) {
  ASSERT_EQ(got.size(), want.size());
  for (float v : want) scale = std::fmax(scale, std::fabs(v));
  const float tol = 1e-5f * std::fmax(1.f, std::sqrt(float(reduction) / 16.f)) * scale;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << "at " << i;
}

// The ISAs this CPU runs, for the kernels with a variant per ISA.
inline std::vector<const char*> isas_of_this_cpu() {
  const CpuFeatures& f = cpu_features();
  std::vector<const char*> isas = {"scalar"};
  if (f.avx2 && f.fma) isas.push_back("avx2");
  if (f.avx512f) isas.push_back("avx512");
  return isas;
}

}  // namespace aivm::kernels::test_util
