// layernorm_f32: per row, a mean pass, a squared-deviation pass and a normalise pass; the two
// reductions keep eight independent partial sums so the compiler vectorises them without
// fast-math reassociation. Rows split across the pool.
#include <cmath>

#include "kernels/config/thread_pool.h"
#include "kernels/norm/layernorm.h"

namespace aivm::kernels {
namespace {

constexpr int64_t kMinParallelElements = 16384;
constexpr int kLanes = 8;

float sum(const float* x, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  float tail = 0.f;
  for (; i < n; ++i) tail += x[i];
  float total = tail;
  for (int l = 0; l < kLanes; ++l) total += acc[l];
  return total;
}

float sum_squared_deviation(const float* x, int64_t n, float mean) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      float d = x[i + l] - mean;
      acc[l] += d * d;
    }
  float tail = 0.f;
  for (; i < n; ++i) tail += (x[i] - mean) * (x[i] - mean);
  float total = tail;
  for (int l = 0; l < kLanes; ++l) total += acc[l];
  return total;
}

void row(int64_t n, const float* x, const float* scale, const float* bias, float epsilon, float* y) {
  const float mean = sum(x, n) / float(n);
  const float inv_std = 1.f / std::sqrt(sum_squared_deviation(x, n, mean) / float(n) + epsilon);
  if (bias)
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * inv_std * scale[i] + bias[i];
  else
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * inv_std * scale[i];
}

}  // namespace

void layernorm_f32(int64_t rows, int64_t n, const float* x, const float* scale, const float* bias, float epsilon,
                   float* y, ThreadPool* pool) {
  if (rows <= 0 || n <= 0) return;
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row(n, x + r * n, scale, bias, epsilon, y + r * n);
  };
  if (rows * n < kMinParallelElements) return run(0, rows);
  parallel_for(pool, rows, run);
}

}  // namespace aivm::kernels
