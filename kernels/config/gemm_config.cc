// GEMM variant table (expanded from gemm.inc) and the one-time selection.
#include "kernels/config/gemm_config.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "kernels/config/cpu.h"

namespace aivm::kernels {
namespace {

long cache_bytes(int name, long fallback) {
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  long v = sysconf(name);
  return v > 0 ? v : fallback;
#else
  return fallback;
#endif
}

size_t round_down(size_t x, size_t to) { return x / to * to < to ? to : x / to * to; }

// Blocking from the cache sizes: a B micro-panel (kc x nr) fills L1 (measured on a 48 KiB L1:
// kc 384 beat 192 and 256 at 14x32, fewer passes over C), an A block (mc x kc) at most half
// of L2 and 32 micro-panels, a B block (kc x nc) at most 8 MiB of L3. The AVX-512 tile
// prefetches its panels from L2 (ukernel_impl.h), so its B micro-panel fills twice L1 and
// the A block a third of L2: on Sapphire Rapids (48 KiB L1, 2 MiB L2) kc 768 x mc 224 ran
// 1024^3 and 2048^3 at 166-171 GFLOP/s where 384 x 448 ran 153-157.
void set_blocking(GemmConfig* c) {
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  const long l1 = cache_bytes(_SC_LEVEL1_DCACHE_SIZE, 32 << 10), l2 = cache_bytes(_SC_LEVEL2_CACHE_SIZE, 1 << 20);
#else
  const long l1 = 32 << 10, l2 = 1 << 20;
#endif
  const bool prefetches_panels = std::strcmp(c->isa, "avx512") == 0;
  c->kc = round_down(size_t(l1) * (prefetches_panels ? 2 : 1) / (c->nr * sizeof(float)), 8);
  if (c->kc > (prefetches_panels ? 1024u : 512u)) c->kc = prefetches_panels ? 1024 : 512;
  c->mc = round_down(size_t(l2) / (prefetches_panels ? 3 : 2) / (c->kc * sizeof(float)), c->mr);
  if (c->mc > 32 * c->mr) c->mc = 32 * c->mr;
  c->nc = round_down(size_t(8 << 20) / (c->kc * sizeof(float)), c->nr);
  if (c->nc > 4096) c->nc = round_down(4096, c->nr);
}

struct Table {
  GemmVariant v[8];
  size_t n = 0;
  Table() {
    const CpuFeatures& f = cpu_features();
#define AIVM_GEMM_VARIANT(isa, cpu_check, ukernel, mr, nr, packb, stream, dot)                        \
  v[n] = GemmVariant{GemmConfig{#isa, #isa "-nr" #nr, mr, nr, 0, 0, 0, ukernel, packb, stream, dot}, \
                     bool(cpu_check)};                                                               \
  set_blocking(&v[n].config);                                                                        \
  ++n;
#include "kernels/gemm/gemm.inc"
#undef AIVM_GEMM_VARIANT
  }
};

const Table& table() {
  static const Table t;
  return t;
}

const GemmConfig& select() {
  const Table& t = table();
  if (const char* forced = std::getenv("AIVM_FORCE_ISA")) {
    if (const GemmConfig* c = gemm_config_for_isa(forced)) return *c;
  }
  for (size_t i = 0; i < t.n; ++i) {
    if (t.v[i].supported) return t.v[i].config;
  }
  return t.v[t.n - 1].config;  // the portable variant is last and always supported
}

}  // namespace

const GemmVariant* gemm_variants(size_t* count) {
  *count = table().n;
  return table().v;
}

const GemmConfig* gemm_config_for_isa(const char* isa) {
  const Table& t = table();
  for (size_t i = 0; i < t.n; ++i) {
    if (t.v[i].supported && std::strcmp(t.v[i].config.isa, isa) == 0) return &t.v[i].config;
  }
  return nullptr;
}

const GemmConfig& gemm_config() {
  static const GemmConfig& c = select();
  return c;
}

}  // namespace aivm::kernels
