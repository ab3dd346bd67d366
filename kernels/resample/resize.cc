// Resize fast path: one pass per axis that changes. Nearest precomputes a source index per
// output index and axis and gathers whole elements; linear and cubic precompute each axis's
// taps and run rows of the contiguous inner block through them (which vectorises), splitting
// rows across the pool.
#include <algorithm>
#include <cstring>

#include "kernels/config/thread_pool.h"
#include "kernels/resample/resize.h"

namespace aivm::kernels {
namespace {

// One axis's taps as flat tables: |n| taps per output index.
struct AxisTable {
  int64_t n = 0;
  std::vector<int64_t> index;
  std::vector<float> weight;
  std::vector<uint8_t> outside;
};

AxisTable axis_table(const ResizeParams& p, int k) {
  AxisTable t;
  int64_t out = p.y.dims[k];
  ResizeTaps taps;
  t.outside.resize(size_t(out));
  for (int64_t o = 0; o < out; ++o) {
    resize_axis_taps(p, k, o, &taps);
    t.outside[size_t(o)] = taps.outside;
    if (taps.outside) continue;
    if (t.n == 0) {
      t.n = int64_t(taps.index.size());
      t.index.resize(size_t(out * t.n), 0);
      t.weight.resize(size_t(out * t.n), 0.f);
    }
    // Every index of one axis has as many taps (the filter width depends on the scale only).
    std::copy(taps.index.begin(), taps.index.end(), t.index.begin() + o * t.n);
    std::copy(taps.weight.begin(), taps.weight.end(), t.weight.begin() + o * t.n);
  }
  return t;
}

void copy_elem(uint8_t* dst, const uint8_t* src, size_t elem) {
  switch (elem) {
    case 1: *dst = *src; break;
    case 2: std::memcpy(dst, src, 2); break;
    case 4: std::memcpy(dst, src, 4); break;
    case 8: std::memcpy(dst, src, 8); break;
    default: std::memcpy(dst, src, elem); break;
  }
}

void resize_nearest(const ResizeParams& p, size_t elem, const uint8_t* x, uint8_t* y, ThreadPool* pool) {
  const int rank = p.x.rank;
  // offset[k][o]: the element offset output index o on axis k reads, or -1 (extrapolate).
  std::vector<int64_t> offset[kMaxRank];
  int64_t stride = 1;
  for (int k = rank - 1; k >= 0; --k) {
    AxisTable t = axis_table(p, k);
    offset[k].resize(size_t(p.y.dims[k]));
    for (int64_t o = 0; o < p.y.dims[k]; ++o)
      offset[k][size_t(o)] = t.outside[size_t(o)] ? -1 : t.index[size_t(o)] * stride;
    stride *= p.x.dims[k];
  }
  const int64_t row = rank ? p.y.dims[rank - 1] : 1;
  const int64_t rows = row ? p.y.num_elements() / row : 0;
  parallel_for(pool, rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t base = 0;
      bool outside = false;
      for (int64_t k = rank - 2, rest = r; k >= 0; --k) {
        int64_t off = offset[k][size_t(rest % p.y.dims[k])];
        rest /= p.y.dims[k];
        outside |= off < 0;
        base += off;
      }
      uint8_t* dst = y + size_t(r * row) * elem;
      for (int64_t j = 0; j < row; ++j) {
        int64_t off = rank ? offset[rank - 1][size_t(j)] : 0;
        if (outside || off < 0) std::memcpy(dst + size_t(j) * elem, &p.extrapolation, sizeof(float));
        else copy_elem(dst + size_t(j) * elem, x + size_t(base + off) * elem, elem);
      }
    }
  });
}

// y[o, j, i] = sum_t w[j, t] x[o, index[j, t], i] over [outer, in, inner] -> [outer, out, inner].
void resample_axis(const AxisTable& t, int64_t outer, int64_t in, int64_t out, int64_t inner, float extrapolation,
                   const float* x, float* y, ThreadPool* pool) {
  parallel_for(pool, outer * out, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t o = r / out, j = r % out;
      float* dst = y + r * inner;
      if (t.outside[size_t(j)]) {
        std::fill(dst, dst + inner, extrapolation);
        continue;
      }
      const float* src = x + o * in * inner;
      const int64_t* idx = t.index.data() + j * t.n;
      const float* w = t.weight.data() + j * t.n;
      const float* s0 = src + idx[0] * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = w[0] * s0[i];
      for (int64_t tap = 1; tap < t.n; ++tap) {
        if (w[tap] == 0.f) continue;
        const float* s = src + idx[tap] * inner;
        const float wt = w[tap];
        for (int64_t i = 0; i < inner; ++i) dst[i] += wt * s[i];
      }
    }
  });
}

void resize_filtered(const ResizeParams& p, const float* x, float* y, ThreadPool* pool) {
  const int rank = p.x.rank;
  int todo[kMaxRank], count = 0;
  for (int k = 0; k < rank; ++k)
    if (!resize_axis_is_identity(p, k)) todo[count++] = k;
  if (count == 0) {
    std::memcpy(y, x, size_t(p.x.num_elements()) * sizeof(float));
    return;
  }
  Shape cur = p.x;
  std::vector<float> buffers[2];
  const float* src = x;
  for (int step = 0; step < count; ++step) {
    int k = todo[step];
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < k; ++i) outer *= cur.dims[i];
    for (int i = k + 1; i < rank; ++i) inner *= cur.dims[i];
    float* dst = y;
    if (step + 1 < count) {
      buffers[step & 1].resize(size_t(outer * p.y.dims[k] * inner));
      dst = buffers[step & 1].data();
    }
    resample_axis(axis_table(p, k), outer, cur.dims[k], p.y.dims[k], inner, p.extrapolation, src, dst, pool);
    cur.dims[k] = p.y.dims[k];
    src = dst;
  }
}

}  // namespace

void resize(const ResizeParams& p, size_t elem, const void* x, void* y, ThreadPool* pool) {
  if (p.y.num_elements() == 0) return;
  if (p.mode == ResizeMode::Nearest)
    resize_nearest(p, elem, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), pool);
  else
    resize_filtered(p, static_cast<const float*>(x), static_cast<float*>(y), pool);
}

}  // namespace aivm::kernels
