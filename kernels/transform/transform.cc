// Data-movement kernels: every op is phrased as a strided copy (coalesced, then an odometer over
// the outer axes with a contiguous or strided inner run), except pad's reflect/edge modes,
// gather, gather_elements and trilu, which map indices themselves.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/transform/transform.h"

#include "kernels/config/thread_pool.h"

namespace aivm::kernels {
namespace {

//===----------------------------------------------------------------------===//
// Strided copy
//===----------------------------------------------------------------------===//

// Drops extent-1 axes and merges neighbours that are contiguous on both sides. Returns false
// when there is nothing to copy (an extent is 0).
bool coalesce(const StridedCopy& in, StridedCopy* out) {
  *out = StridedCopy{};
  out->src_offset = in.src_offset;
  out->dst_offset = in.dst_offset;
  for (int k = 0; k < in.rank; ++k) {
    if (in.dims[k] == 0) return false;
    if (in.dims[k] == 1) continue;
    int r = out->rank;
    if (r > 0 && out->src_stride[r - 1] == in.src_stride[k] * in.dims[k] &&
        out->dst_stride[r - 1] == in.dst_stride[k] * in.dims[k]) {
      out->dims[r - 1] *= in.dims[k];
      out->src_stride[r - 1] = in.src_stride[k];
      out->dst_stride[r - 1] = in.dst_stride[k];
      continue;
    }
    out->dims[r] = in.dims[k];
    out->src_stride[r] = in.src_stride[k];
    out->dst_stride[r] = in.dst_stride[k];
    out->rank = r + 1;
  }
  if (out->rank == 0) {  // a single element
    out->rank = 1;
    out->dims[0] = 1;
  }
  return true;
}

template <typename T>
void copy_runs(const StridedCopy& p, const T* x, T* y) {
  const int last = p.rank - 1;
  const int64_t n = p.dims[last], ss = p.src_stride[last], ds = p.dst_stride[last];
  int64_t outer = 1;
  for (int k = 0; k < last; ++k) outer *= p.dims[k];
  int64_t idx[kMaxCopyRank] = {};
  int64_t so = p.src_offset, dof = p.dst_offset;
  for (int64_t o = 0; o < outer; ++o) {
    const T* s = x + so;
    T* d = y + dof;
    if (ss == 1 && ds == 1) {
      std::memcpy(d, s, size_t(n) * sizeof(T));
    } else if (ss == 0) {
      for (int64_t j = 0; j < n; ++j) d[j * ds] = s[0];
    } else {
      for (int64_t j = 0; j < n; ++j) d[j * ds] = s[j * ss];
    }
    for (int k = last - 1; k >= 0; --k) {  // odometer over the outer axes
      so += p.src_stride[k];
      dof += p.dst_stride[k];
      if (++idx[k] < p.dims[k]) break;
      so -= p.src_stride[k] * p.dims[k];
      dof -= p.dst_stride[k] * p.dims[k];
      idx[k] = 0;
    }
  }
}

void dense_strides(const Shape& s, int64_t* strides) {
  int64_t st = 1;
  for (int k = s.rank - 1; k >= 0; --k) {
    strides[k] = st;
    st *= s.dims[k];
  }
}

// Copies |n| elements of |elem| bytes from x[xi] to y[yi] (element indices).
inline void copy_elems(const void* x, int64_t xi, void* y, int64_t yi, int64_t n, size_t elem) {
  std::memcpy(static_cast<uint8_t*>(y) + size_t(yi) * elem, static_cast<const uint8_t*>(x) + size_t(xi) * elem,
              size_t(n) * elem);
}
inline void zero_elems(void* y, int64_t yi, int64_t n, size_t elem) {
  std::memset(static_cast<uint8_t*>(y) + size_t(yi) * elem, 0, size_t(n) * elem);
}

// The |count| index values as int64 (one at a time, so a huge tensor is never converted whole).
inline int64_t index_at(const void* idx, bool idx64, int64_t i) {
  return idx64 ? static_cast<const int64_t*>(idx)[i] : static_cast<const int32_t*>(idx)[i];
}

// A negative index wraps once; -1 when it is still outside [0, n).
inline int64_t checked_index(int64_t v, int64_t n) {
  if (v < 0) v += n;
  return v >= 0 && v < n ? v : -1;
}

}  // namespace

void strided_copy(const StridedCopy& p, size_t elem, const void* x, void* y) {
  assert(p.rank >= 0 && p.rank <= kMaxCopyRank);
  StridedCopy c;
  if (!coalesce(p, &c)) return;
  switch (elem) {
    case 1: copy_runs(c, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y)); break;
    case 2: copy_runs(c, static_cast<const uint16_t*>(x), static_cast<uint16_t*>(y)); break;
    case 4: copy_runs(c, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y)); break;
    case 8: copy_runs(c, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(y)); break;
    default: assert(false && "element size must be 1, 2, 4 or 8");
  }
}

//===----------------------------------------------------------------------===//
// Ops built on the strided copy
//===----------------------------------------------------------------------===//

void transpose(const Shape& view, const int32_t* perm, size_t elem, const void* x, void* y) {
  int64_t vs[kMaxRank];
  dense_strides(view, vs);
  StridedCopy p;
  p.rank = view.rank;
  int64_t st = 1;
  for (int i = view.rank - 1; i >= 0; --i) {
    p.dims[i] = view.dims[perm[i]];
    p.src_stride[i] = vs[perm[i]];
    p.dst_stride[i] = st;
    st *= p.dims[i];
  }
  strided_copy(p, elem, x, y);
}

void slice(const Shape& x, const Shape& y, const int64_t* start, const int64_t* step, size_t elem, const void* xp,
           void* yp) {
  int64_t xs[kMaxRank], ys[kMaxRank];
  dense_strides(x, xs);
  dense_strides(y, ys);
  StridedCopy p;
  p.rank = y.rank;
  for (int k = 0; k < y.rank; ++k) {
    p.dims[k] = y.dims[k];
    p.src_stride[k] = xs[k] * step[k];
    p.dst_stride[k] = ys[k];
    if (y.dims[k] > 0) p.src_offset += start[k] * xs[k];
  }
  strided_copy(p, elem, xp, yp);
}

void expand(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp) {
  int64_t xs[kMaxRank], ys[kMaxRank];
  dense_strides(x, xs);
  dense_strides(y, ys);
  StridedCopy p;
  p.rank = y.rank;
  for (int k = 0; k < y.rank; ++k) {
    int xk = k - (y.rank - x.rank);
    p.dims[k] = y.dims[k];
    p.src_stride[k] = xk < 0 || x.dims[xk] == 1 ? 0 : xs[xk];
    p.dst_stride[k] = ys[k];
  }
  strided_copy(p, elem, xp, yp);
}

void tile(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp) {
  if (x.num_elements() == 0 || y.num_elements() == 0) return;
  int64_t xs[kMaxRank], ys[kMaxRank];
  dense_strides(x, xs);
  dense_strides(y, ys);
  StridedCopy p;  // each axis as (repeat, extent): y[r * d + i] = x[i]
  p.rank = 2 * y.rank;
  for (int k = 0; k < y.rank; ++k) {
    p.dims[2 * k] = y.dims[k] / x.dims[k];
    p.src_stride[2 * k] = 0;
    p.dst_stride[2 * k] = x.dims[k] * ys[k];
    p.dims[2 * k + 1] = x.dims[k];
    p.src_stride[2 * k + 1] = xs[k];
    p.dst_stride[2 * k + 1] = ys[k];
  }
  strided_copy(p, elem, xp, yp);
}

void concat_part(const Shape& part, const Shape& y, int axis, int64_t offset, size_t elem, const void* xp, void* yp) {
  StridedCopy p;
  p.rank = part.rank;
  dense_strides(part, p.src_stride);
  dense_strides(y, p.dst_stride);
  for (int k = 0; k < part.rank; ++k) p.dims[k] = part.dims[k];
  p.dst_offset = offset * p.dst_stride[axis];
  strided_copy(p, elem, xp, yp);
}

void split_part(const Shape& x, const Shape& part, int axis, int64_t offset, size_t elem, const void* xp, void* yp) {
  StridedCopy p;
  p.rank = part.rank;
  dense_strides(x, p.src_stride);
  dense_strides(part, p.dst_stride);
  for (int k = 0; k < part.rank; ++k) p.dims[k] = part.dims[k];
  p.src_offset = offset * p.src_stride[axis];
  strided_copy(p, elem, xp, yp);
}

namespace {

// Concat and split as one byte stream: the whole, in memory order, is for each outer index
// (the axes before |axis|) each part's contiguous block in turn, so a range of the whole's
// bytes is a run of block pieces found by division. |to_whole| copies parts -> whole.
void move_parts(int n, const Shape* parts, uint8_t* const* part_data, const Shape& whole, uint8_t* whole_data,
                int axis, size_t elem, bool to_whole, ThreadPool* pool) {
  assert(n >= 0 && n <= kMaxConcatParts);
  constexpr int64_t kMinChunkBytes = 64 << 10;  // ~5 us of copying: below, a handoff costs more
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= whole.dims[k];
  for (int k = axis + 1; k < whole.rank; ++k) inner *= whole.dims[k];
  const int64_t row = whole.dims[axis] * inner * int64_t(elem);  // bytes per outer index
  const int64_t total = outer * row;
  if (total == 0) return;
  int64_t start[kMaxConcatParts + 1];  // byte offset of each part's block in a row; the row's end
  start[0] = 0;
  for (int i = 0; i < n; ++i) start[i + 1] = start[i] + parts[i].dims[axis] * inner * int64_t(elem);
  // Bytes [b, end) of the whole, to or from the parts' blocks.
  auto move_range = [&](int64_t b, int64_t end) {
    int64_t o = b / row, in_row = b % row;
    int i = 0;
    while (start[i + 1] <= in_row) ++i;
    while (b < end) {
      const int64_t block = start[i + 1] - start[i], in_block = in_row - start[i];
      const int64_t len = std::min(block - in_block, end - b);
      uint8_t* part = part_data[i] + o * block + in_block;
      uint8_t* w = whole_data + b;
      if (to_whole) {
        std::memcpy(w, part, size_t(len));
      } else {
        std::memcpy(part, w, size_t(len));
      }
      b += len;
      in_row += len;
      // Past the finished block and any empty ones; the row ends with its last part.
      while (b < end && in_row == start[i + 1]) {
        if (++i == n) {
          i = 0;
          in_row = 0;
          ++o;
        }
      }
    }
  };
  const int64_t chunks = total / kMinChunkBytes;
  if (!pool || pool->num_threads() == 1 || chunks < 2) return move_range(0, total);
  const int64_t tasks = std::min<int64_t>(chunks, 4 * pool->num_threads());
  parallel_for(pool, tasks, [&](int64_t t0, int64_t t1) { move_range(total * t0 / tasks, total * t1 / tasks); });
}

}  // namespace

void concat(int n, const Shape* parts, const void* const* part_data, const Shape& y, int axis, size_t elem, void* yp,
            ThreadPool* pool) {
  move_parts(n, parts, const_cast<uint8_t* const*>(reinterpret_cast<const uint8_t* const*>(part_data)), y,
             static_cast<uint8_t*>(yp), axis, elem, true, pool);
}

void split(const Shape& x, const void* xp, int n, const Shape* parts, void* const* part_data, int axis, size_t elem,
           ThreadPool* pool) {
  move_parts(n, parts, reinterpret_cast<uint8_t* const*>(part_data), x,
             static_cast<uint8_t*>(const_cast<void*>(xp)), axis, elem, false, pool);
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

namespace {

void fill_value(void* y, int64_t n, const void* value, size_t elem) {
  uint8_t* d = static_cast<uint8_t*>(y);
  for (int64_t i = 0; i < n; ++i) std::memcpy(d + size_t(i) * elem, value, elem);
}

// Source index along one axis of extent n >= 1 for output index i (reflect is periodic, so
// any pad amount stays inside [0, n)).
inline int64_t pad_source(int64_t i, int64_t begin, int64_t n, PadMode mode) {
  int64_t j = i - begin;
  if (j >= 0 && j < n) return j;
  if (mode == PadMode::Edge || n == 1) return j < 0 ? 0 : n - 1;
  if (mode == PadMode::Wrap) return (j % n + n) % n;
  int64_t period = 2 * (n - 1);
  j %= period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

void pad_constant(const Shape& x, const Shape& y, const int64_t* begin, const void* value, size_t elem,
                  const void* xp, void* yp) {
  fill_value(yp, y.num_elements(), value, elem);
  StridedCopy p;  // the part of y that x covers
  p.rank = y.rank;
  int64_t xs[kMaxRank], ys[kMaxRank];
  dense_strides(x, xs);
  dense_strides(y, ys);
  for (int k = 0; k < y.rank; ++k) {
    int64_t lo = std::max<int64_t>(0, begin[k]), hi = std::min<int64_t>(y.dims[k], begin[k] + x.dims[k]);
    if (hi <= lo) return;
    p.dims[k] = hi - lo;
    p.src_stride[k] = xs[k];
    p.dst_stride[k] = ys[k];
    p.src_offset += (lo - begin[k]) * xs[k];
    p.dst_offset += lo * ys[k];
  }
  strided_copy(p, elem, xp, yp);
}

}  // namespace

void pad(const Shape& x, const Shape& y, const int64_t* begin, PadMode mode, const void* value, size_t elem,
         const void* xp, void* yp) {
  if (mode == PadMode::Constant) return pad_constant(x, y, begin, value, elem, xp, yp);
  if (x.num_elements() == 0) {  // nothing to reflect or extend: rejected by the verifier
    zero_elems(yp, 0, y.num_elements(), elem);
    return;
  }
  if (y.num_elements() == 0) return;
  int64_t xs[kMaxRank];
  dense_strides(x, xs);
  const int last = y.rank - 1;
  const int64_t n = y.dims[last];
  int64_t idx[kMaxRank] = {}, rows = 1;
  for (int k = 0; k < last; ++k) rows *= y.dims[k];
  for (int64_t r = 0, yi = 0; r < rows; ++r) {
    int64_t base = 0;
    for (int k = 0; k < last; ++k) base += pad_source(idx[k], begin[k], x.dims[k], mode) * xs[k];
    for (int64_t j = 0; j < n; ++j, ++yi) copy_elems(xp, base + pad_source(j, begin[last], x.dims[last], mode), yp, yi, 1, elem);
    for (int k = last - 1; k >= 0; --k) {
      if (++idx[k] < y.dims[k]) break;
      idx[k] = 0;
    }
  }
}

//===----------------------------------------------------------------------===//
// Indexing: gather, gather_elements, trilu
//===----------------------------------------------------------------------===//

void gather(int64_t outer, int64_t n, int64_t inner, const void* idx, bool idx64, int64_t count, size_t elem,
            const void* xp, void* yp) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < count; ++j) {
      int64_t v = checked_index(index_at(idx, idx64, j), n);
      int64_t yi = (o * count + j) * inner;
      if (v < 0)
        zero_elems(yp, yi, inner, elem);
      else
        copy_elems(xp, (o * n + v) * inner, yp, yi, inner, elem);
    }
  }
}

void gather_elements(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64, size_t elem,
                     const void* xp, void* yp) {
  const int64_t total = idx_shape.num_elements();
  if (total == 0) return;
  int64_t xs[kMaxRank];
  dense_strides(x, xs);
  int64_t at[kMaxRank] = {};
  int64_t base = 0;  // x offset of the current index without the axis term
  for (int64_t i = 0; i < total; ++i) {
    int64_t v = checked_index(index_at(idx, idx64, i), x.dims[axis]);
    if (v < 0)
      zero_elems(yp, i, 1, elem);
    else
      copy_elems(xp, base + v * xs[axis], yp, i, 1, elem);
    for (int k = idx_shape.rank - 1; k >= 0; --k) {
      if (k != axis) base += xs[k];
      if (++at[k] < idx_shape.dims[k]) break;
      if (k != axis) base -= xs[k] * idx_shape.dims[k];
      at[k] = 0;
    }
  }
}

void trilu(const Shape& x, bool upper, int64_t k, size_t elem, const void* xp, void* yp) {
  assert(x.rank >= 2);
  const int64_t rows = x.dims[x.rank - 2], cols = x.dims[x.rank - 1];
  int64_t batch = 1;
  for (int i = 0; i < x.rank - 2; ++i) batch *= x.dims[i];
  k = std::clamp<int64_t>(k, -(rows + 1), cols + 1);  // beyond that every row is all or nothing
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < rows; ++i) {
      int64_t row = (b * rows + i) * cols;
      // Kept columns: [i + k, cols) for upper, [0, i + k] for lower.
      int64_t lo = upper ? std::clamp<int64_t>(i + k, 0, cols) : 0;
      int64_t hi = upper ? cols : std::clamp<int64_t>(i + k + 1, 0, cols);
      zero_elems(yp, row, cols, elem);
      if (hi > lo) copy_elems(xp, row + lo, yp, row + lo, hi - lo, elem);
    }
  }
}

}  // namespace aivm::kernels
