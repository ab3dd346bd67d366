// Element types shared by the compiler, the bundle and the VM. The numbering is the bundle's
// (format/aivm.fbs DType) and the C API's (aivm_dtype_t); static_asserts tie them together.
#pragma once

#include <cstddef>
#include <cstdint>

namespace aivm {

enum class DType : uint8_t { Undefined = 0, F32 = 1, F16 = 2, I8 = 3, U8 = 4, I32 = 5, I64 = 6, Bool = 7 };
inline constexpr int kDTypeCount = 8;

// Bytes per element; 0 for Undefined or an out-of-range value.
inline constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::F16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: return 1;
    case DType::I64: return 8;
    default: return 0;
  }
}

// "f32", "i64", ... as the assembly, disassembler and error messages spell them.
const char* dtype_name(DType t);
// Inverse of dtype_name; Undefined if |name| is not one.
DType dtype_from_name(const char* name);

}  // namespace aivm
