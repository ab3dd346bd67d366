// matmul_f32 (numpy semantics): resolve 1-D promotion and batch broadcasting into a list of
// per-batch GEMMs; the reference and the fast path share the geometry and differ in the GEMM.
#include <cassert>

#include "kernels/config/thread_pool.h"
#include "kernels/gemm/gemm.h"

namespace aivm::kernels {
namespace {

struct Geometry {
  int64_t M, N, K, batches;
  int batch_rank;                     // y's batch dims
  int64_t batch_dims[kMaxRank];
  int64_t a_stride[kMaxRank], b_stride[kMaxRank];  // per batch dim, in matrices; 0 broadcasts
};

// Matrix strides of operand s's batch dims (all but its last mat_rank) against y's batch dims.
void batch_strides(const Geometry& g, const Shape& s, int mat_rank, int64_t* out) {
  int s_batch = s.rank - mat_rank;
  int shift = g.batch_rank - s_batch;
  int64_t stride = 1;
  for (int d = g.batch_rank - 1; d >= 0; --d) {
    int64_t dim = d >= shift ? s.dims[d - shift] : 1;
    assert(dim == 1 || dim == g.batch_dims[d]);
    out[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
}

Geometry geometry(const Shape& a, const Shape& b, const Shape& y) {
  assert(a.rank >= 1 && b.rank >= 1);
  Geometry g;
  g.M = a.rank >= 2 ? a.dims[a.rank - 2] : 1;
  g.K = a.dims[a.rank - 1];
  g.N = b.rank >= 2 ? b.dims[b.rank - 1] : 1;
  assert(g.K == (b.rank >= 2 ? b.dims[b.rank - 2] : b.dims[0]));
  g.batch_rank = y.rank - (a.rank >= 2) - (b.rank >= 2);
  assert(g.batch_rank >= 0);
  g.batches = 1;
  for (int d = 0; d < g.batch_rank; ++d) g.batches *= (g.batch_dims[d] = y.dims[d]);
  batch_strides(g, a, a.rank >= 2 ? 2 : 1, g.a_stride);
  batch_strides(g, b, b.rank >= 2 ? 2 : 1, g.b_stride);
  return g;
}

// Offsets (in elements) of batch i's A and B matrices.
void batch_offsets(const Geometry& g, int64_t i, int64_t* oa, int64_t* ob) {
  int64_t ia = 0, ib = 0;
  for (int d = g.batch_rank - 1; d >= 0; --d) {
    int64_t idx = i % g.batch_dims[d];
    i /= g.batch_dims[d];
    ia += idx * g.a_stride[d];
    ib += idx * g.b_stride[d];
  }
  *oa = ia * g.M * g.K;
  *ob = ib * g.K * g.N;
}

}  // namespace

void matmul_f32_reference(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y) {
  const Geometry g = geometry(a, b, y);
  const GemmEpilogue ep;
  for (int64_t i = 0; i < g.batches; ++i) {
    int64_t oa, ob;
    batch_offsets(g, i, &oa, &ob);
    gemm_f32_reference(false, false, g.M, g.N, g.K, A + oa, g.K, B + ob, g.N, Y + i * g.M * g.N, g.N, ep);
  }
}

void matmul_f32(const Shape& a, const float* A, const Shape& b, const float* B, const Shape& y, float* Y,
                ThreadPool* pool) {
  const Geometry g = geometry(a, b, y);
  const GemmEpilogue ep;
  auto one = [&](int64_t i, ThreadPool* inner_pool) {
    int64_t oa, ob;
    batch_offsets(g, i, &oa, &ob);
    gemm_f32(false, false, g.M, g.N, g.K, A + oa, g.K, B + ob, g.N, Y + i * g.M * g.N, g.N, ep, inner_pool);
  };
  // Many batches: one thread per batch range; few: let each GEMM split its own tiles.
  if (pool && g.batches >= pool->num_threads()) {
    parallel_for(pool, g.batches, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) one(i, nullptr);
    });
  } else {
    for (int64_t i = 0; i < g.batches; ++i) one(i, pool);
  }
}

}  // namespace aivm::kernels
