// 2-D convolution over NCHW tensors with groups, strides, dilations, zero padding and a fused
// bias + activation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/attrs.h"
#include "kernels/common.h"

namespace aivm::kernels {

// x [N, C, H, W], w [K, C/group, kernel_h, kernel_w], y [N, K, OH, OW]. Padding is zero padding
// (pad_* may be asymmetric); C and K are multiples of group. OH/OW are given (the caller
// derived them); outputs whose window lies wholly in padding get just bias + activation.
struct Conv2dParams {
  int64_t N, C, H, W, K, OH, OW, group;
  isa::Window2d window;
};

// y = act(conv(x, w) + bias + residual); bias is [K] or nullptr, residual (a skip connection)
// has y's shape [N, K, OH, OW] or is nullptr. y must not overlap x, w, bias or residual.
void conv2d_f32_reference(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const float* residual, const Activation& act, float* y);
// Fast path, without the residual term: GEMM on im2col blocks where there are enough output
// channels per group, direct loops per output plane otherwise (depthwise); work is split
// across the pool.
void conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias, const Activation& act,
                float* y, ThreadPool* pool);

// How conv2d_f32 runs |p|, and so the layout its packed weights take. It depends on the output
// size too (Winograd needs tiles enough; a small plane puts its pixels on the GEMM's rows), so
// a caller keeping packed weights across shapes (the VM's symbolic dims) compares it before
// reusing them: two packings of the same weights are interchangeable when it agrees.
enum class ConvPacking : uint8_t {
  kNone,           // unpacked weights: depthwise and direct loops
  kWinograd,       // transformed 3x3 kernels (winograd.h)
  kStem,           // blocks of output channels (stem.h)
  kChannelRows,    // GEMM with output channels as rows: weights as packed A (gemm_pack_a)
  kPixelRows,      // GEMM with output pixels as rows (small planes): weights as packed B
  kTapRows,        // one GEMM per kernel tap on the padded image (small planes, tap_gemm.h)
};
ConvPacking conv2d_packing(const Conv2dParams& p);

// Constant weights packed once for this process's GEMM (e.g. by the VM at model load), so a
// run does not repack them. 0 bytes: this convolution does not use packed weights.
size_t conv2d_packed_weights_bytes(const Conv2dParams& p);
void conv2d_pack_weights(const Conv2dParams& p, const float* w, void* out);
// conv2d_f32 with |packed_w| from conv2d_pack_weights for the same parameters (or null), and
// the residual term (nullptr for none), added in the GEMM's store or while a plane is in cache.
void conv2d_f32_prepacked(const Conv2dParams& p, const float* x, const float* w, const void* packed_w,
                          const float* bias, const float* residual, const Activation& act, float* y,
                          ThreadPool* pool);

//===----------------------------------------------------------------------===//
// N-D transposed convolution and col2im
//===----------------------------------------------------------------------===//

// The scatter half of a transposed convolution (and ONNX Col2Im): for every channel c, kernel
// tap k and column position l (each an index over the spatial axes),
//   image[c, l * stride - pad_begin + k * dilation] += col[(c, k), l]
// where that position lies inside the image (others are dropped). pad_begin may be negative.
inline constexpr int kMaxSpatial = kMaxRank - 2;
struct Col2ImParams {
  int64_t channels;
  int rank;  // spatial axes, 1..kMaxSpatial
  int64_t image[kMaxSpatial], cols[kMaxSpatial], kernel[kMaxSpatial], stride[kMaxSpatial],
      pad_begin[kMaxSpatial], dilation[kMaxSpatial];
};
inline int64_t spatial_product(const int64_t* d, int n) {
  int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= d[i];
  return v;
}
void col2im_add_f32_reference(const Col2ImParams& p, const float* col, float* image);
// Per (c, k) row and axis, the valid column range is found first (no checks inside).
void col2im_add_f32(const Col2ImParams& p, const float* col, float* image, ThreadPool* pool);

// x [N, C, D1..Dr], w [C, M/group, k1..kr], y [N, M, O1..Or] (O given); bias [M] or nullptr.
// geometry.image = O, geometry.cols = D, geometry.channels is ignored.
struct ConvTransposeParams {
  int64_t N, C, M, group;
  Col2ImParams geometry;
};
// Direct loops over inputs and taps (the oracle).
void conv_transpose_f32_reference(const ConvTransposeParams& p, const float* x, const float* w, const float* bias,
                                  float* y);
// Per image and group, col = W_g^T x X_g on the GEMM, then col2im into y.
void conv_transpose_f32(const ConvTransposeParams& p, const float* x, const float* w, const float* bias, float* y,
                        ThreadPool* pool);

}  // namespace aivm::kernels
