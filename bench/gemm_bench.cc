// fp32 GEMM: aivm (selected config, every other supported SIMD variant, pre-packed B) against
// OpenBLAS and oneDNN in one binary, 1 and 2 threads, plus an FMA-peak loop so "% of peak" is
// measured in the same run. Counter GFLOPs = 2*M*N*K / time. bench/gemm_report.py tabulates.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if defined(AIVM_HAVE_OPENBLAS)
#include <cblas.h>
#endif
#if defined(AIVM_HAVE_DNNL)
#include <dnnl.h>
#include <omp.h>
#endif

#include "kernels/config/cpu.h"
#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

struct Mnk {
  int64_t m, n, k;
};
const Mnk kShapes[] = {{64, 64, 64},       {256, 256, 256}, {512, 512, 512},  {1024, 1024, 1024},
                       {2048, 2048, 2048}, {1, 1000, 512},  {1, 4096, 4096},  {196, 256, 2304},
                       {3136, 64, 576},    {128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}};

struct Operands {
  std::vector<float> a, b, c;
  explicit Operands(const Mnk& s) : a(size_t(s.m * s.k)), b(size_t(s.k * s.n)), c(size_t(s.m * s.n)) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (float& x : a) x = d(rng);
    for (float& x : b) x = d(rng);
  }
};

void set_flops(benchmark::State& state, const Mnk& s) {
  state.counters["GFLOPs"] =
      benchmark::Counter(2e-9 * double(s.m) * double(s.n) * double(s.k), benchmark::Counter::kIsIterationInvariantRate);
}

//===----------------------------------------------------------------------===//
// aivm
//===----------------------------------------------------------------------===//

void bm_aivm(benchmark::State& state, const GemmConfig* cfg, Mnk s, int threads, bool prepacked) {
  Operands o(s);
  std::unique_ptr<ThreadPool> pool(threads > 1 ? new ThreadPool(threads) : nullptr);
  std::vector<float> packed;
  if (prepacked) {
    packed.resize(gemm_packed_b_bytes(*cfg, s.n, s.k) / sizeof(float));
    gemm_pack_b(*cfg, false, s.n, s.k, o.b.data(), s.n, packed.data());
  }
  const GemmEpilogue ep;
  for (auto _ : state) {
    if (prepacked) {
      gemm_f32_prepacked_b(*cfg, false, s.m, s.n, s.k, o.a.data(), s.k, packed.data(), o.c.data(), s.n, ep, pool.get());
    } else {
      gemm_f32(*cfg, false, false, s.m, s.n, s.k, o.a.data(), s.k, o.b.data(), s.n, o.c.data(), s.n, ep, pool.get());
    }
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(state, s);
}

//===----------------------------------------------------------------------===//
// Peers
//===----------------------------------------------------------------------===//

#if defined(AIVM_HAVE_OPENBLAS)
void bm_openblas(benchmark::State& state, Mnk s, int threads) {
  Operands o(s);
  openblas_set_num_threads(threads);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(s.m), int(s.n), int(s.k), 1.f, o.a.data(), int(s.k),
                o.b.data(), int(s.n), 0.f, o.c.data(), int(s.n));
    benchmark::DoNotOptimize(o.c.data());
  }
  openblas_set_num_threads(1);  // park its workers before the next benchmark
  set_flops(state, s);
}
#endif

#if defined(AIVM_HAVE_DNNL)
// Debian's libdnnl 2.6 is built with the OpenMP runtime (libgomp): threads = omp_set_num_threads.
void bm_dnnl(benchmark::State& state, Mnk s, int threads) {
  Operands o(s);
  omp_set_num_threads(threads);
  for (auto _ : state) {
    dnnl_sgemm('N', 'N', s.m, s.n, s.k, 1.f, o.a.data(), s.k, o.b.data(), s.n, 0.f, o.c.data(), s.n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(state, s);
}
#endif

//===----------------------------------------------------------------------===//
// FMA peak: 16 independent accumulator chains (latency x ports < 16), no memory traffic
//===----------------------------------------------------------------------===//

constexpr int64_t kPeakIters = 1 << 18;  // x 16 FMAs per chain step

#if defined(__x86_64__)
// Inline asm so the compiler can neither spill the chains nor merge them.
#define AIVM_FMA16(r) "vfmadd231ps %%" #r "30, %%" #r "31, %%" #r
__attribute__((target("avx512f"))) void fma_loop_avx512() {
  int64_t n = kPeakIters;
  __asm__ volatile(
      "vpxord %%zmm30, %%zmm30, %%zmm30\n vpxord %%zmm31, %%zmm31, %%zmm31\n"
      "1:\n" AIVM_FMA16(zmm) "0\n" AIVM_FMA16(zmm) "1\n" AIVM_FMA16(zmm) "2\n" AIVM_FMA16(zmm) "3\n"
      AIVM_FMA16(zmm) "4\n" AIVM_FMA16(zmm) "5\n" AIVM_FMA16(zmm) "6\n" AIVM_FMA16(zmm) "7\n"
      AIVM_FMA16(zmm) "8\n" AIVM_FMA16(zmm) "9\n" AIVM_FMA16(zmm) "10\n" AIVM_FMA16(zmm) "11\n"
      AIVM_FMA16(zmm) "12\n" AIVM_FMA16(zmm) "13\n" AIVM_FMA16(zmm) "14\n" AIVM_FMA16(zmm) "15\n"
      "dec %0\n jnz 1b\n vzeroupper\n"
      : "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "xmm13", "xmm14", "xmm15", "xmm30", "xmm31");
}

#define AIVM_FMA8(r) "vfmadd231ps %%ymm14, %%ymm15, %%ymm" #r "\n"
__attribute__((target("avx2,fma"))) void fma_loop_avx2() {
  int64_t n = kPeakIters * 16 / 12;
  __asm__ volatile(
      "vxorps %%ymm14, %%ymm14, %%ymm14\n vxorps %%ymm15, %%ymm15, %%ymm15\n"
      "1:\n" AIVM_FMA8(0) AIVM_FMA8(1) AIVM_FMA8(2) AIVM_FMA8(3) AIVM_FMA8(4) AIVM_FMA8(5) AIVM_FMA8(6) AIVM_FMA8(7)
          AIVM_FMA8(8) AIVM_FMA8(9) AIVM_FMA8(10) AIVM_FMA8(11) "dec %0\n jnz 1b\n vzeroupper\n"
      : "+r"(n)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm14",
        "xmm15");
}

void bm_peak(benchmark::State& state, int lanes, int threads) {
  std::unique_ptr<ThreadPool> pool(threads > 1 ? new ThreadPool(threads) : nullptr);
  for (auto _ : state) {
    parallel_for(pool.get(), threads, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) lanes == 16 ? fma_loop_avx512() : fma_loop_avx2();
    });
  }
  // flops per call: chains x iterations x lanes x 2 (multiply + add) per thread
  const double per_thread = lanes == 16 ? 16.0 * kPeakIters * 16 * 2 : 12.0 * (kPeakIters * 16 / 12) * 8 * 2;
  state.counters["GFLOPs"] =
      benchmark::Counter(1e-9 * per_thread * threads, benchmark::Counter::kIsIterationInvariantRate);
}
#endif

//===----------------------------------------------------------------------===//
// Registration: grouped by library so one library's idle spinning threads do not overlap
// another's runs more than necessary. Names: <lib>/<M>x<N>x<K>/threads:<t>.
//===----------------------------------------------------------------------===//

std::string shape_name(const Mnk& s) {
  return std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
}

void reg(const std::string& lib, const Mnk& s, int t, auto fn) {
  benchmark::RegisterBenchmark((lib + "/" + shape_name(s) + "/threads:" + std::to_string(t)).c_str(), fn)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

int register_all() {
#if defined(__x86_64__)
  const CpuFeatures& f = cpu_features();
  for (int t : {1, 2}) {
    if (f.avx512f) reg("peak_avx512", Mnk{}, t, [t](benchmark::State& st) { bm_peak(st, 16, t); });
    if (f.avx2 && f.fma) reg("peak_avx2", Mnk{}, t, [t](benchmark::State& st) { bm_peak(st, 8, t); });
  }
#endif
  const GemmConfig* best = &gemm_config();
  size_t nv;
  const GemmVariant* variants = gemm_variants(&nv);
  for (const Mnk& s : kShapes)
    for (int t : {1, 2}) {
      reg("aivm", s, t, [=](benchmark::State& st) { bm_aivm(st, best, s, t, false); });
      reg("aivm_prepacked", s, t, [=](benchmark::State& st) { bm_aivm(st, best, s, t, true); });
    }
  // Other SIMD variants this CPU runs (e.g. the AVX2 path on an AVX-512 machine).
  for (size_t v = 0; v < nv; ++v) {
    const GemmConfig* c = &variants[v].config;
    if (!variants[v].supported || c == best || std::string(c->isa) == "scalar") continue;
    for (const Mnk& s : kShapes)
      for (int t : {1, 2})
        reg(std::string("aivm_") + c->isa, s, t, [=](benchmark::State& st) { bm_aivm(st, c, s, t, false); });
  }
#if defined(AIVM_HAVE_OPENBLAS)
  for (const Mnk& s : kShapes)
    for (int t : {1, 2}) reg("openblas", s, t, [=](benchmark::State& st) { bm_openblas(st, s, t); });
#endif
#if defined(AIVM_HAVE_DNNL)
  for (const Mnk& s : kShapes)
    for (int t : {1, 2}) reg("onednn", s, t, [=](benchmark::State& st) { bm_dnnl(st, s, t); });
#endif
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace aivm::kernels
