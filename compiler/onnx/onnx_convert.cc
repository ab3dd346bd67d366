// ONNX importer: conversion of element types, value infos, tensors and attributes.
//
// Tensor data comes from one of three places, checked in this order: an external file
// (data_location = EXTERNAL), raw_data (little-endian bytes), or the typed repeated field the
// ONNX spec assigns to the element type (float_data, int32_data, int64_data). Every size is
// checked against the shape before anything is allocated, so a hostile file gets an error,
// never a huge allocation or an out-of-bounds read.
#include "compiler/onnx/onnx_convert.h"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace aivm::compiler::onnx_import {
namespace {

namespace fs = std::filesystem;
using TP = onnx::TensorProto;

// Largest tensor we agree to hold in memory; far beyond any real weight, small enough that
// element count * element size cannot overflow.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 40;

//===----------------------------------------------------------------------===//
// Element counts and sizes
//===----------------------------------------------------------------------===//

// Number of bytes the tensor's shape calls for; throws on a negative dim or an absurd size.
size_t expected_bytes(const Tensor& t, const SourceLoc& loc, const std::string& what) {
  uint64_t n = 1;
  for (int64_t d : t.shape) {
    if (d < 0) throw CompileError(loc, what + " has negative dimension " + std::to_string(d));
    if (d != 0 && n > kMaxTensorBytes / uint64_t(d))
      throw CompileError(loc, what + " is too large (more than 2^40 bytes)");
    n *= uint64_t(d);
  }
  uint64_t bytes = n * dtype_size(t.dtype);
  if (bytes > kMaxTensorBytes) throw CompileError(loc, what + " is too large (more than 2^40 bytes)");
  return size_t(bytes);
}

// The bytes ONNX stores for |t| (packed for the 4- and 2-bit types).
size_t stored_bytes(const Tensor& t, size_t unpacked) {
  return size_t(dtype_packed_bytes(t.dtype, unpacked / dtype_size(t.dtype)));
}

// |t.data| := |packed| with one element per byte (a copy when nothing is packed).
void unpack_into(Tensor& t, const uint8_t* packed, size_t unpacked) {
  t.data.resize(unpacked);
  if (dtype_packed_bits(t.dtype) >= 8) {
    if (unpacked) std::memcpy(t.data.data(), packed, unpacked);
    return;
  }
  for (size_t i = 0; i < unpacked; ++i) t.data[i] = unpack_element(t.dtype, packed, i);
}

std::string size_mismatch(const std::string& what, const std::string& source, size_t got, size_t want) {
  return what + ": " + source + " holds " + std::to_string(got) + " but the shape needs " + std::to_string(want);
}

//===----------------------------------------------------------------------===//
// External data
//===----------------------------------------------------------------------===//

// Parses a non-negative decimal integer from an external_data value.
uint64_t parse_u64(const std::string& s, const SourceLoc& loc, const std::string& what) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    throw CompileError(loc, what + ": external data value '" + s + "' is not a non-negative integer");
  return v;
}

// Resolves |location| under |base_dir|, refusing paths that could leave the model's directory.
fs::path external_path(const std::string& location, const ImportContext& ctx, const SourceLoc& loc,
                       const std::string& what) {
  fs::path rel(location);
  if (location.empty() || rel.is_absolute())
    throw CompileError(loc, what + ": external data location '" + location + "' must be a relative path");
  for (const auto& part : rel)
    if (part == "..")
      throw CompileError(loc, what + ": external data location '" + location + "' leaves the model's directory");
  return ctx.base_dir.empty() ? rel : fs::path(ctx.base_dir) / rel;
}

void read_external(const TP& tp, Tensor& t, size_t unpacked, const ImportContext& ctx, const SourceLoc& loc,
                   const std::string& what) {
  const size_t want = stored_bytes(t, unpacked);
  std::string location;
  uint64_t offset = 0, length = 0;
  bool has_length = false;
  for (const auto& kv : tp.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = parse_u64(kv.value(), loc, what);
    else if (kv.key() == "length") { length = parse_u64(kv.value(), loc, what); has_length = true; }
  }
  fs::path path = external_path(location, ctx, loc, what);
  std::error_code ec;
  uint64_t file_size = fs::file_size(path, ec);
  if (ec) throw CompileError(loc, what + ": cannot read external data file '" + path.string() + "': " + ec.message());
  if (offset > file_size)
    throw CompileError(loc, what + ": external data offset " + std::to_string(offset) + " is past the end of '" +
                                path.string() + "' (" + std::to_string(file_size) + " bytes)");
  if (!has_length) length = file_size - offset;
  if (length > file_size - offset)
    throw CompileError(loc, what + ": external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                ") runs past the end of '" + path.string() + "' (" + std::to_string(file_size) +
                                " bytes)");
  if (length != want) throw CompileError(loc, size_mismatch(what, "external data", size_t(length), want) + " bytes");
  std::vector<uint8_t> bytes(want);
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(offset));
  if (want != 0 && !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(want)))
    throw CompileError(loc, what + ": reading external data from '" + path.string() + "' failed");
  unpack_into(t, bytes.data(), unpacked);
}

//===----------------------------------------------------------------------===//
// Typed fields
//===----------------------------------------------------------------------===//

// Stores |src| element by element as T (the narrowing ONNX prescribes for int32_data).
template <typename T, typename Field>
void store_as(const Field& src, Tensor& t) {
  t.data.resize(size_t(src.size()) * sizeof(T));
  for (int i = 0; i < src.size(); ++i) {
    T v = static_cast<T>(src.Get(i));
    std::memcpy(t.data.data() + size_t(i) * sizeof(T), &v, sizeof(T));
  }
}

void read_typed(const TP& tp, Tensor& t, size_t want, const SourceLoc& loc, const std::string& what) {
  size_t n = want / dtype_size(t.dtype);
  auto check = [&](int count, const char* field) {
    if (size_t(count) != n)
      throw CompileError(loc, size_mismatch(what, field, size_t(count), n) + " elements");
  };
  if (dtype_packed_bits(t.dtype) < 8) {  // int32_data holds the packed bytes, one per entry
    const size_t packed = stored_bytes(t, want);
    if (size_t(tp.int32_data_size()) != packed)
      throw CompileError(loc, size_mismatch(what, "int32_data", size_t(tp.int32_data_size()), packed) + " packed bytes");
    std::vector<uint8_t> bytes(packed);
    for (size_t i = 0; i < packed; ++i) bytes[i] = uint8_t(tp.int32_data(int(i)));
    unpack_into(t, bytes.data(), want);
    return;
  }
  switch (t.dtype) {
    case DType::F32: check(tp.float_data_size(), "float_data"); store_as<float>(tp.float_data(), t); break;
    case DType::F64: check(tp.double_data_size(), "double_data"); store_as<double>(tp.double_data(), t); break;
    case DType::I64: check(tp.int64_data_size(), "int64_data"); store_as<int64_t>(tp.int64_data(), t); break;
    case DType::U32: check(tp.uint64_data_size(), "uint64_data"); store_as<uint32_t>(tp.uint64_data(), t); break;
    case DType::U64: check(tp.uint64_data_size(), "uint64_data"); store_as<uint64_t>(tp.uint64_data(), t); break;
    case DType::I32: check(tp.int32_data_size(), "int32_data"); store_as<int32_t>(tp.int32_data(), t); break;
    case DType::I16: check(tp.int32_data_size(), "int32_data"); store_as<int16_t>(tp.int32_data(), t); break;
    case DType::I8: check(tp.int32_data_size(), "int32_data"); store_as<int8_t>(tp.int32_data(), t); break;
    case DType::Bool:
      check(tp.int32_data_size(), "int32_data");
      t.data.resize(n);
      for (size_t i = 0; i < n; ++i) t.data[i] = tp.int32_data(int(i)) != 0;
      break;
    default:  // u8 u16, and the bit patterns of f16 bf16 and the float8 kinds
      check(tp.int32_data_size(), "int32_data");
      if (dtype_size(t.dtype) == 2) store_as<uint16_t>(tp.int32_data(), t);
      else store_as<uint8_t>(tp.int32_data(), t);
      break;
  }
}

}  // namespace

//===----------------------------------------------------------------------===//
// Public helpers
//===----------------------------------------------------------------------===//

DType dtype_from_onnx(int elem_type, const SourceLoc& loc, const std::string& what) {
  DType t = dtype_from_onnx_type(elem_type);
  if (t != DType::Undefined) return t;
  if (elem_type == TP::UNDEFINED) throw CompileError(loc, what + " has no element type");
  const std::string& name = TP::DataType_IsValid(elem_type) ? TP::DataType_Name(TP::DataType(elem_type)) : "";
  throw CompileError(loc, what + " has element type " + (name.empty() ? std::to_string(elem_type) : name) +
                              ", which aivm does not support");
}

ValueSpec spec_from_value_info(const onnx::ValueInfoProto& info, const SourceLoc& loc, bool require_shape) {
  ValueSpec spec;
  spec.name = info.name();
  std::string what = std::string(require_shape ? "graph input '" : "graph output '") + info.name() + "'";
  const auto& type = info.type();
  if (!type.has_tensor_type()) {
    if (require_shape) throw CompileError(loc, what + " is not a tensor (sequence/map/optional types are not supported)");
    spec.dtype = DType::Undefined;
    return spec;
  }
  const auto& tt = type.tensor_type();
  if (!require_shape && (tt.elem_type() == TP::UNDEFINED || !tt.has_shape())) {
    spec.dtype = DType::Undefined;  // unknown type or rank: leave it to shape inference
    return spec;
  }
  spec.dtype = dtype_from_onnx(tt.elem_type(), loc, what);
  if (!tt.has_shape()) throw CompileError(loc, what + " has no shape (inputs of unknown rank are not supported)");
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      spec.shape.push_back(d.dim_value());
      spec.dim_names.emplace_back();
    } else {
      spec.shape.push_back(-1);
      spec.dim_names.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return spec;
}

Tensor tensor_from_onnx(const TP& tp, const ImportContext& ctx, const SourceLoc& loc) {
  std::string what = "tensor '" + tp.name() + "'";
  Tensor t;
  t.dtype = dtype_from_onnx(tp.data_type(), loc, what);
  t.shape.assign(tp.dims().begin(), tp.dims().end());
  if (tp.has_segment()) throw CompileError(loc, what + " is segmented, which is not supported");
  size_t want = expected_bytes(t, loc, what);
  if (tp.data_location() == TP::EXTERNAL) {
    read_external(tp, t, want, ctx, loc, what);
  } else if (tp.has_raw_data()) {
    if (tp.raw_data().size() != stored_bytes(t, want))
      throw CompileError(loc, size_mismatch(what, "raw_data", tp.raw_data().size(), stored_bytes(t, want)) + " bytes");
    unpack_into(t, reinterpret_cast<const uint8_t*>(tp.raw_data().data()), want);
  } else {
    read_typed(tp, t, want, loc, what);
  }
  return t;
}

onnx::AttributeProto::AttributeType attr_kind(const onnx::AttributeProto& a) {
  using A = onnx::AttributeProto;
  if (a.type() != A::UNDEFINED) return a.type();
  if (a.has_f()) return A::FLOAT;
  if (a.has_i()) return A::INT;
  if (a.has_s()) return A::STRING;
  if (a.has_t()) return A::TENSOR;
  if (a.has_g()) return A::GRAPH;
  if (a.has_sparse_tensor()) return A::SPARSE_TENSOR;
  if (a.floats_size()) return A::FLOATS;
  if (a.ints_size()) return A::INTS;
  if (a.strings_size()) return A::STRINGS;
  if (a.tensors_size()) return A::TENSORS;
  if (a.graphs_size()) return A::GRAPHS;
  return A::UNDEFINED;
}

AttrValue attr_from_onnx(const onnx::AttributeProto& a, const ImportContext& ctx, const SourceLoc& loc) {
  using A = onnx::AttributeProto;
  switch (attr_kind(a)) {
    case A::INT: return int64_t(a.i());
    case A::FLOAT: return a.f();
    case A::STRING: return a.s();
    case A::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case A::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
    case A::TENSOR: return tensor_from_onnx(a.t(), ctx, loc);
    default: {
      A::AttributeType k = attr_kind(a);
      std::string kind = A::AttributeType_IsValid(k) ? A::AttributeType_Name(k) : std::to_string(int(k));
      throw CompileError(loc, "attribute '" + a.name() + "' has kind " + kind + ", which is not supported");
    }
  }
}

}  // namespace aivm::compiler::onnx_import
