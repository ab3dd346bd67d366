// Broadcast iteration for the fast paths: y's shape is coalesced (size-1 dims dropped, dims
// every operand walks contiguously merged), so a flat range of y splits into runs over the
// last dim in which each operand's stride is 0 (broadcast) or 1. Threads split y anywhere.
#pragma once

#include <cassert>
#include <cstdint>

#include "kernels/common.h"
#include "kernels/config/thread_pool.h"

namespace aivm::kernels::ew {

// Below this many elements a thread hand-off costs more than it saves.
inline constexpr int64_t kGrain = 16384;

template <int N>
struct BroadcastPlan {
  int rank = 0;
  int64_t dims[kMaxRank];
  int64_t strides[N][kMaxRank];  // element strides per operand, 0 where it broadcasts
};

// Strides of operand s laid against y's rank (right-aligned; size-1 dims get stride 0).
inline void operand_strides(const Shape& y, const Shape& s, int64_t* out) {
  assert(s.rank <= y.rank);
  int shift = y.rank - s.rank;
  int64_t stride = 1;
  for (int d = y.rank - 1; d >= 0; --d) {
    int64_t dim = d >= shift ? s.dims[d - shift] : 1;
    assert(dim == 1 || dim == y.dims[d]);
    out[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
}

template <int N>
BroadcastPlan<N> make_plan(const Shape& y, const Shape* const (&in)[N]) {
  int64_t s[N][kMaxRank];
  for (int k = 0; k < N; ++k) operand_strides(y, *in[k], s[k]);
  BroadcastPlan<N> p;
  for (int d = 0; d < y.rank; ++d) {
    if (y.dims[d] == 1) continue;
    // Merge into the previous (outer) dim when every operand continues it contiguously.
    bool merge = p.rank > 0;
    for (int k = 0; k < N && merge; ++k) merge = p.strides[k][p.rank - 1] == s[k][d] * y.dims[d];
    int o = merge ? p.rank - 1 : p.rank++;
    p.dims[o] = merge ? p.dims[o] * y.dims[d] : y.dims[d];
    for (int k = 0; k < N; ++k) p.strides[k][o] = s[k][d];
  }
  if (p.rank == 0) {  // all-ones shape: one element
    p.rank = 1;
    p.dims[0] = 1;
    for (int k = 0; k < N; ++k) p.strides[k][0] = 0;
  }
  return p;
}

// Calls run(y_offset, count, offsets[N], inner_strides[N]) for each run of y's flat range
// [begin, end); operand k's elements are at offsets[k] + i * inner_strides[k], i < count.
template <int N, typename Run>
void for_each_run(const BroadcastPlan<N>& p, int64_t begin, int64_t end, Run&& run) {
  const int last = p.rank - 1;
  const int64_t len = p.dims[last];
  int64_t row = begin / len, col = begin % len;
  int64_t inner[N];
  for (int k = 0; k < N; ++k) inner[k] = p.strides[k][last];
  while (begin < end) {
    int64_t off[N] = {};
    int64_t rem = row;
    for (int d = last - 1; d >= 0; --d) {
      int64_t i = rem % p.dims[d];
      rem /= p.dims[d];
      for (int k = 0; k < N; ++k) off[k] += i * p.strides[k][d];
    }
    for (int k = 0; k < N; ++k) off[k] += col * inner[k];
    int64_t n = len - col < end - begin ? len - col : end - begin;
    run(begin, n, off, inner);
    begin += n;
    ++row;
    col = 0;
  }
}

// Splits [0, total) into kGrain blocks over the pool; body(begin, end).
template <typename Body>
void parallel_blocks(ThreadPool* pool, int64_t total, Body&& body) {
  if (total <= 0) return;
  int64_t blocks = (total + kGrain - 1) / kGrain;
  parallel_for(pool, blocks, [&](int64_t b0, int64_t b1) { body(b0 * kGrain, b1 * kGrain < total ? b1 * kGrain : total); });
}

}  // namespace aivm::kernels::ew
