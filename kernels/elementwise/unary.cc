// unary: one loop per (kind, dtype) over flat ranges split across the pool; the simple kinds
// (Relu, Neg, Abs, ...) auto-vectorize.
#include <cassert>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/scalar_ops.h"

namespace aivm::kernels {

using namespace ew;

void unary(UnaryOp op, DType dtype, int64_t n, const void* x, void* y, ThreadPool* pool) {
  assert(unary_supports(op, dtype));
  dispatch_dtype(dtype, [&](auto d) {
    dispatch_unary(op, [&](auto k) {
      if constexpr (unary_valid(k, d)) {
        using T = elem_t<d>;
        const T* X = static_cast<const T*>(x);
        T* Y = static_cast<T*>(y);
        parallel_blocks(pool, n, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) Y[i] = unary_op<k, d>(X[i]);
        });
      }
    });
  });
}

}  // namespace aivm::kernels
