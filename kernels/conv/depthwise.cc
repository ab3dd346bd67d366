// Depthwise dispatch: the plane kernel of the ISA gemm_config() chose (AIVM_FORCE_ISA steers
// it too), channel planes split across the pool.
#include "kernels/conv/depthwise.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/conv/depthwise_impl.h"
#include "kernels/conv/window.h"
#include "kernels/simd/scalar.h"

namespace aivm::kernels {

#if defined(__x86_64__) || defined(_M_X64)
extern const DepthwisePlaneFn kDepthwisePlane_avx512;
extern const DepthwisePlaneFn kDepthwisePlane_avx2;
extern const DepthwiseBlock kDepthwiseBlock_avx2;
#endif

namespace {

constexpr int64_t kWidestLanes = 16;  // scratch sized for the widest variant serves them all

}  // namespace

bool depthwise_applies(const Conv2dParams& p) {
  // The tap table's size: depthwise_impl::kMaxTaps.
  return p.group == p.C && p.K == p.C && p.C > 0 &&
         int64_t(p.window.kernel_h) * p.window.kernel_w <= depthwise_impl::kMaxTaps;
}

size_t depthwise_scratch_floats(const Conv2dParams& p) { return depthwise_impl::scratch_floats(p, kWidestLanes); }

DepthwisePlaneFn depthwise_plane_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return kDepthwisePlane_avx512;
  if (std::strcmp(isa, "avx2") == 0) return kDepthwisePlane_avx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return depthwise_impl::plane<simd::Scalar>;
  return nullptr;
}

size_t depthwise_block_scratch_floats(const Conv2dParams& p) {
  return depthwise_impl::block_scratch_floats(p, kWidestLanes);
}

DepthwiseBlock depthwise_block_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  // AVX-512 CPUs run the 8-lane block too: a 16-channel block has no register transpose for
  // its copy in and out and twice the padded image, and lost to it on every plane up to 56
  // wide (Sapphire Rapids, conv_bench, 16 -> 8 lanes: dw3x3s1_192ch_28 109 -> 74 us,
  // dw3x3s2_144ch_56 198 -> 154, dw5x5s2_96ch_28 67 -> 25, dw3x3s1_576ch_7 37 -> 23).
  if (std::strcmp(isa, "avx512") == 0 || std::strcmp(isa, "avx2") == 0) return kDepthwiseBlock_avx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return {depthwise_impl::block<simd::Scalar>, 1};
  return {nullptr, 0};
}

void depthwise_conv2d_f32(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                          const float* residual, const Activation& act, float* y, ThreadPool* pool) {
  static const DepthwisePlaneFn kernel = [] {
    DepthwisePlaneFn f = depthwise_plane_for_isa(gemm_config().isa);
    return f ? f : depthwise_impl::plane<simd::Scalar>;
  }();
  static const DepthwiseBlock block = depthwise_block_for_isa(gemm_config().isa);
  const int64_t planes = p.N * p.C, in_size = p.H * p.W, out_size = p.OH * p.OW;
  const int64_t taps = int64_t(p.window.kernel_h) * p.window.kernel_w;
  // The activation comes after the residual: the kernels stop before it, and the add and
  // activation follow while the planes are still in cache.
  const Activation kernel_act = residual ? Activation{} : act;
  const bool serial = planes * out_size * taps < (int64_t{1} << 15);
  // Planes up to 56 wide go channel-blocked (8 channels a vector, the block kernel running 8
  // pixels across rows on a cache-line aligned image): along a narrow row most lanes would be
  // padding (AVX2, Zen 3, conv_bench, min of 3x3 runs, plane -> block: dw3x3s1_192ch_28 152 ->
  // 99 us, dw5x5s1_240ch_28 504 -> 336, dw3x3s2_144ch_56 265 -> 198, dw3x3s1_144ch_56 347 ->
  // 281). 112-wide ones stay on planes (dw3x3s1_32ch_112 435 -> 509, dw3x3s2_96ch_112 493 ->
  // 561: the padded block image outgrows L2).
  constexpr int64_t kBlockMaxWidth = 56;
  const bool blocked = block.lanes == 8 && p.W <= kBlockMaxWidth;
  if (block.fn && blocked && !is_pointwise_window(p.window)) {
    const int64_t blocks_per_image = (p.C + block.lanes - 1) / block.lanes;
    const size_t scratch_size = depthwise_block_scratch_floats(p);
    auto run = [&](int64_t begin, int64_t end) {
      thread_local std::vector<float> scratch;
      if (scratch.size() < scratch_size) scratch.resize(scratch_size);
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / blocks_per_image, c0 = i % blocks_per_image * block.lanes;
        const int64_t image = n * p.C;
        block.fn(p, x + image * in_size, w, bias, kernel_act, y + image * out_size, c0, scratch.data());
        if (!residual) continue;
        for (int64_t c = c0; c < std::min(p.C, c0 + block.lanes); ++c)
          residual_epilogue_f32(act, out_size, residual + (image + c) * out_size, y + (image + c) * out_size);
      }
    };
    if (serial) return run(0, p.N * blocks_per_image);
    return parallel_for(pool, p.N * blocks_per_image, run);
  }
  const size_t scratch_size = depthwise_scratch_floats(p);
  auto run = [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scratch;
    if (scratch.size() < scratch_size) scratch.resize(scratch_size);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t c = i % p.C;
      float* out = y + i * out_size;
      kernel(p, x + i * in_size, w + c * taps, bias ? bias[c] : 0.f, kernel_act, out, scratch.data());
      if (residual) residual_epilogue_f32(act, out_size, residual + i * out_size, out);
    }
  };
  if (serial) return run(0, planes);
  parallel_for(pool, planes, run);
}

}  // namespace aivm::kernels
