// 2-D max and average pooling: the separable plane kernel (pool2d_impl.h) of the ISA
// gemm_config() chose (AIVM_FORCE_ISA steers it too), (n, c) planes split across the pool.
#include <cstring>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/pool/pool.h"
#include "kernels/pool/pool2d_impl.h"
#include "kernels/simd/scalar.h"

namespace aivm::kernels {

#if defined(__x86_64__) || defined(_M_X64)
extern const Pool2dPlanes kPool2dPlanes_avx512;
extern const Pool2dPlanes kPool2dPlanes_avx2;
#endif

namespace {

constexpr int64_t kWidestLanes = 16;  // scratch sized for the widest variant serves them all
constexpr int64_t kMinParallelOutputs = 16384;

const Pool2dPlanes kPool2dPlanes_scalar = {
    pool2d_impl::plane<simd::Scalar, pool2d_impl::MaxFold>,
    pool2d_impl::plane<simd::Scalar, pool2d_impl::SumFold>,
};

const Pool2dPlanes& chosen_planes() {
  static const Pool2dPlanes* planes = [] {
    const Pool2dPlanes* p = pool2d_planes_for_isa(gemm_config().isa);
    return p ? p : &kPool2dPlanes_scalar;
  }();
  return *planes;
}

void run_planes(const Pool2dParams& p, Pool2dPlaneFn plane, const float* inv_count, const float* x, float* y,
                ThreadPool* pool) {
  const size_t scratch_size = pool2d_scratch_floats(p);
  auto run = [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scratch;
    if (scratch.size() < scratch_size) scratch.resize(scratch_size);
    for (int64_t i = begin; i < end; ++i) plane(p, inv_count, x + i * p.H * p.W, y + i * p.OH * p.OW, scratch.data());
  };
  if (p.N * p.C * p.OH * p.OW < kMinParallelOutputs) {
    run(0, p.N * p.C);
  } else {
    parallel_for(pool, p.N * p.C, run);
  }
}

// Taps of output |o| along one axis that count towards the divisor.
int64_t axis_count(int64_t o, int64_t in, int64_t k, int64_t stride, int64_t pad_begin, int64_t pad_end,
                   int64_t dilation, bool include_pad) {
  int64_t n = 0;
  for (int64_t t = 0; t < k; ++t) {
    int64_t i = o * stride - pad_begin + t * dilation;
    n += include_pad ? (i >= -pad_begin && i < in + pad_end) : (i >= 0 && i < in);
  }
  return n;
}

}  // namespace

size_t pool2d_scratch_floats(const Pool2dParams& p) { return pool2d_impl::scratch_floats(p, kWidestLanes); }

const Pool2dPlanes* pool2d_planes_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return &kPool2dPlanes_avx512;
  if (std::strcmp(isa, "avx2") == 0) return &kPool2dPlanes_avx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return &kPool2dPlanes_scalar;
  return nullptr;
}

void maxpool2d_f32(const Pool2dParams& p, const float* x, float* y, ThreadPool* pool) {
  const Pool2dPlanes* planes = &chosen_planes();
#if defined(__x86_64__) || defined(_M_X64)
  // A vector of 16 3x3/2 outputs reads 34 input columns: on narrower rows every output row
  // would take the padded-copy path, where 8 lanes still load in place (squeezenet's 256 x 27
  // x 27 pool on Sapphire Rapids: 160 -> 35 us).
  if (planes == &kPool2dPlanes_avx512 && pool2d_impl::is_max3x3s2(p.window) && p.W < 2 * kWidestLanes + 2)
    planes = &kPool2dPlanes_avx2;
#endif
  run_planes(p, planes->max, nullptr, x, y, pool);
}

void avgpool2d_f32(const Pool2dParams& p, bool count_include_pad, const float* x, float* y, ThreadPool* pool) {
  const isa::Window2d& w = p.window;
  std::vector<float> inv_count(size_t(p.OH * p.OW));
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    int64_t ch = axis_count(oh, p.H, w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom, w.dilation_h, count_include_pad);
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      int64_t cw = axis_count(ow, p.W, w.kernel_w, w.stride_w, w.pad_left, w.pad_right, w.dilation_w, count_include_pad);
      inv_count[size_t(oh * p.OW + ow)] = ch > 0 && cw > 0 ? 1.f / float(ch * cw) : 0.f;
    }
  }
  run_planes(p, chosen_planes().average, inv_count.data(), x, y, pool);
}

}  // namespace aivm::kernels
