// Scalar reference elementwise kernels: the test oracle for the fast paths. One element at a
// time, broadcasting by explicit multi-index, kinds dispatched per element.
#include <cassert>
#include <cstring>

#include "kernels/elementwise/scalar_ops.h"

namespace aivm::kernels {
namespace {

using namespace ew;

// Offset into an operand of shape s for y's multi-index idx (right-aligned, size-1 dims repeat).
int64_t broadcast_offset(const Shape& y, const int64_t* idx, const Shape& s) {
  assert(s.rank <= y.rank);
  int64_t off = 0;
  int shift = y.rank - s.rank;
  for (int d = 0; d < s.rank; ++d) {
    assert(s.dims[d] == 1 || s.dims[d] == y.dims[d + shift]);
    off = off * s.dims[d] + (s.dims[d] == 1 ? 0 : idx[d + shift]);
  }
  return off;
}

// Calls f(i, idx) for every flat index i of y with its multi-index.
template <typename F>
void for_each_index(const Shape& y, F&& f) {
  int64_t idx[kMaxRank] = {};
  int64_t total = y.num_elements();
  for (int64_t i = 0; i < total; ++i) {
    int64_t rem = i;
    for (int d = y.rank - 1; d >= 0; --d) {
      idx[d] = rem % y.dims[d];
      rem /= y.dims[d];
    }
    f(i, idx);
  }
}

template <DType D>
elem_t<D> binary_scalar(BinaryOp op, elem_t<D> a, elem_t<D> b) {
  elem_t<D> r{};
  dispatch_binary(op, [&](auto k) {
    if constexpr (binary_valid(k, D)) r = binary_op<k, D>(a, b);
  });
  return r;
}

}  // namespace

//===----------------------------------------------------------------------===//
// Support rules
//===----------------------------------------------------------------------===//

bool unary_supports(UnaryOp op, DType dtype) { return unary_valid(op, dtype); }
bool binary_supports(BinaryOp op, DType dtype) { return binary_valid(op, dtype); }
bool compare_supports(CompareOp op, DType dtype) { return op < CompareOp::kCount && compare_valid(dtype); }
bool nary_supports(NaryOp op, DType dtype) {
  if (op == NaryOp::Mean) return is_float(dtype);
  return op < NaryOp::kCount && (is_float(dtype) || is_integer(dtype));
}
bool clip_supports(DType dtype) { return is_float(dtype) || is_integer(dtype); }
bool cast_supports(DType from, DType to) {
  auto known = [](DType d) { return d != DType::Undefined && dtype_size(d) != 0; };
  return known(from) && known(to);
}

//===----------------------------------------------------------------------===//
// References
//===----------------------------------------------------------------------===//

void unary_reference(UnaryOp op, DType dtype, int64_t n, const void* x, void* y) {
  assert(unary_supports(op, dtype));
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    const T* X = static_cast<const T*>(x);
    T* Y = static_cast<T*>(y);
    for (int64_t i = 0; i < n; ++i)
      dispatch_unary(op, [&](auto k) {
        if constexpr (unary_valid(k, d)) Y[i] = unary_op<k, d>(X[i]);
      });
  });
}

void binary_reference(BinaryOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b,
                      const void* B, void* Y) {
  assert(binary_supports(op, dtype));
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    const T *pa = static_cast<const T*>(A), *pb = static_cast<const T*>(B);
    T* py = static_cast<T*>(Y);
    for_each_index(y, [&](int64_t i, const int64_t* idx) {
      py[i] = binary_scalar<d>(op, pa[broadcast_offset(y, idx, a)], pb[broadcast_offset(y, idx, b)]);
    });
  });
}

void compare_reference(CompareOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b,
                       const void* B, uint8_t* Y) {
  assert(compare_supports(op, dtype));
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    const T *pa = static_cast<const T*>(A), *pb = static_cast<const T*>(B);
    for_each_index(y, [&](int64_t i, const int64_t* idx) {
      T va = pa[broadcast_offset(y, idx, a)], vb = pb[broadcast_offset(y, idx, b)];
      dispatch_compare(op, [&](auto k) {
        if constexpr (compare_valid(d)) Y[i] = compare_op<k, d>(va, vb);
      });
    });
  });
}

void nary_reference(NaryOp op, DType dtype, const Shape& y, int n, const Shape* shapes, const void* const* data,
                    void* Y) {
  assert(n >= 2 && nary_supports(op, dtype));
  const BinaryOp fold = op == NaryOp::Max ? BinaryOp::Max : op == NaryOp::Min ? BinaryOp::Min : BinaryOp::Add;
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    T* py = static_cast<T*>(Y);
    for_each_index(y, [&](int64_t i, const int64_t* idx) {
      T acc = static_cast<const T*>(data[0])[broadcast_offset(y, idx, shapes[0])];
      for (int k = 1; k < n; ++k)
        acc = binary_scalar<d>(fold, acc, static_cast<const T*>(data[k])[broadcast_offset(y, idx, shapes[k])]);
      if constexpr (is_float(d))
        if (op == NaryOp::Mean) acc = store<d>(load<d>(acc) / compute_t<d>(n));
      py[i] = acc;
    });
  });
}

void where_reference(size_t elem_size, const Shape& y, const Shape& c, const uint8_t* C, const Shape& a, const void* A,
                     const Shape& b, const void* B, void* Y) {
  const uint8_t *pa = static_cast<const uint8_t*>(A), *pb = static_cast<const uint8_t*>(B);
  uint8_t* py = static_cast<uint8_t*>(Y);
  for_each_index(y, [&](int64_t i, const int64_t* idx) {
    const uint8_t* src = C[broadcast_offset(y, idx, c)] ? pa + broadcast_offset(y, idx, a) * int64_t(elem_size)
                                                        : pb + broadcast_offset(y, idx, b) * int64_t(elem_size);
    std::memcpy(py + i * int64_t(elem_size), src, elem_size);
  });
}

void clip_reference(DType dtype, int64_t n, const void* x, const void* lo, const void* hi, void* y) {
  assert(clip_supports(dtype));
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    const T *X = static_cast<const T*>(x), l = *static_cast<const T*>(lo), h = *static_cast<const T*>(hi);
    T* Y = static_cast<T*>(y);
    if constexpr (is_float(d) || is_integer(d))
      for (int64_t i = 0; i < n; ++i) Y[i] = clip_op<d>(X[i], l, h);
  });
}

void cast_reference(DType from, DType to, int64_t n, const void* x, void* y, uint32_t options) {
  assert(cast_supports(from, to));
  if (options & kCastBitwise) {
    if (n) std::memcpy(y, x, size_t(n) * dtype_size(from));
    return;
  }
  const CastMode mode = cast_mode(options);
  dispatch_dtype(from, [&](auto f) {
    dispatch_dtype(to, [&](auto t) {
      const elem_t<f>* X = static_cast<const elem_t<f>*>(x);
      elem_t<t>* Y = static_cast<elem_t<t>*>(y);
      for (int64_t i = 0; i < n; ++i) Y[i] = convert<f, t>(X[i], mode);
    });
  });
}

void activation_f32_reference(const Activation& act, int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i)
    dispatch_activation(act.kind, [&](auto k) { y[i] = activation_op<k>(x[i], act.p0, act.p1); });
}

}  // namespace aivm::kernels
