// gemm_f32 fast path: small-M kernels on unpacked operands, or Goto/BLIS blocking around the
// selected packed micro-kernel; the output is cut into a grid of per-thread blocks.
#include <algorithm>
#include <cstdlib>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kSmallM = 4;                // M up to this goes to the stream / dot kernels
constexpr int64_t kSmallTileN = 64;           // their unit of work when splitting N
constexpr int64_t kMinParallelMacs = 1 << 18;  // ~5 us of work: below, handing a block to a worker costs more
constexpr int64_t kSmallMCostPerB = 8;         // small M: an element of B streamed from memory, in MACs
constexpr int64_t kBInPlaceMaxRows = 4;        // in micro-panels of A: up to this, B is read unpacked
constexpr int64_t kMinTileRows = 4;            // fewer rows per tile leave too few FMA chains to cover the latency

//===----------------------------------------------------------------------===//
// Per-thread packing buffers, 64-byte aligned, grown on demand and kept for reuse.
//===----------------------------------------------------------------------===//

struct Buffer {
  float* p = nullptr;
  size_t cap = 0;
  ~Buffer() { std::free(p); }
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      cap = n;
      p = static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64));
    }
    return p;
  }
};

struct Scratch {
  Buffer a, b, c;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

//===----------------------------------------------------------------------===//
// The problem, as C[m*c_rs + n*c_cs] = epilogue(op(A) op(B)).
//===----------------------------------------------------------------------===//

struct Problem {
  bool ta, tb;
  int64_t M, N, K;
  const float* A;
  int64_t lda;
  const float* B;         // unpacked op(B) source, or nullptr
  int64_t ldb;
  const float* packed_b;  // gemm_pack_b panels, or nullptr
  float* C;
  int64_t c_rs, c_cs;
  GemmEpilogue ep;
  const float* packed_a = nullptr;  // gemm_pack_a panels of packed_mr rows over all of K, or nullptr
  int64_t packed_mr = 0;
  // Width of packed_b's panels: 0 for gemm_pack_b's (cfg.nr, the last one zero-padded); else
  // gemm_pack_a panels taken as B of a transposed product (the last one only as wide as left).
  int64_t packed_b_width = 0;
};

// C^T = op(B)^T op(A)^T: the same product with the roles of M and N exchanged.
Problem transposed(const Problem& g) {
  Problem t = g;
  t.M = g.N;
  t.N = g.M;
  t.A = g.B;
  t.lda = g.ldb;
  t.ta = !g.tb;
  t.B = g.A;
  t.ldb = g.lda;
  t.tb = !g.ta;
  t.c_rs = g.c_cs;
  t.c_cs = g.c_rs;
  t.ep.bias_row_stride = g.ep.bias_col_stride;
  t.ep.bias_col_stride = g.ep.bias_row_stride;
  t.ep.residual_row_stride = g.ep.residual_col_stride;
  t.ep.residual_col_stride = g.ep.residual_row_stride;
  return t;
}

//===----------------------------------------------------------------------===//
// Goto/BLIS loops over one block [m0, m1) x [n0, n1) of C (c_cs == 1):
//   jc (nc columns; B block kc x nc packed, stays in L3)
//     pc (kc of K; the last one applies the epilogue)
//       ic (mc rows; A block mc x kc packed, stays in L2)
//         jr (NR columns; B micro-panel stays in L1)
//           ir (rows of one A micro-panel) -> micro-kernel
//===----------------------------------------------------------------------===//

// Columns of C (a multiple of NR) per pass over a row block's A micro-panels. NR alone is the
// classic order: one B micro-panel stays in L1 while the A panels stream past it, but C is
// then written NR columns of every row at a time, as many scattered streams (and pages) as
// rows. With a short K block the store is a large share of each tile's work, so there a wider
// chunk (its B panels in a quarter of L2, beside the A block) runs each A panel along C's rows.
// Measured on Zen 3 (AVX2, min of 200 runs): M x N x K 96x12544x16 -8%, 144x3136x24 -5%,
// 256x3136x64 -2%; no gain at K >= 144, so long K blocks keep the classic order.
int64_t column_chunk(const GemmConfig& cfg, int64_t kc) {
  const int64_t NR = int64_t(cfg.nr);
  if (kc * 4 > int64_t(cfg.kc)) return NR;
  const int64_t budget = int64_t(cfg.mc * cfg.kc) / 2;  // floats: half the A block's share of L2
  return std::max(NR, budget / std::max<int64_t>(kc, 1) / NR * NR);  // kc is 0 when K is
}

void run_packed(const GemmConfig& cfg, const Problem& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t NR = int64_t(cfg.nr), KC = int64_t(cfg.kc), MC = int64_t(cfg.mc);
  Scratch& s = scratch();
  const int64_t pmr = g.packed_a ? g.packed_mr : 0;
  // Packed B in blocks no larger than the A block's share of L2 when A is pre-packed (a conv's
  // weights): with no A to repack per block, a narrower block costs nothing, and the packed
  // panels are still in L2 when the micro-kernel reads them. At nc = 4096 densenet's 1x1 convs
  // (224 x 3136 at 56x56, 2.8 MB) wrote theirs out past L2 and read them back (Sapphire Rapids,
  // conv_bench, 1 thread: densenet_pw_224to128_56 1244-1261 -> 1132-1147 us, 480to128_28
  // 608-630 -> 527-584; half that block was no better).
  int64_t NC = int64_t(cfg.nc);
  if (pmr) {
    const int64_t block_kc = std::max<int64_t>(1, std::min(g.K, KC));
    NC = std::max(NR, std::min(NC, int64_t(cfg.mc * cfg.kc) / block_kc / NR * NR));
  }
  // Prepacked A: row blocks stay on panel boundaries (the grid cuts rows on them too).
  const int64_t mc_step = pmr ? (MC / pmr > 0 ? MC / pmr * pmr : pmr) : MC;
  float* abuf = pmr ? nullptr : s.a.get(size_t(MC * KC));
  // Few rows of C: each packed B element would be read by only a few panels of A, so
  // packing B costs about what it saves. Full panels are then read in place (rows ldb
  // apart); only a last, narrower panel is packed (its zero padding keeps loads in bounds).
  // Four panels, not three (AVX2, mobilenet_v2 profile, min of 5 interleaved runs): its
  // 24-channel projections 96 -> 24 at 56x56 0.235 -> 0.180 ms, 144 -> 24 (+ Add) 0.342 -> 0.260.
  const bool b_in_place = !g.packed_b && !g.tb && m1 - m0 <= kBInPlaceMaxRows * int64_t(cfg.mr);
  float* bbuf = g.packed_b ? nullptr : s.b.get(size_t(KC * (b_in_place ? NR : NC)));
  GemmUkernelParams p;
  p.alpha = g.ep.alpha;
  p.beta = g.ep.beta;
  p.bias_rs = g.ep.bias_row_stride;
  p.bias_cs = g.ep.bias_col_stride;
  p.residual_rs = g.ep.residual_row_stride;
  p.residual_cs = g.ep.residual_col_stride;
  p.act = g.ep.act;
  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = n1 - jc < NC ? n1 - jc : NC;
    int64_t pc = 0;
    do {
      const int64_t kc = g.K - pc < KC ? g.K - pc : KC;
      const float* bp;
      int64_t pstride;
      if (g.packed_b) {
        bp = g.packed_b + (jc / NR) * g.K * NR + pc * NR;
        pstride = g.K * NR;
      } else if (b_in_place) {
        bp = g.B + pc * g.ldb + jc;
        pstride = 0;
      } else {
        const float* b = g.tb ? g.B + jc * g.ldb + pc : g.B + pc * g.ldb + jc;
        cfg.pack_b(g.tb, size_t(kc), size_t(nc), b, size_t(g.ldb), bbuf, size_t(kc * NR));
        bp = bbuf;
        pstride = kc * NR;
      }
      p.flags = (pc > 0 ? kGemmLoadC : 0u) | (pc + kc >= g.K ? kGemmEpilogue : 0u);
      for (int64_t ic = m0; ic < m1; ic += mc_step) {
        const int64_t mc = m1 - ic < mc_step ? m1 - ic : mc_step;
        int64_t mr = pmr;
        if (!pmr) {
          mr = gemm_packed_a_rows(cfg, mc);  // the rows per panel of a pre-packed A of mc rows
          const float* a = g.ta ? g.A + pc * g.lda + ic : g.A + ic * g.lda + pc;
          aivm_x32_packa_gemm(g.ta, size_t(mr), size_t(mc), size_t(kc), a, size_t(g.lda), abuf);
        }
        // Columns per pass over the block's A panels (see column_chunk); within a chunk each A
        // panel runs along C's rows, so C is written a row segment at a time.
        const int64_t chunk = column_chunk(cfg, kc);
        for (int64_t j2 = 0; j2 < nc; j2 += chunk) {
          const int64_t j2_end = nc - j2 < chunk ? nc : j2 + chunk;
          // Read in place, a block's narrower last panel is packed (once per chunk).
          if (b_in_place && j2_end == nc && nc % NR != 0) {
            const int64_t jl = nc / NR * NR;
            cfg.pack_b(false, size_t(kc), size_t(nc - jl), bp + jl, size_t(g.ldb), bbuf, size_t(kc * NR));
          }
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int64_t m = ic + ir, rows = mc - ir < mr ? mc - ir : mr;
            // A prepacked panel holds its rows over all of K: the kc slice starts at pc * rows.
            const float* ap = pmr ? g.packed_a + m * g.K + pc * rows : abuf + ir * kc;
            for (int64_t jr = j2; jr < j2_end; jr += NR) {
              const int64_t n = jc + jr, nr = nc - jr < NR ? nc - jr : NR;
              const float* b_panel = bp + (jr / NR) * pstride;
              p.b_stride = 0;
              if (b_in_place) {
                b_panel = nr == NR ? bp + jr : bbuf;
                p.b_stride = nr == NR ? g.ldb : 0;
              }
              p.bias = g.ep.bias ? g.ep.bias + m * p.bias_rs + n * p.bias_cs : nullptr;
              p.residual = g.ep.residual ? g.ep.residual + m * p.residual_rs + n * p.residual_cs : nullptr;
              cfg.ukernel(size_t(rows), size_t(nr), size_t(kc), ap, b_panel, g.C + m * g.c_rs + n, size_t(g.c_rs), &p);
            }
          }
        }
      }
      pc += kc;
    } while (pc < g.K);
  }
}

//===----------------------------------------------------------------------===//
// Small M: columns [n0, n1) of all M (<= 4) rows by the stream or dot kernel (the stream one
// for pre-packed B too, panel by panel), then the epilogue on each row while it is in L1.
//===----------------------------------------------------------------------===//

void finish_rows(const Problem& g, int64_t n0, int64_t nn, float* out, int64_t ldo) {
  const GemmEpilogue& ep = g.ep;
  for (int64_t r = 0; r < g.M; ++r) {
    float* row = out + r * ldo;
    if (ep.bias) {
      const float* bias = ep.bias + r * ep.bias_row_stride + n0 * ep.bias_col_stride;
      const int64_t cs = ep.bias_col_stride;
      for (int64_t j = 0; j < nn; ++j) row[j] = ep.alpha * row[j] + ep.beta * bias[j * cs];
    } else if (ep.alpha != 1.f) {
      for (int64_t j = 0; j < nn; ++j) row[j] = ep.alpha * row[j];
    }
    if (ep.residual) {
      const float* res = ep.residual + r * ep.residual_row_stride + n0 * ep.residual_col_stride;
      const int64_t cs = ep.residual_col_stride;
      for (int64_t j = 0; j < nn; ++j) row[j] += res[j * cs];
    }
    epilogue_activation_f32(ep.act, nn, row);
    if (g.c_cs != 1) {
      float* c = g.C + r * g.c_rs + n0 * g.c_cs;
      for (int64_t j = 0; j < nn; ++j) c[j * g.c_cs] = row[j];
    }
  }
}

void run_small(const GemmConfig& cfg, const Problem& g, int64_t n0, int64_t n1) {
  const int64_t nn = n1 - n0;
  Scratch& s = scratch();
  const float* a = g.A;
  int64_t lda = g.lda;
  if (g.ta) {  // the kernels want k contiguous: gather op(A) (a few rows)
    float* t = s.a.get(size_t(g.M * g.K + 1));
    for (int64_t m = 0; m < g.M; ++m)
      for (int64_t k = 0; k < g.K; ++k) t[m * g.K + k] = g.A[k * g.lda + m];
    a = t;
    lda = g.K;
  }
  float* out = g.C + n0;
  int64_t ldo = g.c_rs;
  if (g.c_cs != 1) {
    out = s.c.get(size_t(g.M * nn));
    ldo = nn;
  }
  if (g.packed_b) {
    // Each K x NR panel is a row-major B of NR columns (ldb NR, or the columns left for an
    // unpadded last panel): the stream kernel reads it as is. (n0 is on a panel boundary:
    // run() splits N in whole panels for packed B.)
    const int64_t NR = g.packed_b_width ? g.packed_b_width : int64_t(cfg.nr);
    for (int64_t j = 0; j < nn; j += NR) {
      // Only the matrix's last panel is narrower than NR, and only it is cut short here.
      const int64_t cols = nn - j < NR ? nn - j : NR, ldb = g.packed_b_width ? cols : NR;
      cfg.stream(size_t(g.M), size_t(cols), size_t(g.K), a, size_t(lda), g.packed_b + (n0 + j) / NR * g.K * NR,
                 size_t(ldb), out + j, size_t(ldo));
    }
  } else if (g.tb) {
    cfg.dot(size_t(g.M), size_t(nn), size_t(g.K), a, size_t(lda), g.B + n0 * g.ldb, size_t(g.ldb), out, size_t(ldo));
  } else {
    cfg.stream(size_t(g.M), size_t(nn), size_t(g.K), a, size_t(lda), g.B + n0, size_t(g.ldb), out, size_t(ldo));
  }
  finish_rows(g, n0, nn, out, ldo);
}

//===----------------------------------------------------------------------===//
// Threads: a tm x tn grid of blocks on tile boundaries, one per thread, chosen to minimize
// the padded work of a block plus its packing.
//===----------------------------------------------------------------------===//

struct Grid {
  int64_t tm = 1, tn = 1;
};

Grid choose_grid(int64_t threads, int64_t tiles_m, int64_t tile_m, int64_t tiles_n, int64_t tile_n, int64_t K) {
  Grid best;
  double best_cost = -1;
  for (int64_t tm = 1; tm <= threads; ++tm) {
    if (threads % tm) continue;
    const int64_t tn = threads / tm;
    if (tm > tiles_m || tn > tiles_n) continue;
    const double rows = double((tiles_m + tm - 1) / tm * tile_m), cols = double((tiles_n + tn - 1) / tn * tile_n);
    const double cost = rows * cols * double(K) + 4.0 * (rows + cols) * double(K);
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = Grid{tm, tn};
    }
  }
  return best;
}

void run(const GemmConfig& cfg, const Problem& g, ThreadPool* pool) {
  // A few rows stream B once, pre-packed or not: the packed micro-kernel would run MR-row
  // tiles that are mostly empty (a batch-1 classifier at ~1 GFLOP/s).
  const bool small = !g.packed_a && g.M <= kSmallM;
  const int64_t panel = g.packed_b_width ? g.packed_b_width : int64_t(cfg.nr);
  const int64_t small_tile_n = g.packed_b ? (kSmallTileN / panel > 0 ? kSmallTileN / panel : 1) * panel : kSmallTileN;
  const int64_t tile_m = small ? g.M : g.packed_a ? g.packed_mr : int64_t(cfg.mr), tile_n = small ? small_tile_n : int64_t(cfg.nr);
  const int64_t tiles_m = (g.M + tile_m - 1) / tile_m, tiles_n = (g.N + tile_n - 1) / tile_n;
  int64_t threads = pool ? pool->num_threads() : 1;
  // A few rows stream B from memory: its size, not the MACs, is what a thread saves.
  const int64_t work = small ? kSmallMCostPerB * g.N * g.K : g.M * g.N * (g.K > 0 ? g.K : 1);
  if (work < kMinParallelMacs) threads = 1;
  Grid grid = choose_grid(threads, tiles_m, tile_m, tiles_n, tile_n, g.K);
  if (grid.tm * grid.tn == 1 && threads > 1) {  // thread count does not factor well: use fewer
    grid = choose_grid(threads > 1 ? 2 : 1, tiles_m, tile_m, tiles_n, tile_n, g.K);
  }
  auto block = [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t bi = b / grid.tn, bj = b % grid.tn;
      const int64_t m0 = tiles_m * bi / grid.tm * tile_m, m1 = tiles_m * (bi + 1) / grid.tm * tile_m;
      const int64_t n0 = tiles_n * bj / grid.tn * tile_n, n1 = tiles_n * (bj + 1) / grid.tn * tile_n;
      if (small) {
        run_small(cfg, g, n0, n1 < g.N ? n1 : g.N);
      } else {
        run_packed(cfg, g, m0, m1 < g.M ? m1 : g.M, n0, n1 < g.N ? n1 : g.N);
      }
    }
  };
  parallel_for(grid.tm * grid.tn > 1 ? pool : nullptr, grid.tm * grid.tn, block);
}

}  // namespace

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void gemm_f32(const GemmConfig& cfg, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
              int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep,
              ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  const Problem g{trans_a, trans_b, M, N, K, A, lda, B, ldb, nullptr, C, ldc, 1, ep};
  run(cfg, M > kSmallM && N <= kSmallM ? transposed(g) : g, pool);
}

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool) {
  gemm_f32(gemm_config(), trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, ep, pool);
}

size_t gemm_packed_b_bytes(const GemmConfig& cfg, int64_t N, int64_t K) {
  const int64_t NR = int64_t(cfg.nr);
  return size_t((N + NR - 1) / NR * NR * (K > 0 ? K : 0)) * sizeof(float);
}

void gemm_pack_b(const GemmConfig& cfg, bool trans_b, int64_t N, int64_t K, const float* B, int64_t ldb, void* out) {
  if (N <= 0 || K <= 0) return;
  cfg.pack_b(trans_b, size_t(K), size_t(N), B, size_t(ldb), static_cast<float*>(out), size_t(K) * cfg.nr);
}

void gemm_f32_prepacked_b(const GemmConfig& cfg, bool trans_a, int64_t M, int64_t N, int64_t K, const float* A,
                          int64_t lda, const void* packed_b, float* C, int64_t ldc, const GemmEpilogue& ep,
                          ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  const Problem g{trans_a, false, M, N, K, A, lda, nullptr, 0, static_cast<const float*>(packed_b), C, ldc, 1, ep};
  run(cfg, g, pool);
}

// Rows per A panel, pre-packed or packed per block: MR, or fewer and balanced over M; or one
// row fewer still when that spares a last panel of 1-3 rows. Such a panel runs as slowly per
// k as one of kMinTileRows (its few FMA chains wait on the FMA latency), so 49 rows (a 7x7
// plane as the GEMM's rows) in 8 x 6 + 1 cost 52 rows' time, in 9 x 5 + 4 only 49. Each
// panel also costs a tile's setup and stores, counted as a quarter row; the fewer rows must
// save 3%.
int64_t gemm_packed_a_rows(const GemmConfig& cfg, int64_t M) {
  const int64_t panels = (M + int64_t(cfg.mr) - 1) / int64_t(cfg.mr);
  if (!panels) return 1;
  const int64_t r = (M + panels - 1) / panels;
  auto cost = [M](int64_t rows) {  // in quarter rows
    const int64_t full = M / rows, rest = M % rows, tiles = full + (rest > 0);
    return 4 * (full * rows + (rest > 0 ? std::max(rest, kMinTileRows) : 0)) + tiles;
  };
  return r - 1 >= kMinTileRows && 100 * cost(r - 1) < 97 * cost(r) ? r - 1 : r;
}

size_t gemm_packed_a_bytes(const GemmConfig&, int64_t M, int64_t K) {
  return size_t((M > 0 ? M : 0) * (K > 0 ? K : 0)) * sizeof(float);
}

void gemm_pack_a(const GemmConfig& cfg, bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda, void* out) {
  if (M <= 0 || K <= 0) return;
  aivm_x32_packa_gemm(trans_a, size_t(gemm_packed_a_rows(cfg, M)), size_t(M), size_t(K), A, size_t(lda),
                      static_cast<float*>(out));
}

void gemm_f32_prepacked_a(const GemmConfig& cfg, int64_t M, int64_t N, int64_t K, const void* packed_a, bool trans_b,
                          const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep,
                          ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  Problem g{false, trans_b, M, N, K, nullptr, 0, B, ldb, nullptr, C, ldc, 1, ep};
  g.packed_a = static_cast<const float*>(packed_a);
  g.packed_mr = gemm_packed_a_rows(cfg, M);
  if (N <= kSmallM) {
    // A 1x1 convolution on a 1x1 image (squeeze-excite FCs) and the like: one-column tiles of
    // the packed kernel would leave nearly all its lanes empty. C^T = op(B)^T A^T instead,
    // with A's panels ([k][r] over their rows: row-major K x rows) as the packed B.
    Problem t = transposed(g);
    t.packed_b = g.packed_a;
    t.packed_b_width = g.packed_mr;
    t.packed_a = nullptr;
    t.packed_mr = 0;
    return run(cfg, t, pool);
  }
  run(cfg, g, pool);
}

void gemm_f32_prepacked_ab(const GemmConfig& cfg, int64_t M, int64_t N, int64_t K, const void* packed_a,
                           const void* packed_b, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  Problem g{false, false, M, N, K, nullptr, 0, nullptr, 0, static_cast<const float*>(packed_b), C, ldc, 1, ep};
  g.packed_a = static_cast<const float*>(packed_a);
  g.packed_mr = gemm_packed_a_rows(cfg, M);
  run(cfg, g, pool);
}

}  // namespace aivm::kernels
