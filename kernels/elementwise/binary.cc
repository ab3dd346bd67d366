// Broadcasting fast paths: binary, compare, nary (a chain of binary passes) and where. Each
// coalesces y's shape (broadcast.h) and runs contiguous inner loops specialised on which
// operands are scalars within the run, so same-shape, scalar, row and channel broadcasts all
// become unit-stride loops.
#include <cassert>
#include <cstring>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/scalar_ops.h"

namespace aivm::kernels {
namespace {

using namespace ew;

// Y[i] = f(A[i * sa], B[i * sb]) for i < n, with sa, sb in {0, 1}.
template <typename TA, typename TY, typename F>
inline void inner2(int64_t n, const TA* A, int64_t sa, const TA* B, int64_t sb, TY* Y, F f) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) Y[i] = f(A[i], B[i]);
  } else if (sb) {
    const TA a = *A;
    for (int64_t i = 0; i < n; ++i) Y[i] = f(a, B[i]);
  } else if (sa) {
    const TA b = *B;
    for (int64_t i = 0; i < n; ++i) Y[i] = f(A[i], b);
  } else {
    const TY v = f(*A, *B);
    for (int64_t i = 0; i < n; ++i) Y[i] = v;
  }
}

// Y = f(A, B) broadcast to y, over the pool.
template <typename TA, typename TY, typename F>
void broadcast2(const Shape& y, const Shape& a, const TA* A, const Shape& b, const TA* B, TY* Y, ThreadPool* pool,
                F f) {
  const Shape* in[2] = {&a, &b};
  BroadcastPlan<2> p = make_plan(y, in);
  parallel_blocks(pool, y.num_elements(), [&](int64_t begin, int64_t end) {
    for_each_run(p, begin, end, [&](int64_t at, int64_t n, const int64_t* off, const int64_t* s) {
      inner2(n, A + off[0], s[0], B + off[1], s[1], Y + at, f);
    });
  });
}

template <typename T>
void where_typed(const Shape& y, const Shape& c, const uint8_t* C, const Shape& a, const T* A, const Shape& b,
                 const T* B, T* Y, ThreadPool* pool) {
  const Shape* in[3] = {&c, &a, &b};
  BroadcastPlan<3> p = make_plan(y, in);
  parallel_blocks(pool, y.num_elements(), [&](int64_t begin, int64_t end) {
    for_each_run(p, begin, end, [&](int64_t at, int64_t n, const int64_t* off, const int64_t* s) {
      const uint8_t* pc = C + off[0];
      const T *pa = A + off[1], *pb = B + off[2];
      T* py = Y + at;
      for (int64_t i = 0; i < n; ++i) py[i] = pc[i * s[0]] ? pa[i * s[1]] : pb[i * s[2]];
    });
  });
}

}  // namespace

void binary(BinaryOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b, const void* B,
            void* Y, ThreadPool* pool) {
  assert(binary_supports(op, dtype));
  if (y.num_elements() == 0) return;
  dispatch_dtype(dtype, [&](auto d) {
    dispatch_binary(op, [&](auto k) {
      if constexpr (binary_valid(k, d)) {
        using T = elem_t<d>;
        constexpr BinaryOp K = k;
        constexpr DType D = d;
        broadcast2(y, a, static_cast<const T*>(A), b, static_cast<const T*>(B), static_cast<T*>(Y), pool,
                   [](T u, T v) { return binary_op<K, D>(u, v); });
      }
    });
  });
}

void compare(CompareOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b, const void* B,
             uint8_t* Y, ThreadPool* pool) {
  assert(compare_supports(op, dtype));
  if (y.num_elements() == 0) return;
  dispatch_dtype(dtype, [&](auto d) {
    dispatch_compare(op, [&](auto k) {
      if constexpr (compare_valid(d)) {
        using T = elem_t<d>;
        constexpr CompareOp K = k;
        constexpr DType D = d;
        broadcast2(y, a, static_cast<const T*>(A), b, static_cast<const T*>(B), Y, pool,
                   [](T u, T v) { return compare_op<K, D>(u, v); });
      }
    });
  });
}

// Y := d0 op d1, then Y := Y op dk (Y has y's full shape, so it may be an operand); Mean divides
// the sum by n last. The same association as the reference, so results are identical.
void nary(NaryOp op, DType dtype, const Shape& y, int n, const Shape* shapes, const void* const* data, void* Y,
          ThreadPool* pool) {
  assert(n >= 2 && nary_supports(op, dtype));
  const BinaryOp fold = op == NaryOp::Max ? BinaryOp::Max : op == NaryOp::Min ? BinaryOp::Min : BinaryOp::Add;
  binary(fold, dtype, y, shapes[0], data[0], shapes[1], data[1], Y, pool);
  for (int k = 2; k < n; ++k) binary(fold, dtype, y, y, Y, shapes[k], data[k], Y, pool);
  if (op == NaryOp::Mean)
    dispatch_dtype(dtype, [&](auto d) {
      if constexpr (is_float(d)) {
        const elem_t<d> count = store<d>(compute_t<d>(n));
        binary(BinaryOp::Div, d, y, y, Y, Shape{}, &count, Y, pool);
      }
    });
}

void where(size_t elem_size, const Shape& y, const Shape& c, const uint8_t* C, const Shape& a, const void* A,
           const Shape& b, const void* B, void* Y, ThreadPool* pool) {
  if (y.num_elements() == 0) return;
  switch (elem_size) {
    case 1:
      return where_typed(y, c, C, a, static_cast<const uint8_t*>(A), b, static_cast<const uint8_t*>(B),
                         static_cast<uint8_t*>(Y), pool);
    case 2:
      return where_typed(y, c, C, a, static_cast<const uint16_t*>(A), b, static_cast<const uint16_t*>(B),
                         static_cast<uint16_t*>(Y), pool);
    case 4:
      return where_typed(y, c, C, a, static_cast<const uint32_t*>(A), b, static_cast<const uint32_t*>(B),
                         static_cast<uint32_t*>(Y), pool);
    case 8:
      return where_typed(y, c, C, a, static_cast<const uint64_t*>(A), b, static_cast<const uint64_t*>(B),
                         static_cast<uint64_t*>(Y), pool);
    default: assert(false && "where: element size must be 1, 2, 4 or 8");
  }
}

}  // namespace aivm::kernels
