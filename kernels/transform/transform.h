// Data-movement kernels: transpose, slice, broadcast (expand), tile, concat/split parts, pad,
// gather, gather-elements and trilu. All are dtype-generic: they move elements of |elem| bytes
// (1, 2, 4 or 8) and never look at their values.
//
// Contract shared by every entry point:
//   - shapes are given, not re-derived: the caller (the VM's verifier, or the compiler's
//     folding) has proved they are consistent, so index ranges that do not depend on data are
//     not re-checked here (asserted in debug builds);
//   - indices read from tensors (gather, gather_elements) ARE checked: a negative index wraps
//     once (i + n), and one still outside [0, n) selects nothing, so the output elements it
//     would fill are written as zero bytes. No kernel reads outside its input;
//   - x and y never overlap.
// Each family has a scalar *_reference (kernels/transform/reference.cc) that decodes every
// output index on its own; it is the test oracle.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

// Highest rank of a strided copy: tile views each axis as two (repeat, extent).
inline constexpr int kMaxCopyRank = 2 * kMaxRank;

// y[dst_offset + sum i_k dst_stride_k] = x[src_offset + sum i_k src_stride_k] for every index
// i < dims. Strides and offsets count elements and may be zero (broadcast) or negative (a
// slice with a negative step). The building block of most entry points below.
struct StridedCopy {
  int rank = 0;
  int64_t dims[kMaxCopyRank] = {};
  int64_t src_stride[kMaxCopyRank] = {};
  int64_t dst_stride[kMaxCopyRank] = {};
  int64_t src_offset = 0, dst_offset = 0;
};
void strided_copy(const StridedCopy& p, size_t elem, const void* x, void* y);

// y = x viewed as |view| with its axes permuted: y.dims[i] = view.dims[perm[i]], y dense.
void transpose(const Shape& view, const int32_t* perm, size_t elem, const void* x, void* y);
void transpose_reference(const Shape& view, const int32_t* perm, size_t elem, const void* x, void* y);

// y[i] = x[start + i * step] per axis (y's extents given; step != 0, may be negative).
void slice(const Shape& x, const Shape& y, const int64_t* start, const int64_t* step, size_t elem, const void* xp,
           void* yp);
void slice_reference(const Shape& x, const Shape& y, const int64_t* start, const int64_t* step, size_t elem,
                     const void* xp, void* yp);

// numpy broadcast of x (right-aligned, each dim 1 or y's) to y's shape.
void expand(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp);
void expand_reference(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp);

// y[i] = x[i mod x.dims] per axis; same rank, y.dims a multiple of x.dims.
void tile(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp);
void tile_reference(const Shape& x, const Shape& y, size_t elem, const void* xp, void* yp);

// Concatenation along |axis| as one copy per input: |part| (same dims as y except along axis)
// goes to y at |offset| along axis. split_part is the inverse: y is the part at |offset| of x.
void concat_part(const Shape& part, const Shape& y, int axis, int64_t offset, size_t elem, const void* xp, void* yp);
void split_part(const Shape& x, const Shape& part, int axis, int64_t offset, size_t elem, const void* xp, void* yp);

// All |n| <= kMaxConcatParts parts at once, the whole's bytes cut into ranges across |pool|'s
// threads (a DenseNet concat copies megabytes; one part alone may be most of them). concat:
// parts[i] (data part_data[i]) along |axis| into y; split: x into the parts, the inverse.
inline constexpr int kMaxConcatParts = 64;
void concat(int n, const Shape* parts, const void* const* part_data, const Shape& y, int axis, size_t elem, void* yp,
            ThreadPool* pool);
void split(const Shape& x, const void* xp, int n, const Shape* parts, void* const* part_data, int axis, size_t elem,
           ThreadPool* pool);

// Pad (ONNX): y[i] = x[i - begin] per axis; outside x, Constant gives *value (|elem| bytes),
// Edge the nearest edge element, Reflect the mirror image without repeating the edge, Wrap the
// periodic continuation (x[j mod n]). begin may be negative (a crop). Reflect needs begin, end
// <= x.dims - 1 and Edge / Wrap x.dims >= 1 on any axis padded; the kernel clamps anyway, so it
// never reads outside x.
enum class PadMode : int32_t { Constant = 0, Reflect = 1, Edge = 2, Wrap = 3 };
void pad(const Shape& x, const Shape& y, const int64_t* begin, PadMode mode, const void* value, size_t elem,
         const void* xp, void* yp);
void pad_reference(const Shape& x, const Shape& y, const int64_t* begin, PadMode mode, const void* value,
                   size_t elem, const void* xp, void* yp);

// Gather along an axis, x viewed as [outer, n, inner]: y[o, j, :] = x[o, idx[j], :] for the
// |count| indices (int32 or int64). Out-of-range indices give zeros (see above).
void gather(int64_t outer, int64_t n, int64_t inner, const void* idx, bool idx64, int64_t count, size_t elem,
            const void* xp, void* yp);
void gather_reference(int64_t outer, int64_t n, int64_t inner, const void* idx, bool idx64, int64_t count,
                      size_t elem, const void* xp, void* yp);

// GatherElements: y has idx's shape; y[i] = x[i with i[axis] := idx[i]]. Same rank, and
// idx.dims[k] <= x.dims[k] for k != axis. Out-of-range indices give zeros.
void gather_elements(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64, size_t elem,
                     const void* xp, void* yp);
void gather_elements_reference(const Shape& x, const Shape& idx_shape, int axis, const void* idx, bool idx64,
                               size_t elem, const void* xp, void* yp);

// Trilu over the last two axes [.., N, M]: keeps x[i][j] where j - i >= k (upper) or
// j - i <= k (lower), zero bytes elsewhere.
void trilu(const Shape& x, bool upper, int64_t k, size_t elem, const void* xp, void* yp);
void trilu_reference(const Shape& x, bool upper, int64_t k, size_t elem, const void* xp, void* yp);

}  // namespace aivm::kernels
