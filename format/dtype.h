// Element types shared by the compiler, the bundle and the VM. The numbering is the bundle's
// (format/aivm.fbs DType) and the C API's (aivm_dtype_t); static_asserts tie them together.
// New types are appended: a number, once used, keeps its meaning.
//
// Storage: every element occupies dtype_size() bytes, little-endian. The sub-byte integers
// (u4 i4 u2 i2) are NOT packed inside aivm: each element is one byte holding its value
// (zero- or sign-extended), as numpy's ml_dtypes holds them; ONNX's packed form is unpacked
// by the importer and the runner. The narrow floats (f16 bf16, the float8 kinds, f4e2m1) are
// their bit patterns (format/float_formats.h converts them); f4e2m1 sits in a byte's low
// nibble. f8e8m0 is a biased power of two (0xff NaN).
#pragma once

#include <cstddef>
#include <cstdint>

namespace aivm {

enum class DType : uint8_t {
  Undefined = 0,
  F32 = 1,
  F16 = 2,
  I8 = 3,
  U8 = 4,
  I32 = 5,
  I64 = 6,
  Bool = 7,
  F64 = 8,
  I16 = 9,
  U16 = 10,
  U32 = 11,
  U64 = 12,
  BF16 = 13,
  F8E4M3FN = 14,    // 4 exponent bits, 3 mantissa bits, no inf, NaN = s.1111.111
  F8E4M3FNUZ = 15,  // no inf, no -0, NaN = 0x80
  F8E5M2 = 16,      // IEEE-like: inf and NaN
  F8E5M2FNUZ = 17,  // no inf, no -0, NaN = 0x80
  U4 = 18,
  I4 = 19,
  F4E2M1 = 20,  // 2 exponent bits, 1 mantissa bit, no inf or NaN
  F8E8M0 = 21,  // 2^(bits - 127), 0xff NaN (the OCP MX scale type)
  U2 = 22,
  I2 = 23,
};
inline constexpr int kDTypeCount = 24;

// Bytes per element; 0 for Undefined or an out-of-range value.
inline constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64: case DType::I64: case DType::U64: return 8;
    case DType::F32: case DType::I32: case DType::U32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: case DType::U16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: case DType::F8E4M3FN: case DType::F8E4M3FNUZ:
    case DType::F8E5M2: case DType::F8E5M2FNUZ: case DType::U4: case DType::I4: case DType::F4E2M1:
    case DType::F8E8M0: case DType::U2: case DType::I2: return 1;
    default: return 0;
  }
}

// Bits of information per element as ONNX packs them (4 for u4 i4 f4e2m1, 2 for u2 i2,
// 8 * dtype_size otherwise): what a packed external tensor takes.
inline constexpr int dtype_packed_bits(DType t) {
  switch (t) {
    case DType::U4: case DType::I4: case DType::F4E2M1: return 4;
    case DType::U2: case DType::I2: return 2;
    default: return int(dtype_size(t) * 8);
  }
}

// ONNX TensorProto.DataType numbers, for the importer and the runner's .pb reader: the DType
// of an ONNX element type (Undefined if aivm has none: STRING, COMPLEX*, ...) and back (0 for
// Undefined).
inline constexpr DType dtype_from_onnx_type(int elem_type) {
  constexpr DType kByOnnx[] = {
      DType::Undefined, DType::F32,  DType::U8,       DType::I8,         DType::U16,    DType::I16,
      DType::I32,       DType::I64,  DType::Undefined, DType::Bool,      DType::F16,    DType::F64,
      DType::U32,       DType::U64,  DType::Undefined, DType::Undefined, DType::BF16,   DType::F8E4M3FN,
      DType::F8E4M3FNUZ, DType::F8E5M2, DType::F8E5M2FNUZ, DType::U4,    DType::I4,     DType::F4E2M1,
      DType::F8E8M0,    DType::U2,   DType::I2};
  return elem_type >= 0 && elem_type < int(sizeof(kByOnnx) / sizeof(kByOnnx[0])) ? kByOnnx[elem_type]
                                                                                  : DType::Undefined;
}
inline constexpr int onnx_type_of(DType t) {
  for (int i = 1; i <= 26; ++i)
    if (dtype_from_onnx_type(i) == t) return i;
  return 0;
}

// ONNX packs the 4- and 2-bit types (low bits first) in raw and typed data; aivm holds one
// element per byte. Bytes of |count| elements of |t| packed: ceil(count * bits / 8).
inline constexpr uint64_t dtype_packed_bytes(DType t, uint64_t count) {
  return (count * uint64_t(dtype_packed_bits(t)) + 7) / 8;
}
// Element i of a packed buffer, sign-extended for i4 / i2 (f4e2m1 stays a bit pattern).
inline constexpr uint8_t unpack_element(DType t, const uint8_t* packed, uint64_t i) {
  const int bits = dtype_packed_bits(t);
  if (bits == 8) return packed[i];
  const int per_byte = 8 / bits;
  const unsigned mask = (1u << bits) - 1;
  unsigned v = (packed[i / per_byte] >> (int(i % per_byte) * bits)) & mask;
  if ((t == DType::I4 || t == DType::I2) && (v >> (bits - 1))) v |= ~mask;  // sign-extend
  return uint8_t(v);
}

// "f32", "i64", ... as the assembly, disassembler and error messages spell them.
const char* dtype_name(DType t);
// Inverse of dtype_name; Undefined if |name| is not one.
DType dtype_from_name(const char* name);

}  // namespace aivm
