// scatter_elements, scatter_nd, gather_nd: one pass over the indices, each checked and wrapped
// (kernels/transform/scatter.h). Reductions are typed templates chosen once per call.
#include "kernels/transform/scatter.h"

#include <algorithm>
#include <cstring>

namespace aivm::kernels {
namespace {

int64_t index_at(const void* idx, bool idx64, int64_t i) {
  if (idx64) {
    int64_t v;
    std::memcpy(&v, static_cast<const uint8_t*>(idx) + i * 8, 8);
    return v;
  }
  int32_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(idx) + i * 4, 4);
  return v;
}

// |v| wrapped once into [0, n), or -1 when outside.
int64_t wrap(int64_t v, int64_t n) {
  if (v < 0) v += n;
  return v >= 0 && v < n ? v : -1;
}

template <typename T>
void fold(ScatterReduce r, T* dst, const T* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    switch (r) {
      case ScatterReduce::Add: dst[i] = T(dst[i] + src[i]); break;
      case ScatterReduce::Mul: dst[i] = T(dst[i] * src[i]); break;
      case ScatterReduce::Max: dst[i] = std::max(dst[i], src[i]); break;
      case ScatterReduce::Min: dst[i] = std::min(dst[i], src[i]); break;
      default: dst[i] = src[i]; break;
    }
  }
}

// y[dst..dst+n) op= updates[src..src+n), elements of |dtype|.
void apply(ScatterReduce r, DType dtype, void* y, int64_t dst, const void* updates, int64_t src, int64_t n) {
  auto* yb = static_cast<uint8_t*>(y);
  auto* ub = static_cast<const uint8_t*>(updates);
  const size_t elem = dtype_size(dtype);
  if (r == ScatterReduce::None) {
    std::memcpy(yb + size_t(dst) * elem, ub + size_t(src) * elem, size_t(n) * elem);
    return;
  }
  switch (dtype) {
    case DType::F32: fold(r, reinterpret_cast<float*>(yb) + dst, reinterpret_cast<const float*>(ub) + src, n); break;
    case DType::I32: fold(r, reinterpret_cast<int32_t*>(yb) + dst, reinterpret_cast<const int32_t*>(ub) + src, n); break;
    case DType::I64: fold(r, reinterpret_cast<int64_t*>(yb) + dst, reinterpret_cast<const int64_t*>(ub) + src, n); break;
    default: break;  // not reached: scatter_supports() was checked
  }
}

void dense_strides(const Shape& s, int64_t* st) {
  int64_t v = 1;
  for (int k = s.rank - 1; k >= 0; --k) st[k] = v, v *= s.dims[k];
}

}  // namespace

bool scatter_supports(ScatterReduce r, DType dtype) {
  if (r == ScatterReduce::None) return dtype_size(dtype) > 0;
  return dtype == DType::F32 || dtype == DType::I32 || dtype == DType::I64;
}

void scatter_elements(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64,
                      const void* updates, ScatterReduce r, DType dtype, const void* xp, void* yp) {
  std::memcpy(yp, xp, size_t(x.num_elements()) * dtype_size(dtype));
  const int64_t total = idx_shape.num_elements();
  int64_t xs[kMaxRank], at[kMaxRank] = {};
  dense_strides(x, xs);
  int64_t base = 0;  // y offset of the current index without the axis term
  for (int64_t i = 0; i < total; ++i) {
    int64_t v = wrap(index_at(idx, idx64, i), x.dims[axis]);
    if (v >= 0) apply(r, dtype, yp, base + v * xs[axis], updates, i, 1);
    for (int k = idx_shape.rank - 1; k >= 0; --k) {
      if (k != axis) base += xs[k];
      if (++at[k] < idx_shape.dims[k]) break;
      if (k != axis) base -= xs[k] * idx_shape.dims[k];
      at[k] = 0;
    }
  }
}

void scatter_nd(const Shape& x, int64_t rows, int k, const void* idx, bool idx64, const void* updates,
                ScatterReduce r, DType dtype, const void* xp, void* yp) {
  std::memcpy(yp, xp, size_t(x.num_elements()) * dtype_size(dtype));
  int64_t xs[kMaxRank];
  dense_strides(x, xs);
  int64_t slice = 1;
  for (int a = k; a < x.rank; ++a) slice *= x.dims[a];
  for (int64_t j = 0; j < rows; ++j) {
    int64_t off = 0;
    bool inside = true;
    for (int a = 0; a < k; ++a) {
      int64_t v = wrap(index_at(idx, idx64, j * k + a), x.dims[a]);
      inside &= v >= 0;
      off += (v < 0 ? 0 : v) * xs[a];
    }
    if (inside) apply(r, dtype, yp, off, updates, j * slice, slice);
  }
}

void gather_nd(const Shape& x, int batch_dims, int64_t batch, int64_t rows, int k, const void* idx, bool idx64,
               int64_t slice, size_t elem, const void* xp, void* yp) {
  int64_t xs[kMaxRank];
  dense_strides(x, xs);
  const int64_t batch_stride = batch_dims > 0 ? xs[batch_dims - 1] : x.num_elements();
  auto* y = static_cast<uint8_t*>(yp);
  auto* src = static_cast<const uint8_t*>(xp);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t row = b * rows + j;
      int64_t off = b * batch_stride;
      bool inside = true;
      for (int a = 0; a < k; ++a) {
        int64_t v = wrap(index_at(idx, idx64, row * k + a), x.dims[batch_dims + a]);
        inside &= v >= 0;
        off += (v < 0 ? 0 : v) * xs[batch_dims + a];
      }
      uint8_t* dst = y + size_t(row * slice) * elem;
      if (inside) std::memcpy(dst, src + size_t(off) * elem, size_t(slice) * elem);
      else std::memset(dst, 0, size_t(slice) * elem);
    }
}

bool one_hot_index_supported(DType t) { return t == DType::I32 || t == DType::I64 || t == DType::F32; }

void one_hot(int64_t outer, int64_t depth, int64_t inner, const void* idx, DType idx_type, const void* values,
             size_t elem, void* yp) {
  auto* y = static_cast<uint8_t*>(yp);
  auto* off = static_cast<const uint8_t*>(values);
  const uint8_t* on = off + elem;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t at = o * inner + i;
      int64_t v;
      if (idx_type == DType::F32) {
        float f;
        std::memcpy(&f, static_cast<const uint8_t*>(idx) + at * 4, 4);
        // Truncated as ONNX casts; NaN and values beyond any depth match nothing.
        v = f == f && f > -9.2e18f && f < 9.2e18f ? int64_t(f) : -depth - 1;
      } else {
        v = index_at(idx, idx_type == DType::I64, at);
      }
      v = wrap(v, depth);
      for (int64_t d = 0; d < depth; ++d)
        std::memcpy(y + size_t((o * depth + d) * inner + i) * elem, d == v ? on : off, elem);
    }
}

}  // namespace aivm::kernels
