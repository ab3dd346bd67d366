// The accumulator type and step CumSum / CumProd's reference and fast path share.
#pragma once

#include <cstdint>
#include <type_traits>

#include "kernels/cumulative/cumulative.h"
#include "kernels/dtypes.h"

namespace aivm::kernels::cumulative_detail {

// Integers accumulate in uint64_t: unsigned arithmetic wraps without undefined behaviour, and
// truncating to the width on store gives the same bits as wrapping in the width.
template <DType D>
using acc_t = std::conditional_t<is_integer(D), uint64_t, compute_t<D>>;

template <DType D>
inline acc_t<D> widen(elem_t<D> v) {
  if constexpr (is_integer(D)) return uint64_t(int64_t(v));
  else return load<D>(v);
}
template <DType D>
inline elem_t<D> narrow(acc_t<D> v) {
  if constexpr (is_integer(D)) return elem_t<D>(v);
  else return store<D>(v);
}

template <typename A>
inline A identity(CumulativeOp op) { return op == CumulativeOp::Sum ? A(0) : A(1); }

template <typename A>
inline A step(CumulativeOp op, A acc, A v) { return op == CumulativeOp::Sum ? A(acc + v) : A(acc * v); }

}  // namespace aivm::kernels::cumulative_detail
