// cast: one conversion loop per (from, to) pair; same-dtype casts are a copy.
#include <cassert>
#include <cstring>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/scalar_ops.h"

namespace aivm::kernels {

using namespace ew;

void cast(DType from, DType to, int64_t n, const void* x, void* y, ThreadPool* pool, uint32_t options) {
  assert(cast_supports(from, to));
  if ((options & kCastBitwise) || (from == to && from != DType::Bool)) {  // bool is normalised even from bool
    if (x != y) std::memcpy(y, x, size_t(n) * dtype_size(from));
    return;
  }
  const CastMode mode = cast_mode(options);
  dispatch_dtype(from, [&](auto f) {
    dispatch_dtype(to, [&](auto t) {
      const elem_t<f>* X = static_cast<const elem_t<f>*>(x);
      elem_t<t>* Y = static_cast<elem_t<t>*>(y);
      parallel_blocks(pool, n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) Y[i] = convert<f, t>(X[i], mode);
      });
    });
  });
}

}  // namespace aivm::kernels
