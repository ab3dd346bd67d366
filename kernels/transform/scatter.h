// Index-driven data movement: scatter_elements, scatter_nd and gather_nd (ONNX ScatterElements,
// ScatterND, GatherND). Shapes are proved by the caller; indices are data and checked here:
// a negative index wraps once (i + n), and one still outside [0, n) selects nothing (a scatter
// skips that update, a gather writes zeros). Nothing is read or written outside the tensors.
// Updates apply in index order, so with duplicate indices the last one wins (reduction None)
// or all are folded in (the others).
#pragma once

#include <cstddef>
#include <cstdint>

#include "format/dtype.h"
#include "kernels/common.h"

namespace aivm::kernels {

enum class ScatterReduce : int32_t { None, Add, Mul, Max, Min, kCount };

// Which dtypes a reduction folds: None moves bytes (any dtype); the others f32, i32, i64.
bool scatter_supports(ScatterReduce r, DType dtype);

// y = x, then for every index i of idx_shape: y[i with axis := idx[i]] op= updates[i].
// idx and updates share idx_shape (rank of x; extents <= x's except along axis); y has x's shape.
void scatter_elements(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64,
                      const void* updates, ScatterReduce r, DType dtype, const void* xp, void* yp);

// y = x, then for every index tuple t = idx[j, :] (k = idx.dims[last] <= rank x):
// y[t, ...] op= updates[j, ...], a slice of x.dims[k:]. |rows| tuples.
void scatter_nd(const Shape& x, int64_t rows, int k, const void* idx, bool idx64, const void* updates,
                ScatterReduce r, DType dtype, const void* xp, void* yp);

// y[b, j, ...] = x[b, idx[b, j, :], ...] with |batch| leading batch elements shared by x and idx,
// |rows| tuples of |k| indices per batch element addressing x's axes batch_dims..batch_dims+k-1;
// each copies a slice of |slice| elements.
void gather_nd(const Shape& x, int batch_dims, int64_t batch, int64_t rows, int k, const void* idx, bool idx64,
               int64_t slice, size_t elem, const void* xp, void* yp);

// ONNX OneHot: y[o, d, i] = (idx[o, i] wrapped by depth == d) ? values[1] : values[0] over
// [outer, depth, inner]; indices of dtype |idx_type| (i32, i64 or f32, truncated); an index
// outside [-depth, depth) matches nothing. |values| holds two elements of |elem| bytes.
bool one_hot_index_supported(DType idx_type);
void one_hot(int64_t outer, int64_t depth, int64_t inner, const void* idx, DType idx_type, const void* values,
             size_t elem, void* yp);

}  // namespace aivm::kernels
