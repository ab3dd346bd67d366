// CumSum and CumProd: running sums / products along one axis.
//
// x and y are viewed as [outer, n, inner]. y[o, j, i] = x[o, 0, i] op .. op x[o, j, i];
// |exclusive| leaves x[o, j, i] out (y[o, 0, i] is the identity, 0 or 1); |reverse| runs
// from j = n - 1 down. Floats accumulate in their compute type (f16 / bf16 in float, each
// result rounded once), integers wrap in their width like numpy. Any float or integer dtype
// (cumulative_supports).
#pragma once

#include <cstdint>

#include "format/dtype.h"
#include "kernels/common.h"

namespace aivm::kernels {

enum class CumulativeOp : int { Sum, Prod };

struct CumulativeParams {
  CumulativeOp op = CumulativeOp::Sum;
  bool exclusive = false, reverse = false;
  int64_t outer = 1, n = 1, inner = 1;
};

bool cumulative_supports(DType dtype);
// The test oracle: one (o, i) line at a time, walking j.
void cumulative_reference(const CumulativeParams& p, DType dtype, const void* x, void* y);
// Keeps a row of |inner| accumulators, so the loop over i is contiguous (it vectorises);
// outer slabs split across the pool.
void cumulative(const CumulativeParams& p, DType dtype, const void* x, void* y, ThreadPool* pool);

}  // namespace aivm::kernels
