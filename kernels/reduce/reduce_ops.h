// Scalar semantics of each reduction (kernels/reduce): start value, how an element folds in,
// how the folded value becomes the result. Shared by the reference and the fast path so both
// define the ops identically. LogSumExp is folded in two passes (max, then sum of exp) by the
// callers; here it folds like Sum over exp(x - max).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/dtypes.h"
#include "kernels/reduce/reduce.h"

namespace aivm::kernels::reduce_detail {

// The accumulator of dtype D: double for floats, the 64-bit integer of the same signedness.
template <DType D>
using acc_t = std::conditional_t<is_float(D), double, std::conditional_t<std::is_signed_v<elem_t<D>>, int64_t, uint64_t>>;

// Element -> accumulator and result -> element (f16 / bf16 rounded once, integers wrapped).
template <DType D>
inline acc_t<D> widen(elem_t<D> v) {
  return acc_t<D>(load<D>(v));
}
template <DType D>
inline elem_t<D> narrow(acc_t<D> v) {
  if constexpr (is_float(D)) return store<D>(compute_t<D>(v));
  else return elem_t<D>(v);
}

template <DType D>
constexpr bool reduce_valid(ReduceOp op) {
  if constexpr (is_float(D)) return true;
  else if constexpr (is_integer(D))
    return op != ReduceOp::L2 && op != ReduceOp::LogSum && op != ReduceOp::LogSumExp;
  else return false;
}

// Start values: integers use the element type's extremes, so Max over u8 starts at 0.
template <DType D>
inline acc_t<D> start(ReduceOp op) {
  using Acc = acc_t<D>;
  using L = std::numeric_limits<std::conditional_t<is_float(D), double, elem_t<D>>>;
  switch (op) {
    case ReduceOp::Prod: return Acc(1);
    case ReduceOp::Max:
      if constexpr (is_float(D)) return -L::infinity();
      else return Acc(L::lowest());
    case ReduceOp::Min:
      if constexpr (is_float(D)) return L::infinity();
      else return Acc(L::max());
    default: return Acc(0);
  }
}

template <typename Acc>
inline Acc fold(ReduceOp op, Acc acc, Acc v) {
  if constexpr (std::is_integral_v<Acc>) {
    using U = uint64_t;  // wrapping arithmetic, no signed overflow
    switch (op) {
      case ReduceOp::Max: return v > acc ? v : acc;
      case ReduceOp::Min: return v < acc ? v : acc;
      case ReduceOp::Prod: return Acc(U(acc) * U(v));
      case ReduceOp::L1: return Acc(U(acc) + (v < 0 ? U(0) - U(v) : U(v)));
      case ReduceOp::L2:
      case ReduceOp::SumSquare: return Acc(U(acc) + U(v) * U(v));
      default: return Acc(U(acc) + U(v));
    }
  } else {
    switch (op) {
      case ReduceOp::Max: return v > acc ? v : acc;
      case ReduceOp::Min: return v < acc ? v : acc;
      case ReduceOp::Prod: return acc * v;
      case ReduceOp::L1: return acc + (v < 0 ? -v : v);
      case ReduceOp::L2:
      case ReduceOp::SumSquare: return acc + v * v;
      default: return acc + v;
    }
  }
}

// |count| elements were folded; |max| is LogSumExp's shift.
template <typename Acc>
inline Acc finish(ReduceOp op, Acc acc, int64_t count, Acc max) {
  if constexpr (std::is_floating_point_v<Acc>) {
    switch (op) {
      case ReduceOp::Mean: return acc / Acc(count);
      case ReduceOp::L2: return std::sqrt(acc);
      case ReduceOp::LogSum: return std::log(acc);
      case ReduceOp::LogSumExp: return std::isinf(max) ? max : max + std::log(acc);
      default: return acc;
    }
  } else {
    (void)max;
    if (op == ReduceOp::Mean) return count > 0 ? Acc(acc / Acc(count)) : Acc(0);
    return acc;
  }
}

// ArgMax / ArgMin of the n elements col[0], col[stride], ...: the first extreme (the last with
// |select_last|); NaN never wins, so an all-NaN column gives 0.
template <DType D>
inline int64_t arg_index(bool is_max, bool select_last, int64_t n, int64_t stride, const elem_t<D>* col) {
  int64_t best = 0;
  auto bv = load<D>(col[0]);
  for (int64_t j = 1; j < n; ++j) {
    auto v = load<D>(col[j * stride]);
    if (v != v) continue;
    if ((is_max ? v > bv : v < bv) || (select_last && v == bv) || bv != bv) {
      best = j;
      bv = v;
    }
  }
  return best;
}

}  // namespace aivm::kernels::reduce_detail
