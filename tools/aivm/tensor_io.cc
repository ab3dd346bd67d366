// Tensor files for the aivm runner: .npy read/write and TensorProto .pb read (tensor_io.h).
#include "tools/aivm/tensor_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace aivm::tools {
namespace {

//===------------------------------------------------------------------------------------===//
// Shared helpers
//===------------------------------------------------------------------------------------===//

bool fail(std::string* error, const std::string& msg) {
  if (error) *error = msg;
  return false;
}

// Product of |shape| into |out|; false on a negative dim or overflow past 2^62 elements.
bool checked_count(const std::vector<int64_t>& shape, uint64_t* out) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && n > (uint64_t{1} << 62) / uint64_t(d)) return false;
    n *= uint64_t(d);
  }
  *out = n;
  return true;
}

// Checks that |bytes| of payload fit |t|'s dtype and shape exactly.
bool check_payload_size(const HostTensor& t, uint64_t bytes, const char* where,
                        std::string* error) {
  uint64_t count;
  if (!checked_count(t.shape, &count))
    return fail(error, std::string(where) + ": shape " +
                           shape_string(t.shape.data(), t.shape.size()) + " is too large");
  uint64_t want = count * dtype_bytes(t.dtype);
  if (bytes != want) {
    return fail(error, std::string(where) + ": " + std::to_string(bytes) + " bytes of data, but " +
                           dtype_label(t.dtype) + shape_string(t.shape.data(), t.shape.size()) +
                           " needs " + std::to_string(want));
  }
  return true;
}

//===------------------------------------------------------------------------------------===//
// .npy header: a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//===------------------------------------------------------------------------------------===//

class NpyHeaderParser {
 public:
  NpyHeaderParser(const char* p, size_t n) : p_(p), end_(p + n) {}

  bool parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape, std::string* err) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    if (!eat('{')) return fail(err, "header is not a dict");
    while (!eat('}')) {
      std::string key;
      if (!string_literal(&key) || !eat(':')) return fail(err, "malformed header dict");
      bool ok;
      if (key == "descr") {
        ok = have_descr = string_literal(descr);
      } else if (key == "fortran_order") {
        ok = have_fortran = boolean(fortran);
      } else if (key == "shape") {
        ok = have_shape = tuple(shape);
      } else {
        return fail(err, "unexpected header key '" + key + "'");
      }
      if (!ok) return fail(err, "malformed value for header key '" + key + "'");
      if (!eat(',') && !peek('}')) return fail(err, "malformed header dict");
    }
    if (!have_descr || !have_fortran || !have_shape)
      return fail(err, "header lacks one of 'descr', 'fortran_order', 'shape'");
    return true;
  }

 private:
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool peek(char c) {
    skip_space();
    return p_ < end_ && *p_ == c;
  }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  bool string_literal(std::string* out) {
    skip_space();
    if (p_ >= end_ || (*p_ != '\'' && *p_ != '"')) return false;
    char quote = *p_++;
    out->clear();
    while (p_ < end_ && *p_ != quote) out->push_back(*p_++);
    if (p_ >= end_) return false;
    ++p_;
    return true;
  }
  bool word(const char* w) {
    skip_space();
    size_t n = std::strlen(w);
    if (size_t(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool boolean(bool* out) {
    if (word("True")) return *out = true, true;
    if (word("False")) return *out = false, true;
    return false;
  }
  bool integer(int64_t* out) {
    skip_space();
    const char* start = p_;
    uint64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (v > (uint64_t{1} << 62) / 10) return false;
      v = v * 10 + uint64_t(*p_++ - '0');
    }
    if (p_ == start) return false;
    if (p_ < end_ && *p_ == 'L') ++p_;  // Python 2 longs
    *out = int64_t(v);
    return true;
  }
  bool tuple(std::vector<int64_t>* out) {
    out->clear();
    if (!eat('(')) return false;
    while (!eat(')')) {
      int64_t v;
      if (!integer(&v)) return false;
      out->push_back(v);
      if (!eat(',') && !peek(')')) return false;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

struct NpyType {
  const char* code;  // without the byte-order character
  aivm_dtype_t dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"f4", AIVM_DTYPE_F32}, {"f2", AIVM_DTYPE_F16}, {"f8", AIVM_DTYPE_F64}, {"i8", AIVM_DTYPE_I64},
    {"i4", AIVM_DTYPE_I32}, {"i2", AIVM_DTYPE_I16}, {"i1", AIVM_DTYPE_I8},  {"u8", AIVM_DTYPE_U64},
    {"u4", AIVM_DTYPE_U32}, {"u2", AIVM_DTYPE_U16}, {"u1", AIVM_DTYPE_U8},  {"b1", AIVM_DTYPE_BOOL},
};

// Types numpy itself has no code for are written under the names numpy's ml_dtypes package
// registers (np.load reads them back once ml_dtypes is imported, as onnx does); the 4- and
// 2-bit ones one element per byte, as ml_dtypes holds them.
constexpr NpyType kMlDtypes[] = {
    {"bfloat16", AIVM_DTYPE_BF16},         {"float8_e4m3fn", AIVM_DTYPE_F8E4M3FN},
    {"float8_e4m3fnuz", AIVM_DTYPE_F8E4M3FNUZ}, {"float8_e5m2", AIVM_DTYPE_F8E5M2},
    {"float8_e5m2fnuz", AIVM_DTYPE_F8E5M2FNUZ}, {"uint4", AIVM_DTYPE_U4},
    {"int4", AIVM_DTYPE_I4},               {"float4_e2m1fn", AIVM_DTYPE_F4E2M1},
    {"float8_e8m0fnu", AIVM_DTYPE_F8E8M0}, {"uint2", AIVM_DTYPE_U2},
    {"int2", AIVM_DTYPE_I2},
};

bool npy_dtype(const std::string& descr, aivm_dtype_t* out) {
  for (const NpyType& t : kMlDtypes) {
    if (descr == t.code) {
      *out = t.dtype;
      return true;
    }
  }
  if (descr.size() != 3) return false;
  char order = descr[0];
  for (const NpyType& t : kNpyTypes) {
    if (descr.compare(1, 2, t.code) != 0) continue;
    bool one_byte = dtype_bytes(t.dtype) == 1;
    if (order == '<' || order == '=' || (one_byte && (order == '|' || order == '>'))) {
      *out = t.dtype;
      return true;
    }
  }
  return false;
}

// The descr np.save would write ("<f4", "|u1", ...), or the ml_dtypes name.
std::string npy_descr(aivm_dtype_t dtype) {
  for (const NpyType& t : kMlDtypes)
    if (t.dtype == dtype) return t.code;
  for (const NpyType& t : kNpyTypes)
    if (t.dtype == dtype) return std::string(dtype_bytes(dtype) == 1 ? "|" : "<") + t.code;
  return "|V0";
}

uint32_t read_le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

//===------------------------------------------------------------------------------------===//
// Protobuf wire format
//===------------------------------------------------------------------------------------===//

class WireReader {
 public:
  WireReader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool done() const { return p_ >= end_; }
  size_t offset(const uint8_t* base) const { return size_t(p_ - base); }
  const uint8_t* pos() const { return p_; }

  bool varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return false;
      uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  bool fixed(int bytes, uint64_t* out) {
    if (size_t(end_ - p_) < size_t(bytes)) return false;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p_[i];
    p_ += bytes;
    *out = v;
    return true;
  }
  bool bytes(const uint8_t** data, size_t* size) {
    uint64_t n;
    if (!varint(&n) || n > uint64_t(end_ - p_)) return false;
    *data = p_;
    *size = size_t(n);
    p_ += n;
    return true;
  }
  bool skip(int wire_type) {
    uint64_t ignored;
    const uint8_t* d;
    size_t n;
    switch (wire_type) {
      case 0: return varint(&ignored);
      case 1: return fixed(8, &ignored);
      case 2: return bytes(&d, &n);
      case 5: return fixed(4, &ignored);
      default: return false;  // groups (3, 4) are not used by TensorProto
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// One repeated scalar field, either packed (wire type 2) or one value per tag.
// |fixed_bytes| is 4 for float, 8 for double, 0 for varints.
bool read_repeated(WireReader* r, int wire_type, int fixed_bytes, std::vector<uint64_t>* out) {
  if (wire_type == 2) {
    const uint8_t* d;
    size_t n;
    if (!r->bytes(&d, &n)) return false;
    WireReader inner(d, n);
    while (!inner.done()) {
      uint64_t v;
      if (!(fixed_bytes ? inner.fixed(fixed_bytes, &v) : inner.varint(&v))) return false;
      out->push_back(v);
    }
    return true;
  }
  uint64_t v;
  if (fixed_bytes == 4 && wire_type == 5) return r->fixed(4, &v) && (out->push_back(v), true);
  if (fixed_bytes == 8 && wire_type == 1) return r->fixed(8, &v) && (out->push_back(v), true);
  if (fixed_bytes == 0 && wire_type == 0) return r->varint(&v) && (out->push_back(v), true);
  return false;
}

// ONNX TensorProto.DataType numbers we accept: every one aivm has a dtype for.
bool onnx_dtype(int64_t t, aivm_dtype_t* out) {
  DType d = t >= 0 && t <= 64 ? dtype_from_onnx_type(int(t)) : DType::Undefined;
  *out = aivm_dtype_t(d);
  return d != DType::Undefined;
}

struct ProtoFields {
  std::vector<uint64_t> dims, float_data, int32_data, int64_data, double_data, uint64_data;
  int64_t data_type = 0;
  const uint8_t* raw = nullptr;
  size_t raw_size = 0;
  bool has_raw = false;
  bool external = false;
};

bool scan_tensor_proto(const uint8_t* bytes, size_t size, ProtoFields* f, std::string* name,
                       std::string* error) {
  WireReader r(bytes, size);
  while (!r.done()) {
    size_t at = r.offset(bytes);
    uint64_t key;
    if (!r.varint(&key)) return fail(error, "truncated field key at byte " + std::to_string(at));
    int field = int(key >> 3), wire = int(key & 7);
    bool ok = true;
    const uint8_t* d;
    size_t n;
    uint64_t v;
    switch (field) {
      case 1: ok = read_repeated(&r, wire, 0, &f->dims); break;
      case 2: ok = wire == 0 && r.varint(&v) && (f->data_type = int64_t(v), true); break;
      case 4: ok = read_repeated(&r, wire, 4, &f->float_data); break;
      case 5: ok = read_repeated(&r, wire, 0, &f->int32_data); break;
      case 7: ok = read_repeated(&r, wire, 0, &f->int64_data); break;
      case 10: ok = read_repeated(&r, wire, 8, &f->double_data); break;
      case 11: ok = read_repeated(&r, wire, 0, &f->uint64_data); break;
      case 8: ok = wire == 2 && r.bytes(&d, &n) && (name->assign((const char*)d, n), true); break;
      case 9:
        ok = wire == 2 && r.bytes(&f->raw, &f->raw_size);
        f->has_raw = true;
        break;
      case 14: ok = wire == 0 && r.varint(&v) && (f->external = v == 1, true); break;
      default: ok = field != 0 && r.skip(wire); break;
    }
    if (!ok) {
      return fail(error, "malformed field " + std::to_string(field) + " (wire type " +
                             std::to_string(wire) + ") at byte " + std::to_string(at));
    }
  }
  return true;
}

// |t->data| := |packed| (ONNX's form: 4- and 2-bit types packed) with one element per byte.
void unpack_into(const uint8_t* packed, size_t count, HostTensor* t) {
  size_t elem = dtype_bytes(t->dtype);
  t->data.resize(count * elem);
  DType d = DType(t->dtype);
  if (dtype_packed_bits(d) >= 8) {
    if (count) std::memcpy(t->data.data(), packed, count * elem);
    return;
  }
  for (size_t i = 0; i < count; ++i) t->data[i] = unpack_element(d, packed, i);
}

// Checks that |bytes| of ONNX payload (packed) fit |t|'s dtype and shape exactly.
bool check_stored_size(const HostTensor& t, uint64_t bytes, const char* where, std::string* error) {
  uint64_t count;
  if (!checked_count(t.shape, &count))
    return fail(error, std::string(where) + ": shape " + shape_string(t.shape.data(), t.shape.size()) + " is too large");
  uint64_t want = dtype_packed_bytes(DType(t.dtype), count);
  if (bytes != want)
    return fail(error, std::string(where) + ": " + std::to_string(bytes) + " bytes of data, but " +
                           dtype_label(t.dtype) + shape_string(t.shape.data(), t.shape.size()) + " needs " +
                           std::to_string(want));
  return true;
}

// Moves the typed repeated field matching |t.dtype| into t.data.
bool fill_from_repeated(const ProtoFields& f, HostTensor* t, std::string* error) {
  const std::vector<uint64_t>* src;
  const char* field;
  switch (t->dtype) {
    case AIVM_DTYPE_F32: src = &f.float_data, field = "float_data"; break;
    case AIVM_DTYPE_F64: src = &f.double_data, field = "double_data"; break;
    case AIVM_DTYPE_I64: src = &f.int64_data, field = "int64_data"; break;
    case AIVM_DTYPE_U32: case AIVM_DTYPE_U64: src = &f.uint64_data, field = "uint64_data"; break;
    default: src = &f.int32_data, field = "int32_data"; break;  // the narrower types' values or bit patterns
  }
  size_t elem = dtype_bytes(t->dtype);
  if (dtype_packed_bits(DType(t->dtype)) < 8) {  // one packed byte per entry
    if (!check_stored_size(*t, src->size(), field, error)) return false;
    std::vector<uint8_t> packed(src->size());
    for (size_t i = 0; i < src->size(); ++i) packed[i] = uint8_t((*src)[i]);
    unpack_into(packed.data(), t->element_count(), t);
    return true;
  }
  if (!check_payload_size(*t, uint64_t(src->size()) * elem, field, error)) return false;
  t->data.resize(src->size() * elem);
  for (size_t i = 0; i < src->size(); ++i) {
    uint64_t v = (*src)[i];
    std::memcpy(t->data.data() + i * elem, &v, elem);  // little-endian low bytes
  }
  return true;
}

//===------------------------------------------------------------------------------------===//
// Formatting
//===------------------------------------------------------------------------------------===//

template <typename T>
T read_as(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void append_element(std::string* out, aivm_dtype_t dtype, const uint8_t* p) {
  char buf[48];
  double real = 0;  // for the floating types
  bool is_real = true;
  switch (dtype) {
    case AIVM_DTYPE_F32: real = read_as<float>(p); break;
    case AIVM_DTYPE_F64: real = read_as<double>(p); break;
    case AIVM_DTYPE_F16: real = half_to_float(read_as<uint16_t>(p)); break;
    case AIVM_DTYPE_BF16: real = bf16_to_float(read_as<uint16_t>(p)); break;
    case AIVM_DTYPE_F8E4M3FN: real = narrow_to_float(kE4M3FN, *p); break;
    case AIVM_DTYPE_F8E4M3FNUZ: real = narrow_to_float(kE4M3FNUZ, *p); break;
    case AIVM_DTYPE_F8E5M2: real = narrow_to_float(kE5M2, *p); break;
    case AIVM_DTYPE_F8E5M2FNUZ: real = narrow_to_float(kE5M2FNUZ, *p); break;
    case AIVM_DTYPE_F4E2M1: real = narrow_to_float(kE2M1, *p & 0xf); break;
    case AIVM_DTYPE_F8E8M0: real = e8m0_to_float(*p); break;
    default: is_real = false; break;
  }
  if (is_real) {
    std::snprintf(buf, sizeof(buf), "%g", real);
  } else {
    switch (dtype) {
      case AIVM_DTYPE_I64: std::snprintf(buf, sizeof(buf), "%" PRId64, read_as<int64_t>(p)); break;
      case AIVM_DTYPE_U64: std::snprintf(buf, sizeof(buf), "%" PRIu64, read_as<uint64_t>(p)); break;
      case AIVM_DTYPE_I32: std::snprintf(buf, sizeof(buf), "%" PRId32, read_as<int32_t>(p)); break;
      case AIVM_DTYPE_U32: std::snprintf(buf, sizeof(buf), "%" PRIu32, read_as<uint32_t>(p)); break;
      case AIVM_DTYPE_I16: std::snprintf(buf, sizeof(buf), "%d", int(read_as<int16_t>(p))); break;
      case AIVM_DTYPE_U16: std::snprintf(buf, sizeof(buf), "%u", unsigned(read_as<uint16_t>(p))); break;
      case AIVM_DTYPE_I8: case AIVM_DTYPE_I4: case AIVM_DTYPE_I2:
        std::snprintf(buf, sizeof(buf), "%d", int(int8_t(*p)));
        break;
      case AIVM_DTYPE_U8: case AIVM_DTYPE_U4: case AIVM_DTYPE_U2: std::snprintf(buf, sizeof(buf), "%u", unsigned(*p)); break;
      case AIVM_DTYPE_BOOL: std::snprintf(buf, sizeof(buf), "%s", *p ? "true" : "false"); break;
      default: std::snprintf(buf, sizeof(buf), "?"); break;
    }
  }
  out->append(buf);
}

}  // namespace

//===------------------------------------------------------------------------------------===//
// Public API
//===------------------------------------------------------------------------------------===//

size_t HostTensor::element_count() const {
  uint64_t n = 0;
  return checked_count(shape, &n) ? size_t(n) : 0;
}

const char* dtype_label(aivm_dtype_t dtype) { return dtype_name(DType(dtype)); }

size_t dtype_bytes(aivm_dtype_t dtype) { return dtype_size(DType(dtype)); }

std::string shape_string(const int64_t* shape, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i) s += ", ";
    s += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return s + "]";
}

bool parse_npy(const uint8_t* bytes, size_t size, HostTensor* out, std::string* error) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0) return fail(error, "not a .npy file (bad magic)");
  int major = bytes[6];
  if (major < 1 || major > 3)
    return fail(error, "unsupported .npy format version " + std::to_string(major));
  int len_bytes = major == 1 ? 2 : 4;
  if (size < size_t(8 + len_bytes)) return fail(error, "truncated .npy header");
  uint64_t header_len = read_le(bytes + 8, len_bytes);
  uint64_t data_start = 8 + uint64_t(len_bytes) + header_len;
  if (data_start > size)
    return fail(error, "truncated .npy header (" + std::to_string(header_len) + " bytes declared)");

  std::string descr;
  bool fortran = false;
  HostTensor t;
  NpyHeaderParser parser(reinterpret_cast<const char*>(bytes + 8 + len_bytes), header_len);
  if (!parser.parse(&descr, &fortran, &t.shape, error)) {
    *error = ".npy header: " + *error;
    return false;
  }
  if (!npy_dtype(descr, &t.dtype)) {
    return fail(error, ".npy dtype '" + descr +
                           "' is not supported (use <f4 <f8 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1, "
                           "little-endian, or an ml_dtypes name such as bfloat16)");
  }
  int non_unit = 0;
  for (int64_t d : t.shape) non_unit += d > 1;
  if (fortran && non_unit > 1) return fail(error, ".npy data is in Fortran order; save it in C order");
  if (!check_payload_size(t, size - data_start, ".npy", error)) return false;
  t.data.assign(bytes + data_start, bytes + size);
  *out = std::move(t);
  return true;
}

bool parse_tensor_proto(const uint8_t* bytes, size_t size, HostTensor* out, std::string* error) {
  ProtoFields f;
  HostTensor t;
  if (!scan_tensor_proto(bytes, size, &f, &t.name, error)) {
    *error = "TensorProto: " + *error;
    return false;
  }
  if (f.external) return fail(error, "TensorProto: external data is not supported");
  if (!onnx_dtype(f.data_type, &t.dtype)) {
    return fail(error, "TensorProto: data_type " + std::to_string(f.data_type) +
                           " is not supported (STRING and COMPLEX types have no aivm dtype)");
  }
  for (uint64_t d : f.dims) {
    if (int64_t(d) < 0) return fail(error, "TensorProto: negative dimension");
    t.shape.push_back(int64_t(d));
  }
  if (f.has_raw) {
    if (!check_stored_size(t, f.raw_size, "TensorProto raw_data", error)) return false;
    unpack_into(f.raw, t.element_count(), &t);
  } else if (!fill_from_repeated(f, &t, error)) {
    *error = "TensorProto " + *error;
    return false;
  }
  *out = std::move(t);
  return true;
}

bool read_tensor_file(const std::string& path, HostTensor* out, std::string* error) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return fail(error, "cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  bool read_error = std::ferror(file);
  std::fclose(file);
  if (read_error) return fail(error, "cannot read '" + path + "'");

  bool is_npy = bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0;
  bool ok = is_npy ? parse_npy(bytes.data(), bytes.size(), out, error)
                   : parse_tensor_proto(bytes.data(), bytes.size(), out, error);
  if (!ok) *error = "'" + path + "': " + *error;
  return ok;
}

std::vector<uint8_t> encode_npy(aivm_dtype_t dtype, const int64_t* shape, size_t rank,
                                const void* data, size_t size_bytes) {
  std::string dict = "{'descr': '" + npy_descr(dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < rank; ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += rank == 1 ? ",), }" : "), }";  // Python spells a 1-tuple "(3,)"

  // Pad with spaces and a final newline so the data starts 64-byte aligned.
  bool v2 = dict.size() + 1 + 10 > 65535;
  size_t prefix = v2 ? 12 : 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';

  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(v2 ? 2 : 1), 0};
  uint32_t len = uint32_t(dict.size());
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(uint8_t(len >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  const uint8_t* d = static_cast<const uint8_t*>(data);
  if (size_bytes) out.insert(out.end(), d, d + size_bytes);
  return out;
}

bool write_file_atomic(const std::string& path, const void* data, size_t size,
                       std::string* error) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(error, "cannot create '" + tmp + "': " + std::strerror(errno));
  const uint8_t* p = static_cast<const uint8_t*>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(error, "cannot write '" + tmp + "': " + why);
    }
    p += n;
    left -= size_t(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail(error, "cannot write '" + path + "': " + why);
  }
  return true;
}

std::string format_values(aivm_dtype_t dtype, const void* data, size_t count,
                          size_t max_elements) {
  size_t elem = dtype_bytes(dtype);
  std::string out = "[";
  size_t shown = count < max_elements ? count : max_elements;
  for (size_t i = 0; i < shown && elem; ++i) {
    if (i) out += ", ";
    append_element(&out, dtype, static_cast<const uint8_t*>(data) + i * elem);
  }
  if (shown < count) out += shown ? ", ..." : "...";
  return out + "]";
}

}  // namespace aivm::tools
