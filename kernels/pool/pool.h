// Pooling over NC... tensors: 2-D max and average pooling (the fast paths of CNNs), and max,
// average and Lp pooling over any number of spatial axes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/attrs.h"
#include "kernels/common.h"

namespace aivm::kernels {

// x [N, C, H, W], y [N, C, OH, OW]; OH/OW are given. Window cells in padding are ignored (max
// over valid cells only); a window with no valid cell yields -infinity.
struct Pool2dParams {
  int64_t N, C, H, W, OH, OW;
  isa::Window2d window;
};

// y must not overlap x.
void maxpool2d_f32_reference(const Pool2dParams& p, const float* x, float* y);
// (n, c) planes are split across the pool.
void maxpool2d_f32(const Pool2dParams& p, const float* x, float* y, ThreadPool* pool);

// Average over the window's taps. The divisor counts the taps inside the input, or with
// |count_include_pad| also those in the explicit padding (never the cells a ceil-mode window
// reaches beyond the padding, as ONNX Runtime does). A window with nothing to count gives 0.
void avgpool2d_f32_reference(const Pool2dParams& p, bool count_include_pad, const float* x, float* y);
void avgpool2d_f32(const Pool2dParams& p, bool count_include_pad, const float* x, float* y, ThreadPool* pool);

// One (n, c) plane of 2-D max or average pooling, x [H, W] -> y [OH, OW]; average scales each
// output by |inv_count| [OH, OW] (max takes null). The variants are per ISA (tests run each the
// CPU has); |scratch| holds pool2d_scratch_floats.
using Pool2dPlaneFn = void (*)(const Pool2dParams& p, const float* inv_count, const float* x, float* y,
                               float* scratch);
struct Pool2dPlanes {
  Pool2dPlaneFn max, average;
};
size_t pool2d_scratch_floats(const Pool2dParams& p);
const Pool2dPlanes* pool2d_planes_for_isa(const char* isa);  // "avx512", "avx2", "scalar"; null if not built

// N-D pooling: x [N, C, D1..Dr], y [N, C, O1..Or], r = spatial_rank (1..kMaxRank-2), one
// window geometry per axis; the output extents are given. Max ignores taps in padding (a window
// with none gives -infinity); Average divides as avgpool2d above; Lp gives
// (sum |x|^p)^(1/p) over the taps inside the input (padding adds zero).
enum class PoolKind : int32_t { Max, Average, Lp, kCount };
struct PoolAxis {
  int64_t in, out, kernel, stride, pad_begin, pad_end, dilation;
};
struct PoolNdParams {
  int64_t N, C;
  int spatial_rank;
  PoolAxis axes[kMaxRank - 2];
  PoolKind kind;
  bool count_include_pad;
  int32_t p;  // Lp: p >= 1
};
void pool_nd_f32_reference(const PoolNdParams& p, const float* x, float* y);
// Per (n, c) plane, each output's valid taps found per axis first (no bounds checks inside).
void pool_nd_f32(const PoolNdParams& p, const float* x, float* y, ThreadPool* pool);

}  // namespace aivm::kernels
