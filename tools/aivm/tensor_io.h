// Tensor files for the aivm runner: NumPy .npy (read and write) and ONNX TensorProto .pb
// (read). The protobuf wire format is parsed by hand: the runtime side never links protobuf.
//
// Data is always little-endian and C order in memory, as the C API takes it. Errors come
// back as one line in |error| (what and where), never as exceptions, so the runner decides
// how to report them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aivm.h"
#include "format/dtype.h"
#include "format/float_formats.h"

namespace aivm::tools {

// A host tensor. |data| holds exactly element_count() * aivm_dtype_size(dtype) bytes.
struct HostTensor {
  std::string name;  // TensorProto.name; empty for .npy
  aivm_dtype_t dtype = AIVM_DTYPE_UNDEFINED;
  std::vector<int64_t> shape;  // empty: a scalar
  std::vector<uint8_t> data;

  size_t element_count() const;
};

// "f32", "i64", ...; "invalid" for an unknown value. Same spelling as aivm_dtype_name.
const char* dtype_label(aivm_dtype_t dtype);
// Bytes per element; 0 for UNDEFINED or an unknown value.
size_t dtype_bytes(aivm_dtype_t dtype);
// "[1, 3, 224, 224]"; "[]" for a scalar; a negative dim prints as "?".
std::string shape_string(const int64_t* shape, size_t rank);

//===------------------------------------------------------------------------------------===//
// Reading
//===------------------------------------------------------------------------------------===//

// Parses a whole .npy file (format versions 1, 2 and 3). Accepted dtypes: <f4 <f8 <f2 <i8
// <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1 ('=' and, for one-byte types, '<'/'>' are accepted too) and
// the ml_dtypes names (bfloat16, float8_e4m3fn, int4, ...: one element per byte for the 4- and
// 2-bit types). Fortran order is accepted only when it equals C order (at most one dimension
// > 1).
bool parse_npy(const uint8_t* bytes, size_t size, HostTensor* out, std::string* error);

// Parses a serialized onnx.TensorProto: dims (1), data_type (2), float_data (4),
// int32_data (5), int64_data (7), name (8), raw_data (9), double_data (10), uint64_data (11);
// repeated numeric fields packed or not; 4- and 2-bit types unpacked to a byte each. Other
// fields are skipped; external data is an error.
bool parse_tensor_proto(const uint8_t* bytes, size_t size, HostTensor* out, std::string* error);

// Reads |path| and parses it as .npy when it starts with the NumPy magic, else as a
// TensorProto. |error| names the file.
bool read_tensor_file(const std::string& path, HostTensor* out, std::string* error);

//===------------------------------------------------------------------------------------===//
// Writing
//===------------------------------------------------------------------------------------===//

// Serializes a .npy file (version 1.0, or 2.0 if the header needs it); header padded so the
// data starts at a multiple of 64 bytes. Dtypes numpy has no code for get their ml_dtypes name.
std::vector<uint8_t> encode_npy(aivm_dtype_t dtype, const int64_t* shape, size_t rank,
                                const void* data, size_t size_bytes);

// Writes |size| bytes to |path| atomically: a temporary file in the same directory, then
// rename(2). On failure nothing is left at |path| that was not there before.
bool write_file_atomic(const std::string& path, const void* data, size_t size,
                       std::string* error);

// The elements as "[1, 2.5, -3]" in C order; floats in %g form (narrow floats converted),
// bool as true/false. Reads min(count, max_elements) elements, then appends ", ..." .
std::string format_values(aivm_dtype_t dtype, const void* data, size_t count,
                          size_t max_elements);

}  // namespace aivm::tools
