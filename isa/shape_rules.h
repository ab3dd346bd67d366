// Shape rules of the instruction set: the one definition of what output shape an op gives,
// used by the compiler's shape inference and by the VM's verifier (which proves the bundle's
// register shapes obey them, so kernels never index out of bounds).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "isa/attrs.h"

namespace aivm::isa {

using Dims = std::vector<int64_t>;

// ONNX multidirectional broadcasting of |a| and |b|; false if incompatible.
// |out| may alias |a| or |b|.
inline bool broadcast_shapes(const Dims& a, const Dims& b, Dims* out) {
  size_t rank = a.size() > b.size() ? a.size() : b.size();
  Dims result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    result[i] = da == 1 ? db : da;
  }
  *out = std::move(result);
  return true;
}

// Output extent of a window sliding over |in| (floor mode); -1 if the window never fits.
inline int64_t window_out_extent(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                                 int64_t pad_end, int64_t dilation, bool ceil_mode = false) {
  if (kernel < 1 || stride < 1 || dilation < 1 || pad_begin < 0 || pad_end < 0) return -1;
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t padded = in + pad_begin + pad_end;
  if (padded < span) return -1;
  int64_t out = (padded - span + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  // In ceil mode the last window must start inside the input or the leading padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

// numpy matmul output shape; false if the operands do not fit.
inline bool matmul_shape(const Dims& a, const Dims& b, Dims* out) {
  if (a.empty() || b.empty()) return false;
  Dims a2 = a, b2 = b;
  if (a2.size() == 1) a2.insert(a2.begin(), 1);
  if (b2.size() == 1) b2.push_back(1);
  if (a2[a2.size() - 1] != b2[b2.size() - 2]) return false;
  Dims batch_a(a2.begin(), a2.end() - 2), batch_b(b2.begin(), b2.end() - 2), batch;
  if (!broadcast_shapes(batch_a, batch_b, &batch)) return false;
  *out = batch;
  if (a.size() != 1) out->push_back(a2[a2.size() - 2]);
  if (b.size() != 1) out->push_back(b2.back());
  return true;
}

// |x| with the axes set in |mask| kept as 1 (keepdims) or removed: a reduction's output shape.
inline Dims reduced_dims(const Dims& x, uint32_t mask, bool keep) {
  Dims out;
  for (size_t k = 0; k < x.size(); ++k) {
    if (!(mask >> k & 1))
      out.push_back(x[k]);
    else if (keep)
      out.push_back(1);
  }
  return out;
}

// Window geometry sanity: positive kernel, stride, dilation; non-negative pads.
inline bool window_valid(const Window2d& w) {
  return w.kernel_h >= 1 && w.kernel_w >= 1 && w.stride_h >= 1 && w.stride_w >= 1 && w.dilation_h >= 1 &&
         w.dilation_w >= 1 && w.pad_top >= 0 && w.pad_left >= 0 && w.pad_bottom >= 0 && w.pad_right >= 0;
}

}  // namespace aivm::isa
