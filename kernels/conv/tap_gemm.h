// Convolution as one GEMM per kernel tap, on small planes (densenet's 3x3 convs of 128 channels
// at 14x14 and 7x7). im2col copies each input element once per tap into short panel rows, and
// on a 7x7 plane that copy took 40% of the conv; Winograd's 36 per-point GEMMs are too narrow
// there. Here the input is copied once into a zero-padded image whose rows share their padding
// (row stride W + max(pad_left, pad_right)), and the output is computed on that same row
// grid: output position q = oh * stride + ow then reads padded position q + kh * stride + kw
// for tap (kh, kw), so each tap's operand is the padded image itself, read in place at a fixed
// offset (rows = channels, one plane apart). Y[k, q] = sum over taps of W_tap[k, c] X[c, q +
// offset]; the few columns per row past OW are computed and dropped when Y is copied out.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/conv/conv.h"

namespace aivm::kernels {

// One group, stride 1, no dilation, a kernel larger than 1x1, enough output channels for the
// GEMM's rows, and a plane small enough that im2col and Winograd lose to it (see tap_gemm.cc).
bool tap_gemm_applies(const Conv2dParams& p);

// Weights per tap, [kh * kw][K x C] each packed as gemm_pack_a writes it, for this process's
// GEMM configuration.
size_t tap_gemm_packed_weights_bytes(const Conv2dParams& p);
void tap_gemm_pack_weights(const Conv2dParams& p, const float* w, float* out);

// Same contract as conv2d_f32_prepacked where tap_gemm_applies holds, with |packed_w| from
// tap_gemm_pack_weights (required).
void tap_gemm_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
                         const float* residual, const Activation& act, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
