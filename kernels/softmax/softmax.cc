// softmax_f32: per [axis_len, inner] slab, running max / exp-sum / divide passes that walk
// inner-contiguous rows (so they vectorize when inner > 1); slabs split across the pool, or
// inner column blocks when there are fewer slabs than threads.
#include <cmath>

#include "kernels/config/thread_pool.h"
#include "kernels/softmax/softmax.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelElements = 16384;
constexpr int64_t kColumnBlock = 256;  // inner columns per scratch buffer: max and sum stay in L1

// Columns [i0, i1) of one slab; m and s are scratch of at least i1 - i0 floats.
void columns(int64_t axis_len, int64_t inner, const float* xs, float* ys, int64_t i0, int64_t i1, float* m,
             float* s) {
  const int64_t w = i1 - i0;
  xs += i0;
  ys += i0;
  for (int64_t j = 0; j < w; ++j) m[j] = xs[j];
  for (int64_t a = 1; a < axis_len; ++a)
    for (int64_t j = 0; j < w; ++j) m[j] = xs[a * inner + j] > m[j] ? xs[a * inner + j] : m[j];
  for (int64_t j = 0; j < w; ++j) s[j] = 0.f;
  for (int64_t a = 0; a < axis_len; ++a)
    for (int64_t j = 0; j < w; ++j) s[j] += (ys[a * inner + j] = std::exp(xs[a * inner + j] - m[j]));
  for (int64_t a = 0; a < axis_len; ++a)
    for (int64_t j = 0; j < w; ++j) ys[a * inner + j] /= s[j];
}

// inner == 1: each slab is one contiguous row.
void row(int64_t axis_len, const float* xs, float* ys) {
  float m = xs[0];
  for (int64_t a = 1; a < axis_len; ++a) m = xs[a] > m ? xs[a] : m;
  float sum = 0.f;
  for (int64_t a = 0; a < axis_len; ++a) sum += (ys[a] = std::exp(xs[a] - m));
  for (int64_t a = 0; a < axis_len; ++a) ys[a] /= sum;
}

}  // namespace

void softmax_f32(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y, ThreadPool* pool) {
  if (outer <= 0 || axis_len <= 0 || inner <= 0) return;
  const int64_t slab = axis_len * inner;
  if (inner == 1) {
    auto rows = [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) row(axis_len, x + o * slab, y + o * slab);
    };
    if (outer * slab < kMinParallelElements) return rows(0, outer);
    return parallel_for(pool, outer, rows);
  }
  // Work items are (slab, column block) pairs so a single large slab still splits.
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  auto items = [&](int64_t b, int64_t e) {
    float m[kColumnBlock], s[kColumnBlock];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / blocks, i0 = (t % blocks) * kColumnBlock;
      int64_t i1 = i0 + kColumnBlock < inner ? i0 + kColumnBlock : inner;
      columns(axis_len, inner, x + o * slab, y + o * slab, i0, i1, m, s);
    }
  };
  if (outer * slab < kMinParallelElements) return items(0, outer * blocks);
  parallel_for(pool, outer * blocks, items);
}

}  // namespace aivm::kernels
