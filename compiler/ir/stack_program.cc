// Out-of-line members of the stack program's constant tensors: element counts and typed reads
// used by passes that inspect shape-like constants (Reshape targets, Slice bounds, ...).
#include "compiler/ir/stack_program.h"

#include <cmath>
#include <cstring>

namespace aivm::compiler {
namespace {

// IEEE binary16 bits -> float, exact (every half is representable as a float).
float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal half: normalise the mantissa into a normal float.
    int shift = 0;
    while ((mant & 0x400u) == 0) { mant <<= 1; ++shift; }
    bits = sign | uint32_t(113 - shift) << 23 | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Reads element |i| as T from little-endian bytes (the host is little-endian; see DESIGN).
template <typename T>
T load(const std::vector<uint8_t>& data, int64_t i) {
  T v;
  std::memcpy(&v, data.data() + size_t(i) * sizeof(T), sizeof(T));
  return v;
}

// Float -> int64 without undefined behaviour: truncates, saturates, NaN -> 0.
int64_t to_i64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return int64_t(v);
}

void check_index(const Tensor& t, int64_t i) {
  int64_t n = t.num_elements();
  if (i < 0 || i >= n || size_t(n) * dtype_size(t.dtype) > t.data.size())
    throw CompileError("constant element " + std::to_string(i) + " out of range (" + std::to_string(n) +
                       " elements of " + dtype_name(t.dtype) + ", " + std::to_string(t.data.size()) + " bytes)");
}

}  // namespace

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t Tensor::int_at(int64_t i) const {
  check_index(*this, i);
  switch (dtype) {
    case DType::F32: return to_i64(load<float>(data, i));
    case DType::F16: return to_i64(half_to_float(load<uint16_t>(data, i)));
    case DType::I8: return load<int8_t>(data, i);
    case DType::U8: return load<uint8_t>(data, i);
    case DType::Bool: return load<uint8_t>(data, i) != 0;
    case DType::I32: return load<int32_t>(data, i);
    case DType::I64: return load<int64_t>(data, i);
    default: throw CompileError(std::string("constant of dtype ") + dtype_name(dtype) + " has no elements");
  }
}

double Tensor::float_at(int64_t i) const {
  check_index(*this, i);
  switch (dtype) {
    case DType::F32: return load<float>(data, i);
    case DType::F16: return half_to_float(load<uint16_t>(data, i));
    case DType::I8: return load<int8_t>(data, i);
    case DType::U8: return load<uint8_t>(data, i);
    case DType::Bool: return load<uint8_t>(data, i) != 0;
    case DType::I32: return load<int32_t>(data, i);
    case DType::I64: return double(load<int64_t>(data, i));
    default: throw CompileError(std::string("constant of dtype ") + dtype_name(dtype) + " has no elements");
  }
}

}  // namespace aivm::compiler
