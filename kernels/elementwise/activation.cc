// apply_activation_f32: the in-place activation fused into gemm/conv epilogues.
#include <cmath>

#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {

void apply_activation_f32(const Activation& act, int64_t n, float* y) {
  switch (act.kind) {
    case isa::Activation::None:
    case isa::Activation::kCount: return;
    case isa::Activation::Relu:
      for (int64_t i = 0; i < n; ++i) y[i] = y[i] > 0.f ? y[i] : 0.f;
      return;
    case isa::Activation::Clip: {
      const float lo = act.p0, hi = act.p1;
      for (int64_t i = 0; i < n; ++i) {
        float v = y[i] < lo ? lo : y[i];
        y[i] = v > hi ? hi : v;
      }
      return;
    }
    case isa::Activation::Sigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = sigmoid_f32(y[i]);
      return;
    case isa::Activation::Tanh:
      for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(y[i]);
      return;
  }
}

}  // namespace aivm::kernels
