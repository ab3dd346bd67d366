// CPU feature detection: stable, self-consistent, and described by cpu_features_string.
#include "kernels/config/cpu.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <string>

namespace aivm::kernels {
namespace {

bool has_word(const std::string& s, const char* w) {
  std::istringstream in(s);
  std::string t;
  while (in >> t)
    if (t == w) return true;
  return false;
}

TEST(Cpu, StableAndStringMatchesFlags) {
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(&f, &cpu_features());
  const std::string s = cpu_features_string();
  EXPECT_EQ(has_word(s, "sse4.2"), f.sse42);
  EXPECT_EQ(has_word(s, "avx"), f.avx);
  EXPECT_EQ(has_word(s, "avx2"), f.avx2);
  EXPECT_EQ(has_word(s, "fma"), f.fma);
  EXPECT_EQ(has_word(s, "avx512f"), f.avx512f);
  EXPECT_EQ(has_word(s, "avx512bw"), f.avx512bw);
  EXPECT_EQ(has_word(s, "avx512dq"), f.avx512dq);
  EXPECT_EQ(has_word(s, "avx512vl"), f.avx512vl);
  EXPECT_EQ(has_word(s, "neon"), f.neon);
  std::printf("cpu features: %s\n", s.c_str());
}

TEST(Cpu, ImpliedFeatures) {
  const CpuFeatures& f = cpu_features();
  EXPECT_TRUE(!f.avx2 || f.avx);
  EXPECT_TRUE(!(f.avx512bw || f.avx512dq || f.avx512vl) || f.avx512f);
  EXPECT_TRUE(!f.avx512f || f.avx2);
#if defined(__aarch64__)
  EXPECT_TRUE(f.neon);
#elif defined(__x86_64__)
  EXPECT_FALSE(f.neon);
#if defined(__AVX2__)
  EXPECT_TRUE(f.avx2);  // the test binary itself was built to require it
#endif
#endif
}

}  // namespace
}  // namespace aivm::kernels
