// unary_f32: per-op loops (Relu and Neg auto-vectorize) split across the pool in large chunks.
#include <cmath>

#include "kernels/config/thread_pool.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {
namespace {

// Below this many elements a thread hand-off costs more than it saves.
constexpr int64_t kGrain = 16384;

template <typename F>
void map(int64_t n, const float* x, float* y, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

void unary_range(UnaryOp op, int64_t n, const float* x, float* y) {
  switch (op) {
    case UnaryOp::Relu: return map(n, x, y, [](float v) { return v > 0.f ? v : 0.f; });
    case UnaryOp::Sigmoid: return map(n, x, y, sigmoid_f32);
    case UnaryOp::Tanh: return map(n, x, y, [](float v) { return std::tanh(v); });
    case UnaryOp::Exp: return map(n, x, y, [](float v) { return std::exp(v); });
    case UnaryOp::Neg: return map(n, x, y, [](float v) { return -v; });
  }
}

}  // namespace

void unary_f32(UnaryOp op, int64_t n, const float* x, float* y, ThreadPool* pool) {
  int64_t blocks = (n + kGrain - 1) / kGrain;
  parallel_for(pool, blocks, [&](int64_t b0, int64_t b1) {
    int64_t begin = b0 * kGrain, end = b1 * kGrain < n ? b1 * kGrain : n;
    unary_range(op, end - begin, x + begin, y + begin);
  });
}

}  // namespace aivm::kernels
