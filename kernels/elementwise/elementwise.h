// Elementwise kernels: unary math, broadcasting binary arithmetic, in-place fused activations.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common.h"

namespace aivm::kernels {

enum class UnaryOp { Relu, Sigmoid, Tanh, Exp, Neg };
enum class BinaryOp { Add, Sub, Mul, Div };

// y[i] = op(x[i]) for i in [0, n). x and y may be the same buffer (in place), not partly overlap.
void unary_f32_reference(UnaryOp op, int64_t n, const float* x, float* y);
void unary_f32(UnaryOp op, int64_t n, const float* x, float* y, ThreadPool* pool);

// ONNX multidirectional broadcasting: a and b are right-aligned against y, and each of their
// dims is either y's dim or 1. y is the broadcast result shape (given, not re-derived). Y may
// alias A or B only when that operand has y's full shape.
void binary_f32_reference(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b,
                          const float* B, float* Y);
// Fast path: dims are coalesced so same-shape, scalar, row and channel broadcasts all become
// contiguous inner loops.
void binary_f32(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b, const float* B,
                float* Y, ThreadPool* pool);

// In place over y[0, n): None, Relu, Clip (min(max(x, p0), p1)), Sigmoid, Tanh.
void apply_activation_f32(const Activation& act, int64_t n, float* y);

// Scalar forms shared by the reference and the fast paths, so both round identically.
inline float sigmoid_f32(float x) {
  // exp of a non-positive argument only, so large |x| never overflows to inf / inf.
  if (x >= 0.f) return 1.f / (1.f + std::exp(-x));
  float e = std::exp(x);
  return e / (1.f + e);
}

}  // namespace aivm::kernels
