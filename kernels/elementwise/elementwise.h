// Elementwise kernels: unary math, activations, clip, casts, broadcasting binary arithmetic,
// comparisons, select (where) and n-ary folds, over the bundle's dtypes.
//
// Each family has a scalar reference (reference.cc, the test oracle) and the entry point the VM
// calls (the fast path: coalesced broadcast loops split across the pool). Both apply the same
// scalar semantics (scalar_ops.h). Kinds are the ISA's (isa/attrs.h), so a kind immediate in an
// instruction is passed straight through.
//
// Contracts shared by every entry point:
//   - Buffers hold elements of the stated dtype, densely, in row-major order.
//   - Broadcasting is ONNX multidirectional: each operand is right-aligned against y and each
//     of its dims is y's or 1. y's shape is given, not re-derived.
//   - Y may alias an operand only when that operand has y's full shape (and for unary ops, x);
//     otherwise the buffers do not overlap.
//   - The kind must be supported for the dtype (*_supports); kernels assert, never fail.
#pragma once

#include <cmath>
#include <cstdint>

#include "format/dtype.h"
#include "isa/attrs.h"
#include "kernels/common.h"

namespace aivm::kernels {

using UnaryOp = isa::UnaryKind;
using BinaryOp = isa::BinaryKind;
using CompareOp = isa::CompareKind;
using NaryOp = isa::NaryKind;

//===----------------------------------------------------------------------===//
// What is supported (shared by the compiler's rules and the VM's verifier)
//===----------------------------------------------------------------------===//

// f32: every kind but Not; i8 u8 i32 i64: Relu Neg Abs Sign Not; bool: Not.
bool unary_supports(UnaryOp op, DType dtype);
// f32 and integers: arithmetic, Max, Min, Mod, Fmod, PRelu; integers and bool: And Or Xor;
// integers: shifts.
bool binary_supports(BinaryOp op, DType dtype);
// Operand dtype: f32, integers, bool.
bool compare_supports(CompareOp op, DType dtype);
// Sum Max Min: f32 and integers; Mean: f32.
bool nary_supports(NaryOp op, DType dtype);
// f32 and integers.
bool clip_supports(DType dtype);
// Any pair of f32 f16 i8 u8 i32 i64 bool.
bool cast_supports(DType from, DType to);

//===----------------------------------------------------------------------===//
// Entry points (reference / fast path pairs)
//===----------------------------------------------------------------------===//

// y[i] = op(x[i]) for i in [0, n).
void unary_reference(UnaryOp op, DType dtype, int64_t n, const void* x, void* y);
void unary(UnaryOp op, DType dtype, int64_t n, const void* x, void* y, ThreadPool* pool);

// Y = A op B with broadcasting; all three of |dtype|.
void binary_reference(BinaryOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b,
                      const void* B, void* Y);
void binary(BinaryOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b, const void* B,
            void* Y, ThreadPool* pool);

// Y (bool bytes, 0 or 1) = A cmp B with broadcasting; A and B of |dtype|.
void compare_reference(CompareOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b,
                       const void* B, uint8_t* Y);
void compare(CompareOp op, DType dtype, const Shape& y, const Shape& a, const void* A, const Shape& b, const void* B,
             uint8_t* Y, ThreadPool* pool);

// Y = fold of op over the n >= 2 operands (Mean: the sum divided by n), broadcast to y.
void nary_reference(NaryOp op, DType dtype, const Shape& y, int n, const Shape* shapes, const void* const* data,
                    void* Y);
void nary(NaryOp op, DType dtype, const Shape& y, int n, const Shape* shapes, const void* const* data, void* Y,
          ThreadPool* pool);

// Y = C ? A : B with broadcasting of all three; C is bool bytes, A, B and Y elements of
// |elem_size| bytes (1, 2, 4 or 8), copied, never interpreted.
void where_reference(size_t elem_size, const Shape& y, const Shape& c, const uint8_t* C, const Shape& a, const void* A,
                     const Shape& b, const void* B, void* Y);
void where(size_t elem_size, const Shape& y, const Shape& c, const uint8_t* C, const Shape& a, const void* A,
           const Shape& b, const void* B, void* Y, ThreadPool* pool);

// y[i] = min(max(x[i], *lo), *hi): lo and hi point to one element of |dtype| each.
void clip_reference(DType dtype, int64_t n, const void* x, const void* lo, const void* hi, void* y);
void clip(DType dtype, int64_t n, const void* x, const void* lo, const void* hi, void* y, ThreadPool* pool);

// y[i] = x[i] converted from |from| to |to| (opcodes.def *E4: truncating, saturating, NaN -> 0).
void cast_reference(DType from, DType to, int64_t n, const void* x, void* y);
void cast(DType from, DType to, int64_t n, const void* x, void* y, ThreadPool* pool);

// y[i] = act(x[i]) for any isa::Activation (ACT); x may equal y.
void activation_f32_reference(const Activation& act, int64_t n, const float* x, float* y);
void activation_f32(const Activation& act, int64_t n, const float* x, float* y, ThreadPool* pool);

// In place over y[0, n), on the caller's thread: the fused epilogue of gemm/conv.
void apply_activation_f32(const Activation& act, int64_t n, float* y);
// The same for the fast paths' epilogues (GEMM, conv): exp-based kinds use kernels/vmath, so
// they may differ from apply_activation_f32 by a few ulp.
void epilogue_activation_f32(const Activation& act, int64_t n, float* y);

//===----------------------------------------------------------------------===//
// f32 shorthands (the original entry points)
//===----------------------------------------------------------------------===//

inline void unary_f32_reference(UnaryOp op, int64_t n, const float* x, float* y) {
  unary_reference(op, DType::F32, n, x, y);
}
inline void unary_f32(UnaryOp op, int64_t n, const float* x, float* y, ThreadPool* pool) {
  unary(op, DType::F32, n, x, y, pool);
}
inline void binary_f32_reference(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b,
                                 const float* B, float* Y) {
  binary_reference(op, DType::F32, y, a, A, b, B, Y);
}
inline void binary_f32(BinaryOp op, const Shape& y, const Shape& a, const float* A, const Shape& b, const float* B,
                       float* Y, ThreadPool* pool) {
  binary(op, DType::F32, y, a, A, b, B, Y, pool);
}

// Scalar forms shared by the reference and the fast paths, so both round identically.
inline float sigmoid_f32(float x) {
  // exp of a non-positive argument only, so large |x| never overflows to inf / inf.
  if (x >= 0.f) return 1.f / (1.f + std::exp(-x));
  float e = std::exp(x);
  return e / (1.f + e);
}

}  // namespace aivm::kernels
