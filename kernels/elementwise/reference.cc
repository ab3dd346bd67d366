// Scalar reference elementwise kernels: the test oracle for unary.cc, binary.cc, activation.cc.
#include <cassert>
#include <cmath>

#include "kernels/elementwise/elementwise.h"

namespace aivm::kernels {
namespace {

float unary_scalar(UnaryOp op, float v) {
  switch (op) {
    case UnaryOp::Relu: return v > 0.f ? v : 0.f;
    case UnaryOp::Sigmoid: return sigmoid_f32(v);
    case UnaryOp::Tanh: return std::tanh(v);
    case UnaryOp::Exp: return std::exp(v);
    case UnaryOp::Neg: return -v;
  }
  return v;
}

float binary_scalar(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
  }
  return a;
}

// Offset into an operand of shape s for y's multi-index idx (right-aligned, size-1 dims repeat).
int64_t broadcast_offset(const Shape& y, const int64_t* idx, const Shape& s) {
  int64_t off = 0;
  int shift = y.rank - s.rank;
  for (int d = 0; d < s.rank; ++d) {
    assert(s.dims[d] == 1 || s.dims[d] == y.dims[d + shift]);
    off = off * s.dims[d] + (s.dims[d] == 1 ? 0 : idx[d + shift]);
  }
  return off;
}

}  // namespace

void unary_f32_reference(UnaryOp op, int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = unary_scalar(op, x[i]);
}

void binary_f32_reference(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b,
                          const float* B, float* Y) {
  assert(a.rank <= y.rank && b.rank <= y.rank);
  int64_t idx[kMaxRank] = {};
  int64_t total = y.num_elements();
  for (int64_t i = 0; i < total; ++i) {
    int64_t rem = i;
    for (int d = y.rank - 1; d >= 0; --d) {
      idx[d] = rem % y.dims[d];
      rem /= y.dims[d];
    }
    Y[i] = binary_scalar(op, A[broadcast_offset(y, idx, a)], B[broadcast_offset(y, idx, b)]);
  }
}

}  // namespace aivm::kernels
