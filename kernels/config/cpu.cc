// CPU feature detection: __builtin_cpu_supports on x86-64 (libgcc checks XCR0 for the OS
// enabling AVX / AVX-512 state), NEON as the aarch64 baseline.
#include "kernels/config/cpu.h"

#include <string>

namespace aivm::kernels {
namespace {

CpuFeatures detect() {
  CpuFeatures f{};
#if defined(__x86_64__)
  __builtin_cpu_init();
  f.sse42 = __builtin_cpu_supports("sse4.2");
  f.avx = __builtin_cpu_supports("avx");
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
#elif defined(__aarch64__)
  f.neon = true;  // Advanced SIMD is mandatory in AArch64
#endif
  return f;
}

std::string describe(const CpuFeatures& f) {
  const struct {
    bool on;
    const char* name;
  } flags[] = {{f.sse42, "sse4.2"},     {f.avx, "avx"},           {f.avx2, "avx2"},
               {f.fma, "fma"},          {f.avx512f, "avx512f"},   {f.avx512bw, "avx512bw"},
               {f.avx512dq, "avx512dq"}, {f.avx512vl, "avx512vl"}, {f.neon, "neon"}};
  std::string s;
  for (const auto& flag : flags) {
    if (!flag.on) continue;
    if (!s.empty()) s += ' ';
    s += flag.name;
  }
  return s;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();  // magic static: thread-safe init
  return features;
}

const char* cpu_features_string() {
  static const std::string text = describe(cpu_features());
  return text.c_str();
}

}  // namespace aivm::kernels
