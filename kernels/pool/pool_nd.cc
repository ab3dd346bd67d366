// pool_nd_f32: max, average and Lp pooling over 1..6 spatial axes. Per (n, c) plane and output
// position, each axis's in-bounds taps [t0, t1) are computed once, so the tap loops (an
// odometer over the axes) index without checks.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/config/thread_pool.h"
#include "kernels/pool/pool.h"

namespace aivm::kernels {
namespace {

// Taps k of one axis whose input o * stride - pad_begin + k * dilation lies in [0, in).
void valid_taps(const PoolAxis& a, int64_t o, int64_t* t0, int64_t* t1, int64_t* in_pads) {
  const int64_t start = o * a.stride - a.pad_begin;
  int64_t lo = 0, hi = a.kernel, pads = 0;
  while (lo < hi && start + lo * a.dilation < 0) ++lo;
  while (hi > lo && start + (hi - 1) * a.dilation >= a.in) --hi;
  for (int64_t k = 0; k < a.kernel; ++k) {
    int64_t i = start + k * a.dilation;
    pads += i >= -a.pad_begin && i < a.in + a.pad_end;
  }
  *t0 = lo, *t1 = hi, *in_pads = pads;
}

float finish(const PoolNdParams& p, float acc, int64_t count, int64_t count_pads) {
  switch (p.kind) {
    case PoolKind::Average: {
      int64_t d = p.count_include_pad ? count_pads : count;
      return d ? acc / float(d) : 0.f;
    }
    case PoolKind::Lp: return p.p == 1 ? acc : p.p == 2 ? std::sqrt(acc) : std::pow(acc, 1.f / float(p.p));
    default: return acc;
  }
}

void plane(const PoolNdParams& p, const float* x, float* y) {
  const int r = p.spatial_rank;
  int64_t in_stride[kMaxRank], total = 1;
  for (int k = r - 1, s = 1; k >= 0; --k) in_stride[k] = s, s *= p.axes[k].in;
  for (int k = 0; k < r; ++k) total *= p.axes[k].out;
  int64_t t0[kMaxRank], t1[kMaxRank], base[kMaxRank];
  for (int64_t o = 0; o < total; ++o) {
    int64_t count = 1, count_pads = 1, origin = 0;
    bool empty = false;
    for (int64_t k = r - 1, rest = o; k >= 0; --k) {
      const PoolAxis& a = p.axes[k];
      int64_t ok = rest % a.out, pads;
      rest /= a.out;
      valid_taps(a, ok, &t0[k], &t1[k], &pads);
      count *= std::max<int64_t>(t1[k] - t0[k], 0);
      count_pads *= pads;
      empty |= t1[k] <= t0[k];
      base[k] = ok * a.stride - a.pad_begin;
      origin += base[k] * in_stride[k];
    }
    float acc = p.kind == PoolKind::Max ? -std::numeric_limits<float>::infinity() : 0.f;
    if (!empty) {
      int64_t tap[kMaxRank];
      std::copy(t0, t0 + r, tap);
      for (;;) {
        int64_t off = origin;
        for (int k = 0; k < r; ++k) off += tap[k] * p.axes[k].dilation * in_stride[k];
        const float v = x[off];
        if (p.kind == PoolKind::Max) acc = v > acc ? v : acc;
        else if (p.kind == PoolKind::Average) acc += v;
        else acc += p.p == 1 ? std::fabs(v) : p.p == 2 ? v * v : std::pow(std::fabs(v), float(p.p));
        int k = r - 1;
        while (k >= 0 && ++tap[k] == t1[k]) tap[k] = t0[k], --k;
        if (k < 0) break;
      }
    }
    y[o] = finish(p, acc, count, count_pads);
  }
}

}  // namespace

void pool_nd_f32(const PoolNdParams& p, const float* x, float* y, ThreadPool* pool) {
  int64_t in_plane = 1, out_plane = 1;
  for (int k = 0; k < p.spatial_rank; ++k) in_plane *= p.axes[k].in, out_plane *= p.axes[k].out;
  parallel_for(pool, p.N * p.C, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) plane(p, x + i * in_plane, y + i * out_plane);
  });
}

}  // namespace aivm::kernels
