// Winograd F(4x4, 3x3) convolution for 3x3 stride-1 windows: each 4x4 output tile costs 36
// multiplies per input channel instead of 144, as 36 GEMMs (one per transform point) of
// [K x C] transformed weights by [C x tiles] transformed inputs. The weights grow 4x (36
// floats per 3x3 kernel), so it is used only where the GEMMs have tiles enough to pay.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv/conv.h"

namespace aivm::kernels {

// 3x3, stride 1, dilation 1, one group, channels and tiles enough (see winograd.cc).
bool winograd_applies(const Conv2dParams& p);

// The 36 transformed weight matrices, each packed as gemm_pack_a for gemm_config().
size_t winograd_packed_weights_bytes(const Conv2dParams& p);
void winograd_pack_weights(const Conv2dParams& p, const float* w, float* out);

// The per-ISA transforms of one channel's block of tile rows (contracts in winograd_impl.h).
struct WinogradTransforms {
  void (*input)(const float* x, int64_t H, int64_t W, int64_t ih0, int64_t iw0, int64_t tile_rows, int64_t tiles_w,
                float* v, int64_t point_stride, int64_t panel_width, int64_t panel_stride, float* scratch);
  void (*output)(const float* m, int64_t point_stride, int64_t tiles_w, float bias, float* y, int64_t rows, int64_t OW,
                 float* scratch);
  int64_t lanes;
};
const WinogradTransforms* winograd_transforms_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built

// Same contract as conv2d_f32_prepacked where winograd_applies holds, with |packed_u| from
// winograd_pack_weights (required). |transforms| null: those of the ISA gemm_config() chose.
void winograd_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_u, const float* bias,
                         const float* residual, const Activation& act, float* y, ThreadPool* pool,
                         const WinogradTransforms* transforms = nullptr);

}  // namespace aivm::kernels
