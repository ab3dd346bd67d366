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

// "Floats" are f32 f64 f16 bf16 (f16 and bf16 computed in float, rounded once per result);
// "integers" are i8 u8 i16 u16 i32 u32 i64 u64. The float8 / float4 / e8m0 kinds and the
// sub-byte integers are storage types: only CAST (and data movement) takes them.
// Floats: every kind but Not; integers: Relu Neg Abs Sign Not; bool: Not.
bool unary_supports(UnaryOp op, DType dtype);
// Floats and integers: arithmetic, Max, Min, Mod, Fmod, PRelu; integers and bool: And Or Xor;
// integers: shifts.
bool binary_supports(BinaryOp op, DType dtype);
// Operand dtype: floats, integers, bool.
bool compare_supports(CompareOp op, DType dtype);
// Sum Max Min: floats and integers; Mean: floats.
bool nary_supports(NaryOp op, DType dtype);
// Floats and integers.
bool clip_supports(DType dtype);
// Any pair of defined dtypes.
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
// |options| is CAST's D immediate: kCastNoSaturate, kCastE8M0Down / kCastE8M0Nearest.
void cast_reference(DType from, DType to, int64_t n, const void* x, void* y, uint32_t options = 0);
void cast(DType from, DType to, int64_t n, const void* x, void* y, ThreadPool* pool, uint32_t options = 0);

// CAST's option bits (only meaningful for float8 / e8m0 targets).
inline constexpr uint32_t kCastNoSaturate = 1;     // out-of-range float8 gives inf / NaN
inline constexpr uint32_t kCastE8M0Down = 2;       // e8m0 targets round the exponent down
inline constexpr uint32_t kCastE8M0Nearest = 4;    // ... or to nearest (default: up)
inline constexpr uint32_t kCastBitwise = 8;        // ONNX BitCast: the bytes, reinterpreted (equal sizes)
inline constexpr uint32_t kCastOptionMask = 15;

// QUANTIZE / DEQUANTIZE (ONNX QuantizeLinear / DequantizeLinear). x is viewed as
// [outer, n, inner] around the quantization axis; element (o, k, i) uses scale and zero point
// number o * stride_o + (k / block) * stride_k + i * stride_i: all strides 0 per tensor, stride_k
// 1 per axis, and (ceil(n / block) * inner, inner, 1) for blocks along the axis.
struct QuantLayout {
  int64_t outer = 1, n = 1, inner = 1, block = 1;
  int64_t stride_o = 0, stride_k = 0, stride_i = 0;
};
// The quantized dtypes: i8 u8 i16 u16 i4 u4 i2 u2, the float8 kinds and f4e2m1; the real side
// (x of QUANTIZE, y of DEQUANTIZE, the scale) is f32, f16 or bf16.
bool quantized_dtype(DType t);
bool quant_real_dtype(DType t);
// y = saturate(round_half_even(x / scale) + zero_point) for integer y; float8 / f4e2m1 y =
// x / scale (+ zero_point for f4e2m1) converted as CAST with |options| (kCastNoSaturate).
// |zero_point| (of y's dtype) may be null: 0. Computed in float, like ONNX's reference.
void quantize(DType x_dtype, DType scale_dtype, DType y_dtype, const QuantLayout& layout, const void* x,
              const void* scale, const void* zero_point, void* y, uint32_t options, ThreadPool* pool);
// y = (x - zero_point) * scale in float, converted to y's dtype; the zero point (of x's dtype,
// may be null) is ignored for the float8 / f4e2m1 kinds, whose zero point ONNX fixes at 0.
void dequantize(DType x_dtype, DType scale_dtype, DType y_dtype, const QuantLayout& layout, const void* x,
                const void* scale, const void* zero_point, void* y, ThreadPool* pool);

// y[i] = act(x[i]) for any isa::Activation (ACT); x may equal y.
void activation_f32_reference(const Activation& act, int64_t n, const float* x, float* y);
void activation_f32(const Activation& act, int64_t n, const float* x, float* y, ThreadPool* pool);

// In place over y[0, n), on the caller's thread: the fused epilogue of gemm/conv.
void apply_activation_f32(const Activation& act, int64_t n, float* y);
// The same for the fast paths' epilogues (GEMM, conv): exp-based kinds use kernels/vmath, so
// they may differ from apply_activation_f32 by a few ulp.
void epilogue_activation_f32(const Activation& act, int64_t n, float* y);
// y = act(y + residual) in place, residual nullptr for none: the tail of a conv path whose
// kernel stops before its fused skip connection (the residual comes before the activation).
void residual_epilogue_f32(const Activation& act, int64_t n, const float* residual, float* y);

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
template <typename C>
inline C sigmoid(C x) {
  // exp of a non-positive argument only, so large |x| never overflows to inf / inf.
  if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
  C e = std::exp(x);
  return e / (C(1) + e);
}
inline float sigmoid_f32(float x) { return sigmoid(x); }

}  // namespace aivm::kernels
