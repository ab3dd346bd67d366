// Names of element types.
#include "format/dtype.h"

#include <cstring>

namespace aivm {
namespace {
constexpr const char* kNames[kDTypeCount] = {
    "undefined", "f32",    "f16", "i8",     "u8",     "i32",        "i64",    "bool",
    "f64",       "i16",    "u16", "u32",    "u64",    "bf16",       "f8e4m3fn", "f8e4m3fnuz",
    "f8e5m2",    "f8e5m2fnuz", "u4", "i4",  "f4e2m1", "f8e8m0",     "u2",     "i2"};
}

const char* dtype_name(DType t) {
  unsigned i = unsigned(t);
  return i < kDTypeCount ? kNames[i] : "invalid";
}

DType dtype_from_name(const char* name) {
  for (int i = 1; i < kDTypeCount; ++i)
    if (std::strcmp(kNames[i], name) == 0) return DType(i);
  return DType::Undefined;
}

}  // namespace aivm
