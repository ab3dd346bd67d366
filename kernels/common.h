// Types shared by every kernel family: tensor shapes, fused activations, the thread pool handle.
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/attrs.h"
#include "isa/isa.h"

namespace aivm::kernels {

inline constexpr int kMaxRank = 8;

struct Shape {
  int rank = 0;
  int64_t dims[kMaxRank] = {};

  int64_t num_elements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
};

// A fused activation and its parameters (Clip: p0 = min, p1 = max).
struct Activation {
  isa::Activation kind = isa::Activation::None;
  float p0 = 0.f, p1 = 0.f;
};

class ThreadPool;  // kernels/config/thread_pool.h; nullptr means "run on the caller's thread"

}  // namespace aivm::kernels
