// Scalar semantics of each reduction (kernels/reduce): start value, how an element folds in,
// how the folded value becomes the result. Shared by the reference and the fast path so both
// define the ops identically. LogSumExp is folded in two passes (max, then sum of exp) by the
// callers; here it folds like Sum over exp(x - max).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/reduce/reduce.h"

namespace aivm::kernels::reduce_detail {

template <typename Acc>
inline Acc start(ReduceOp op) {
  switch (op) {
    case ReduceOp::Prod: return Acc(1);
    case ReduceOp::Max: return std::numeric_limits<Acc>::has_infinity ? -std::numeric_limits<Acc>::infinity()
                                                                      : std::numeric_limits<Acc>::lowest();
    case ReduceOp::Min: return std::numeric_limits<Acc>::has_infinity ? std::numeric_limits<Acc>::infinity()
                                                                      : std::numeric_limits<Acc>::max();
    default: return Acc(0);
  }
}

template <typename Acc>
inline Acc fold(ReduceOp op, Acc acc, Acc v) {
  switch (op) {
    case ReduceOp::Max: return v > acc ? v : acc;
    case ReduceOp::Min: return v < acc ? v : acc;
    case ReduceOp::Prod:
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(acc) * uint64_t(v));  // wraps like numpy
      else return acc * v;
    case ReduceOp::L1: return acc + (v < 0 ? -v : v);
    case ReduceOp::L2:
    case ReduceOp::SumSquare: return acc + v * v;
    default:
      if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(acc) + uint64_t(v));
      else return acc + v;
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
    (void)count, (void)max;
    return acc;
  }
}

}  // namespace aivm::kernels::reduce_detail
