// Window2d geometry shared by conv and pool fast paths: which outputs a window tap can reach.
#pragma once

#include <cstdint>

#include "isa/attrs.h"

namespace aivm::kernels {

// Sets [*lo, *hi) to the outputs o in [0, out_size) whose input o*stride - pad + tap lies in
// [0, size); an empty range has *lo >= *hi.
inline void window_valid_range(int64_t size, int64_t out_size, int64_t stride, int64_t pad, int64_t tap,
                               int64_t* lo, int64_t* hi) {
  int64_t first = pad - tap;  // need o*stride >= first
  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  int64_t last = size - 1 + pad - tap;  // need o*stride <= last
  int64_t h = last < 0 ? 0 : last / stride + 1;
  *hi = h < out_size ? h : out_size;
}

// A 1x1 window with unit strides and no padding: each output reads the input at its own
// position (a 1x1 conv's input is its im2col; a depthwise one is a per-channel affine).
inline bool is_pointwise_window(const isa::Window2d& w) {
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_top == 0 &&
         w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0;
}

}  // namespace aivm::kernels
