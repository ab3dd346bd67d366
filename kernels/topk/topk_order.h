// The one ordering TopK's reference and fast path share (topk.h): strict "a goes before b".
#pragma once

#include <cstdint>

namespace aivm::kernels::topk_detail {

// Values in the compute type; NaN is above every number and equal to itself.
template <typename C>
inline bool before(bool largest, C a, int64_t ia, C b, int64_t ib) {
  bool an = a != a, bn = b != b;  // NaN tests that also compile for integers
  if (an || bn) {
    if (an && bn) return ia < ib;
    return largest ? an : bn;
  }
  if (a != b) return largest ? a > b : a < b;
  return ia < ib;
}

}  // namespace aivm::kernels::topk_detail
