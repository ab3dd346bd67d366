// TopK: the k largest (or smallest) elements along one axis, with their indices.
//
// x is viewed as [outer, n, inner]; values and indices as [outer, k, inner], 0 <= k <= n.
// Along each row the result is sorted: largest first (or smallest first), and equal values
// keep the lower index first, as ONNX specifies. NaN orders above every number (numpy's sort,
// which the ONNX reference uses): first when largest, last when smallest. Values are copied
// bytes of x; indices are i64. Any float or integer dtype (topk_supports).
#pragma once

#include <cstdint>

#include "format/dtype.h"
#include "kernels/common.h"

namespace aivm::kernels {

bool topk_supports(DType dtype);

// The test oracle: a stable sort of each whole row, then its first k.
void topk_reference(bool largest, DType dtype, int64_t outer, int64_t n, int64_t inner, int64_t k, const void* x,
                    void* values, int64_t* indices);
// Partial selection of each row (std::partial_sort over (value, index) pairs); rows split
// across the pool.
void topk(bool largest, DType dtype, int64_t outer, int64_t n, int64_t inner, int64_t k, const void* x,
          void* values, int64_t* indices, ThreadPool* pool);

}  // namespace aivm::kernels
