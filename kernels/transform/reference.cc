// Scalar references of the data-movement kernels (the test oracle): each output element's
// multi-index is decoded from scratch and its source computed straight from the op's definition.
#include <cstring>

#include "kernels/transform/transform.h"

namespace aivm::kernels {
namespace {

// Multi-index of flat index |i| in |s| (row-major).
void unravel(const Shape& s, int64_t i, int64_t* at) {
  for (int k = s.rank - 1; k >= 0; --k) {
    at[k] = s.dims[k] ? i % s.dims[k] : 0;
    i = s.dims[k] ? i / s.dims[k] : 0;
  }
}

int64_t ravel(const Shape& s, const int64_t* at) {
  int64_t i = 0;
  for (int k = 0; k < s.rank; ++k) i = i * s.dims[k] + at[k];
  return i;
}

void put(void* y, int64_t yi, const void* x, int64_t xi, size_t elem) {
  std::memcpy(static_cast<uint8_t*>(y) + size_t(yi) * elem, static_cast<const uint8_t*>(x) + size_t(xi) * elem, elem);
}
void put_zero(void* y, int64_t yi, size_t elem) { std::memset(static_cast<uint8_t*>(y) + size_t(yi) * elem, 0, elem); }

int64_t wrap(int64_t v, int64_t n) { return v < 0 ? v + n : v; }

}  // namespace

void transpose_reference(const Shape& view, const int32_t* perm, size_t elem, const void* x, void* y) {
  Shape out;
  out.rank = view.rank;
  for (int i = 0; i < view.rank; ++i) out.dims[i] = view.dims[perm[i]];
  int64_t at[kMaxRank], src[kMaxRank];
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    unravel(out, i, at);
    for (int k = 0; k < view.rank; ++k) src[perm[k]] = at[k];
    put(y, i, x, ravel(view, src), elem);
  }
}

void slice_reference(const Shape& x, const Shape& y, const int64_t* start, const int64_t* step, size_t elem,
                     const void* xp, void* yp) {
  int64_t at[kMaxRank];
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    unravel(y, i, at);
    for (int k = 0; k < y.rank; ++k) at[k] = start[k] + at[k] * step[k];
    put(yp, i, xp, ravel(x, at), elem);
  }
}

void expand_reference(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp) {
  int64_t at[kMaxRank], src[kMaxRank];
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    unravel(y, i, at);
    for (int k = 0; k < x.rank; ++k) src[k] = x.dims[k] == 1 ? 0 : at[k + y.rank - x.rank];
    put(yp, i, xp, ravel(x, src), elem);
  }
}

void tile_reference(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp) {
  int64_t at[kMaxRank];
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    unravel(y, i, at);
    for (int k = 0; k < y.rank; ++k) at[k] %= x.dims[k];
    put(yp, i, xp, ravel(x, at), elem);
  }
}

void pad_reference(const Shape& x, const Shape& y, const int64_t* begin, PadMode mode, const void* value,
                   size_t elem, const void* xp, void* yp) {
  int64_t at[kMaxRank];
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    unravel(y, i, at);
    bool inside = true;
    for (int k = 0; k < y.rank; ++k) {
      int64_t j = at[k] - begin[k], n = x.dims[k];
      if (mode == PadMode::Edge) j = j < 0 ? 0 : j >= n ? n - 1 : j;
      while (mode == PadMode::Reflect && n > 1 && (j < 0 || j >= n)) j = j < 0 ? -j : 2 * (n - 1) - j;
      if (mode == PadMode::Reflect && n == 1) j = 0;
      while (mode == PadMode::Wrap && (j < 0 || j >= n)) j += j < 0 ? n : -n;
      inside = inside && j >= 0 && j < n;
      at[k] = j;
    }
    if (inside)
      put(yp, i, xp, ravel(x, at), elem);
    else
      std::memcpy(static_cast<uint8_t*>(yp) + size_t(i) * elem, value, elem);
  }
}

void gather_reference(int64_t outer, int64_t n, int64_t inner, const void* idx, bool idx64, int64_t count,
                      size_t elem, const void* xp, void* yp) {
  for (int64_t i = 0; i < outer * count * inner; ++i) {
    int64_t o = i / (count * inner), j = i / inner % count, c = i % inner;
    int64_t v = wrap(idx64 ? static_cast<const int64_t*>(idx)[j] : static_cast<const int32_t*>(idx)[j], n);
    if (v >= 0 && v < n)
      put(yp, i, xp, (o * n + v) * inner + c, elem);
    else
      put_zero(yp, i, elem);
  }
}

void gather_elements_reference(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64,
                               size_t elem, const void* xp, void* yp) {
  int64_t at[kMaxRank];
  for (int64_t i = 0; i < idx_shape.num_elements(); ++i) {
    unravel(idx_shape, i, at);
    int64_t v = idx64 ? static_cast<const int64_t*>(idx)[i] : static_cast<const int32_t*>(idx)[i];
    at[axis] = wrap(v, x.dims[axis]);
    if (at[axis] >= 0 && at[axis] < x.dims[axis])
      put(yp, i, xp, ravel(x, at), elem);
    else
      put_zero(yp, i, elem);
  }
}

void trilu_reference(const Shape& x, bool upper, int64_t k, size_t elem, const void* xp, void* yp) {
  int64_t at[kMaxRank];
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    unravel(x, i, at);
    int64_t d = at[x.rank - 1] - at[x.rank - 2];  // j - i
    if (upper ? d >= k : d <= k)
      put(yp, i, xp, i, elem);
    else
      put_zero(yp, i, elem);
  }
}

}  // namespace aivm::kernels
