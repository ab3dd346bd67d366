// Stem conv dispatch: each image padded and phase-split once, then its output rows, both split
// across the pool and run by the kernels of the ISA gemm_config() chose (AIVM_FORCE_ISA
// steers it too).
#include "kernels/conv/stem.h"

#include <cstring>
#include <vector>

#include "kernels/config/gemm_config.h"
#include "kernels/config/thread_pool.h"
#include "kernels/conv/stem_impl.h"
#include "kernels/simd/scalar.h"

namespace aivm::kernels {

#if defined(__x86_64__) || defined(_M_X64)
extern const StemKernels kStemKernels_avx512;
extern const StemKernels kStemKernels_avx2;
#endif

namespace {

constexpr int64_t kMinParallelMacs = 32768;
constexpr int64_t kFillRowsPerTask = 16;

const StemKernels kStemKernels_scalar = {stem_impl::fill<simd::Scalar>, stem_impl::rows<simd::Scalar, 1>};

}  // namespace

bool stem_applies(const Conv2dParams& p) {
  const int64_t taps = p.C * int64_t(p.window.kernel_h) * p.window.kernel_w;
  return p.group == 1 && p.C <= kStemMaxChannels && p.K >= kStemBlock && taps <= kStemMaxTaps && p.OW >= 16;
}

size_t stem_packed_weights_bytes(const Conv2dParams& p) {
  const int64_t blocks = (p.K + kStemBlock - 1) / kStemBlock, taps = p.C * p.window.kernel_h * p.window.kernel_w;
  return size_t(blocks * taps * kStemBlock) * sizeof(float);
}

void stem_pack_weights(const Conv2dParams& p, const float* w, float* out) {
  const int64_t taps = p.C * p.window.kernel_h * p.window.kernel_w;
  for (int64_t k0 = 0; k0 < p.K; k0 += kStemBlock)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t kb = 0; kb < kStemBlock; ++kb)
        *out++ = k0 + kb < p.K ? w[(k0 + kb) * taps + t] : 0.f;
}

const StemKernels* stem_kernels_for_isa(const char* isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(isa, "avx512") == 0) return &kStemKernels_avx512;
  if (std::strcmp(isa, "avx2") == 0) return &kStemKernels_avx2;
#endif
  if (std::strcmp(isa, "scalar") == 0) return &kStemKernels_scalar;
  return nullptr;
}

void stem_conv2d_f32(const Conv2dParams& p, const float* x, const float* packed_w, const float* bias,
                     const float* residual, const Activation& act, float* y, ThreadPool* pool,
                     const StemKernels* kernels) {
  static const StemKernels* chosen = [] {
    const StemKernels* k = stem_kernels_for_isa(gemm_config().isa);
    return k ? k : &kStemKernels_scalar;
  }();
  if (!kernels) kernels = chosen;
  const padded_image::Geometry g = stem_impl::geometry(p);
  // Kept between calls, as a fresh megabyte each call is a fresh round of page faults.
  // The pool's workers see their own thread_local, so they are handed this thread's buffer.
  thread_local std::vector<float> image_buffer;
  if (image_buffer.size() < size_t(p.C * g.floats())) image_buffer.resize(size_t(p.C * g.floats()));
  float* image = image_buffer.data();
  int64_t tap_offset[kStemMaxTaps];  // the same for every row and image
  padded_image::tap_offsets(p.window, g, p.C, g.floats(), tap_offset);
  const int64_t out_plane = p.OH * p.OW, in_plane = p.H * p.W;
  const bool parallel = p.K * out_plane * p.C * p.window.kernel_h * p.window.kernel_w >= kMinParallelMacs;
  // The activation follows the residual: rows stop before it, then add and activate in cache.
  const Activation row_act = residual ? Activation{} : act;
  for (int64_t n = 0; n < p.N; ++n) {
    const int64_t chunks = (g.rows + kFillRowsPerTask - 1) / kFillRowsPerTask;
    auto fill = [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t c = t / chunks, r0 = t % chunks * kFillRowsPerTask;
        kernels->fill(p, x + (n * p.C + c) * in_plane, image + c * g.floats(), r0,
                      std::min(g.rows, r0 + kFillRowsPerTask));
      }
    };
    float* yn = y + n * p.K * out_plane;
    const float* rn = residual ? residual + n * p.K * out_plane : nullptr;
    auto rows = [&](int64_t begin, int64_t end) {
      kernels->rows(p, image, tap_offset, packed_w, bias, row_act, begin, end, yn);
      if (!rn) return;
      for (int64_t k = 0; k < p.K; ++k) {
        const int64_t at = k * out_plane + begin * p.OW;
        residual_epilogue_f32(act, (end - begin) * p.OW, rn + at, yn + at);
      }
    };
    if (parallel) {
      parallel_for(pool, p.C * chunks, fill);
      parallel_for(pool, p.OH, rows);
    } else {
      fill(0, p.C * chunks);
      rows(0, p.OH);
    }
  }
}

}  // namespace aivm::kernels
