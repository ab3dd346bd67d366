// Reductions over a set of axes (ReduceSum, ReduceMean, ... ReduceLogSumExp) and arg-reductions
// (ArgMax, ArgMin) along one axis.
//
// The reduced axes are a bit mask over x's axes (bit k = axis k; rank <= 8). y holds one value
// per kept index, in x's order with the reduced axes taken out (the keepdims and squeezed
// layouts are the same bytes). Reducing over nothing (an axis of extent 0) gives the op's
// identity: Sum/L1/L2/SumSquare 0, Prod 1, Max -inf, Min +inf, Mean NaN (0/0), LogSum and
// LogSumExp -inf; for i64, Max gives INT64_MIN and Min INT64_MAX.
#pragma once

#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

enum class ReduceOp : int { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// f32: accumulates in double per output (reference) or in f32 along contiguous runs (fast path);
// both agree to about 1e-6 relative for sums of a few thousand terms.
void reduce_f32_reference(ReduceOp op, const Shape& x, uint32_t axes, const float* xp, float* yp);
void reduce_f32(ReduceOp op, const Shape& x, uint32_t axes, const float* xp, float* yp, ThreadPool* pool);

// i64: Sum, Max, Min and Prod only (wrapping two's-complement arithmetic, like numpy).
void reduce_i64_reference(ReduceOp op, const Shape& x, uint32_t axes, const int64_t* xp, int64_t* yp);
void reduce_i64(ReduceOp op, const Shape& x, uint32_t axes, const int64_t* xp, int64_t* yp, ThreadPool* pool);

// x viewed as [outer, n, inner], n >= 1: y[o, i] = index along n of the max (or min) of
// x[o, :, i]; the first one on ties, or the last with |select_last|. A NaN never wins.
void arg_reduce_f32_reference(bool is_max, bool select_last, int64_t outer, int64_t n, int64_t inner, const float* x,
                              int64_t* y);
void arg_reduce_f32(bool is_max, bool select_last, int64_t outer, int64_t n, int64_t inner, const float* x, int64_t* y,
                    ThreadPool* pool);

}  // namespace aivm::kernels
