// Reductions over a set of axes (ReduceSum, ReduceMean, ... ReduceLogSumExp) and arg-reductions
// (ArgMax, ArgMin) along one axis.
//
// The reduced axes are a bit mask over x's axes (bit k = axis k; rank <= 8). y holds one value
// per kept index, in x's order with the reduced axes taken out (the keepdims and squeezed
// layouts are the same bytes). Reducing over nothing (an axis of extent 0) gives the op's
// identity: Sum/L1/L2/SumSquare 0, Prod 1, Max -inf, Min +inf, Mean NaN (0/0), LogSum and
// LogSumExp -inf; for integers, Max gives the type's minimum and Min its maximum.
#pragma once

#include <cstdint>

#include "format/dtype.h"
#include "kernels/common.h"

namespace aivm::kernels {

enum class ReduceOp : int { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// Floats (f32 f64 f16 bf16) take every op and accumulate in double (the reference per output,
// the fast path along contiguous runs; both agree to about 1e-6 relative for sums of a few
// thousand terms); f16 / bf16 results are rounded once. Integers (i8..u64) take Sum, Mean,
// Max, Min, Prod, L1 and SumSquare, with wrapping arithmetic in the type's width, like numpy;
// integer Mean truncates toward zero.
bool reduce_supports(ReduceOp op, DType dtype);
void reduce_reference(ReduceOp op, DType dtype, const Shape& x, uint32_t axes, const void* xp, void* yp);
void reduce(ReduceOp op, DType dtype, const Shape& x, uint32_t axes, const void* xp, void* yp, ThreadPool* pool);

inline void reduce_f32_reference(ReduceOp op, const Shape& x, uint32_t axes, const float* xp, float* yp) {
  reduce_reference(op, DType::F32, x, axes, xp, yp);
}
inline void reduce_f32(ReduceOp op, const Shape& x, uint32_t axes, const float* xp, float* yp, ThreadPool* pool) {
  reduce(op, DType::F32, x, axes, xp, yp, pool);
}
inline void reduce_i64_reference(ReduceOp op, const Shape& x, uint32_t axes, const int64_t* xp, int64_t* yp) {
  reduce_reference(op, DType::I64, x, axes, xp, yp);
}
inline void reduce_i64(ReduceOp op, const Shape& x, uint32_t axes, const int64_t* xp, int64_t* yp, ThreadPool* pool) {
  reduce(op, DType::I64, x, axes, xp, yp, pool);
}

// x viewed as [outer, n, inner], n >= 1: y[o, i] = index along n of the max (or min) of
// x[o, :, i]; the first one on ties, or the last with |select_last|. A NaN never wins.
// Any float or integer dtype (arg_reduce_supports).
bool arg_reduce_supports(DType dtype);
void arg_reduce_reference(bool is_max, bool select_last, DType dtype, int64_t outer, int64_t n, int64_t inner,
                          const void* x, int64_t* y);
void arg_reduce(bool is_max, bool select_last, DType dtype, int64_t outer, int64_t n, int64_t inner, const void* x,
                int64_t* y, ThreadPool* pool);

inline void arg_reduce_f32_reference(bool is_max, bool select_last, int64_t outer, int64_t n, int64_t inner,
                                     const float* x, int64_t* y) {
  arg_reduce_reference(is_max, select_last, DType::F32, outer, n, inner, x, y);
}
inline void arg_reduce_f32(bool is_max, bool select_last, int64_t outer, int64_t n, int64_t inner, const float* x,
                           int64_t* y, ThreadPool* pool) {
  arg_reduce(is_max, select_last, DType::F32, outer, n, inner, x, y, pool);
}

}  // namespace aivm::kernels
