// Direct convolution for a network's stem: few input channels (an RGB image) into many output
// channels, e.g. 3 -> 64 by 7x7 stride 2, or 3 -> 32 by 3x3 stride 2. As a GEMM its reduction
// is only C*kh*kw (27 or 147) deep, and im2col gathers strided columns for each of its rows;
// here each padded, phase-split input row is loaded once per tap and multiplied into a block of
// output channels held in registers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv/conv.h"

namespace aivm::kernels {

// One group, at most kStemMaxChannels input channels and kStemMaxTaps weights per output
// channel, at least kStemBlock output channels, output rows of 16 columns or more.
inline constexpr int64_t kStemMaxChannels = 4;
inline constexpr int64_t kStemMaxTaps = 256;
inline constexpr int64_t kStemBlock = 8;
bool stem_applies(const Conv2dParams& p);

// Weights in blocks of kStemBlock output channels: [ceil(K / block)][C * kh * kw][block], the
// last block zero-padded. The same layout serves every ISA.
size_t stem_packed_weights_bytes(const Conv2dParams& p);
void stem_pack_weights(const Conv2dParams& p, const float* w, float* out);

// The per-ISA halves (tests run each the CPU has). |image| holds the image's C padded planes
// (padded_image.h) one after another: fill writes padded rows [r0, r1) of one channel's plane
// from x [H, W]; rows computes output rows [oh0, oh1) of every output channel, y[k, oh, :]
// for all k, with |tap_offset| the image's padded_image::tap_offsets over the C planes.
struct StemKernels {
  void (*fill)(const Conv2dParams& p, const float* x, float* image_plane, int64_t r0, int64_t r1);
  void (*rows)(const Conv2dParams& p, const float* image, const int64_t* tap_offset, const float* packed_w,
               const float* bias, const Activation& act, int64_t oh0, int64_t oh1, float* y);
};
const StemKernels* stem_kernels_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built

// Same contract as conv2d_f32_prepacked where stem_applies holds, with |packed_w| from
// stem_pack_weights (required). |kernels| null: those of the ISA gemm_config() chose.
void stem_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
                     const float* residual, const Activation& act, float* y, ThreadPool* pool,
                     const StemKernels* kernels = nullptr);

}  // namespace aivm::kernels
