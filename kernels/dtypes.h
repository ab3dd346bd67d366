// Element types as the kernels see them: storage and compute type per DType, the run-time ->
// compile-time dtype dispatch, and the dtype classes every family's support rules use.
// Shared by the kernel families (elementwise, reduce); never includes VM or compiler headers.
#pragma once

#include <cstdint>
#include <type_traits>

#include "format/dtype.h"
#include "format/float_formats.h"

namespace aivm::kernels {

//===----------------------------------------------------------------------===//
// Dtypes
//===----------------------------------------------------------------------===//

// T: the storage type; C: the type arithmetic is done in. f16 and bf16 compute in float and
// round once on store (as ONNX Runtime does), f64 in double; the float8 / float4 / e8m0 and
// sub-byte integer kinds are storage only (CAST and data movement), C is unused for them.
template <DType D> struct Elem;
template <typename S, typename C = S> struct ElemOf {
  using T = S;
  using Compute = C;
};
template <> struct Elem<DType::F32> : ElemOf<float> {};
template <> struct Elem<DType::F64> : ElemOf<double> {};
template <> struct Elem<DType::F16> : ElemOf<uint16_t, float> {};
template <> struct Elem<DType::BF16> : ElemOf<uint16_t, float> {};
template <> struct Elem<DType::I8> : ElemOf<int8_t> {};
template <> struct Elem<DType::U8> : ElemOf<uint8_t> {};
template <> struct Elem<DType::I16> : ElemOf<int16_t> {};
template <> struct Elem<DType::U16> : ElemOf<uint16_t> {};
template <> struct Elem<DType::I32> : ElemOf<int32_t> {};
template <> struct Elem<DType::U32> : ElemOf<uint32_t> {};
template <> struct Elem<DType::I64> : ElemOf<int64_t> {};
template <> struct Elem<DType::U64> : ElemOf<uint64_t> {};
template <> struct Elem<DType::Bool> : ElemOf<uint8_t> {};
template <> struct Elem<DType::F8E4M3FN> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::F8E4M3FNUZ> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::F8E5M2> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::F8E5M2FNUZ> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::F4E2M1> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::F8E8M0> : ElemOf<uint8_t, float> {};
template <> struct Elem<DType::U4> : ElemOf<uint8_t> {};
template <> struct Elem<DType::I4> : ElemOf<int8_t> {};
template <> struct Elem<DType::U2> : ElemOf<uint8_t> {};
template <> struct Elem<DType::I2> : ElemOf<int8_t> {};
template <DType D> using elem_t = typename Elem<D>::T;
template <DType D> using compute_t = typename Elem<D>::Compute;

template <DType D> using DTypeTag = std::integral_constant<DType, D>;

// Calls f(DTypeTag<D>{}) for |d|; returns false for Undefined or an unknown value.
template <typename F>
bool dispatch_dtype(DType d, F&& f) {
#define AIVM_DTYPE_CASE(X) \
  case DType::X: f(DTypeTag<DType::X>{}); return true;
  switch (d) {
    AIVM_DTYPE_CASE(F32) AIVM_DTYPE_CASE(F16) AIVM_DTYPE_CASE(I8) AIVM_DTYPE_CASE(U8) AIVM_DTYPE_CASE(I32)
    AIVM_DTYPE_CASE(I64) AIVM_DTYPE_CASE(Bool) AIVM_DTYPE_CASE(F64) AIVM_DTYPE_CASE(I16) AIVM_DTYPE_CASE(U16)
    AIVM_DTYPE_CASE(U32) AIVM_DTYPE_CASE(U64) AIVM_DTYPE_CASE(BF16) AIVM_DTYPE_CASE(F8E4M3FN)
    AIVM_DTYPE_CASE(F8E4M3FNUZ) AIVM_DTYPE_CASE(F8E5M2) AIVM_DTYPE_CASE(F8E5M2FNUZ) AIVM_DTYPE_CASE(U4)
    AIVM_DTYPE_CASE(I4) AIVM_DTYPE_CASE(F4E2M1) AIVM_DTYPE_CASE(F8E8M0) AIVM_DTYPE_CASE(U2) AIVM_DTYPE_CASE(I2)
    default: return false;
  }
#undef AIVM_DTYPE_CASE
}

// The dtypes arithmetic is defined on (the rest only convert and move).
constexpr bool is_float(DType d) {
  return d == DType::F32 || d == DType::F64 || d == DType::F16 || d == DType::BF16;
}
constexpr bool is_integer(DType d) {
  switch (d) {
    case DType::I8: case DType::U8: case DType::I16: case DType::U16: case DType::I32: case DType::U32:
    case DType::I64: case DType::U64: return true;
    default: return false;
  }
}
// Storage-only floats (CAST converts them; nothing computes on them).
constexpr bool is_narrow_float(DType d) {
  switch (d) {
    case DType::F8E4M3FN: case DType::F8E4M3FNUZ: case DType::F8E5M2: case DType::F8E5M2FNUZ:
    case DType::F4E2M1: case DType::F8E8M0: return true;
    default: return false;
  }
}
// 4- and 2-bit integers, one per byte: their width in bits, else 0.
constexpr int sub_byte_bits(DType d) {
  return d == DType::U4 || d == DType::I4 ? 4 : d == DType::U2 || d == DType::I2 ? 2 : 0;
}

// A float8 / float4 dtype's format (e8m0 has its own functions).
constexpr NarrowFloat narrow_format(DType d) {
  switch (d) {
    case DType::F8E4M3FN: return kE4M3FN;
    case DType::F8E4M3FNUZ: return kE4M3FNUZ;
    case DType::F8E5M2: return kE5M2;
    case DType::F8E5M2FNUZ: return kE5M2FNUZ;
    default: return kE2M1;
  }
}

// Storage -> compute type and back (identity but for f16 and bf16).
template <DType D>
inline compute_t<D> load(elem_t<D> v) {
  if constexpr (D == DType::F16) return half_to_float(v);
  else if constexpr (D == DType::BF16) return bf16_to_float(v);
  else return v;
}
template <DType D>
inline elem_t<D> store(compute_t<D> v) {
  if constexpr (D == DType::F16) return float_to_half(v);
  else if constexpr (D == DType::BF16) return float_to_bf16(v);
  else return v;
}

}  // namespace aivm::kernels
