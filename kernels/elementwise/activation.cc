// Activations (ACT and the gemm/conv epilogues) and clip: one loop per kind, the kind and its
// parameters hoisted out of the loop.
#include <cassert>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/scalar_ops.h"
#include "kernels/vmath/vmath.h"

namespace aivm::kernels {

using namespace ew;

void apply_activation_f32(const Activation& act, int64_t n, float* y) {
  const float p0 = act.p0, p1 = act.p1;
  dispatch_activation(act.kind, [&](auto k) {
    if constexpr (k != isa::Activation::None)
      for (int64_t i = 0; i < n; ++i) y[i] = activation_op<k>(y[i], p0, p1);
  });
}

void epilogue_activation_f32(const Activation& act, int64_t n, float* y) {
  // Kinds with a vector form run on this CPU's vector math (for the exp-based ones a libm
  // call per element would cost more than the convolution); the rest on the scalar forms.
  if (vactivation_f32(act, size_t(n), y)) return;
  apply_activation_f32(act, n, y);
}

void residual_epilogue_f32(const Activation& act, int64_t n, const float* residual, float* y) {
  if (residual)
    for (int64_t i = 0; i < n; ++i) y[i] += residual[i];
  epilogue_activation_f32(act, n, y);
}

void activation_f32(const Activation& act, int64_t n, const float* x, float* y, ThreadPool* pool) {
  const float p0 = act.p0, p1 = act.p1;
  dispatch_activation(act.kind, [&](auto k) {
    parallel_blocks(pool, n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = activation_op<k>(x[i], p0, p1);
    });
  });
}

void clip(DType dtype, int64_t n, const void* x, const void* lo, const void* hi, void* y, ThreadPool* pool) {
  assert(clip_supports(dtype));
  dispatch_dtype(dtype, [&](auto d) {
    using T = elem_t<d>;
    const T *X = static_cast<const T*>(x), l = *static_cast<const T*>(lo), h = *static_cast<const T*>(hi);
    T* Y = static_cast<T*>(y);
    if constexpr (is_float(d) || is_integer(d))
      parallel_blocks(pool, n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) Y[i] = clip_op<d>(X[i], l, h);
      });
  });
}

}  // namespace aivm::kernels
