// gemm_f32: i-k-j accumulation into the C row (dot products when B is transposed), epilogue
// per tile, tiles of one row x kTileN columns split across the pool.
#include "kernels/config/thread_pool.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kTileN = 256;          // columns per tile: the C row segment stays in L1
constexpr int64_t kMinParallelMacs = 32768;  // below this, waking workers costs more than it saves

struct Args {
  bool trans_a, trans_b;
  int64_t N, K;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const GemmEpilogue* ep;
};

// c[0, n1-n0) = sum_k opA[m,k] * opB[k, n0 + j], k ascending for every j (as the reference).
void accumulate(const Args& g, int64_t m, int64_t n0, int64_t n1, float* c) {
  const int64_t w = n1 - n0;
  if (g.trans_b) {
    for (int64_t j = 0; j < w; ++j) {
      const float* b = g.B + (n0 + j) * g.ldb;
      float acc = 0.f;
      for (int64_t k = 0; k < g.K; ++k) acc += (g.trans_a ? g.A[k * g.lda + m] : g.A[m * g.lda + k]) * b[k];
      c[j] = acc;
    }
    return;
  }
  for (int64_t j = 0; j < w; ++j) c[j] = 0.f;
  for (int64_t k = 0; k < g.K; ++k) {
    const float a = g.trans_a ? g.A[k * g.lda + m] : g.A[m * g.lda + k];
    const float* b = g.B + k * g.ldb + n0;
    for (int64_t j = 0; j < w; ++j) c[j] += a * b[j];
  }
}

void tile(const Args& g, int64_t m, int64_t n0, int64_t n1) {
  float* c = g.C + m * g.ldc + n0;
  accumulate(g, m, n0, n1, c);
  const GemmEpilogue& ep = *g.ep;
  const int64_t w = n1 - n0;
  if (ep.bias) {
    const float* bias = ep.bias + m * ep.bias_row_stride + n0 * ep.bias_col_stride;
    const int64_t bs = ep.bias_col_stride;
    for (int64_t j = 0; j < w; ++j) c[j] = ep.alpha * c[j] + ep.beta * bias[j * bs];
  } else if (ep.alpha != 1.f) {
    for (int64_t j = 0; j < w; ++j) c[j] = ep.alpha * c[j];
  }
  apply_activation_f32(ep.act, w, c);
}

}  // namespace

void gemm_f32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float* C, int64_t ldc, const GemmEpilogue& ep, ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  const Args g{trans_a, trans_b, N, K, A, lda, B, ldb, C, ldc, &ep};
  const int64_t col_tiles = (N + kTileN - 1) / kTileN;
  const int64_t tiles = M * col_tiles;
  auto run = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t m = t / col_tiles, n0 = (t % col_tiles) * kTileN;
      tile(g, m, n0, n0 + kTileN < N ? n0 + kTileN : N);
    }
  };
  if (M * N * (K > 0 ? K : 1) < kMinParallelMacs) {
    run(0, tiles);
  } else {
    parallel_for(pool, tiles, run);
  }
}

}  // namespace aivm::kernels
