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
    {"f4", AIVM_DTYPE_F32}, {"f2", AIVM_DTYPE_F16}, {"i8", AIVM_DTYPE_I64},
    {"i4", AIVM_DTYPE_I32}, {"i1", AIVM_DTYPE_I8},  {"u1", AIVM_DTYPE_U8},
    {"b1", AIVM_DTYPE_BOOL},
};

bool npy_dtype(const std::string& descr, aivm_dtype_t* out) {
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

const char* npy_descr(aivm_dtype_t dtype) {
  switch (dtype) {
    case AIVM_DTYPE_F32: return "<f4";
    case AIVM_DTYPE_F16: return "<f2";
    case AIVM_DTYPE_I64: return "<i8";
    case AIVM_DTYPE_I32: return "<i4";
    case AIVM_DTYPE_I8: return "|i1";
    case AIVM_DTYPE_U8: return "|u1";
    case AIVM_DTYPE_BOOL: return "|b1";
    default: return "|V0";
  }
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
// |fixed_bytes| is 4 for float, 0 for varints.
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
  if (fixed_bytes == 0 && wire_type == 0) return r->varint(&v) && (out->push_back(v), true);
  return false;
}

// ONNX TensorProto.DataType numbers we accept.
bool onnx_dtype(int64_t t, aivm_dtype_t* out) {
  switch (t) {
    case 1: *out = AIVM_DTYPE_F32; return true;
    case 2: *out = AIVM_DTYPE_U8; return true;
    case 3: *out = AIVM_DTYPE_I8; return true;
    case 6: *out = AIVM_DTYPE_I32; return true;
    case 7: *out = AIVM_DTYPE_I64; return true;
    case 9: *out = AIVM_DTYPE_BOOL; return true;
    case 10: *out = AIVM_DTYPE_F16; return true;
    default: return false;
  }
}

struct ProtoFields {
  std::vector<uint64_t> dims, float_data, int32_data, int64_data;
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

// Moves the typed repeated field matching |t.dtype| into t.data.
bool fill_from_repeated(const ProtoFields& f, HostTensor* t, std::string* error) {
  const std::vector<uint64_t>* src;
  const char* field;
  switch (t->dtype) {
    case AIVM_DTYPE_F32: src = &f.float_data, field = "float_data"; break;
    case AIVM_DTYPE_I64: src = &f.int64_data, field = "int64_data"; break;
    default: src = &f.int32_data, field = "int32_data"; break;  // i32, i8, u8, bool, f16
  }
  size_t elem = dtype_bytes(t->dtype);
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

void append_element(std::string* out, aivm_dtype_t dtype, const uint8_t* p) {
  char buf[48];
  switch (dtype) {
    case AIVM_DTYPE_F32: {
      float f;
      std::memcpy(&f, p, 4);
      std::snprintf(buf, sizeof(buf), "%g", double(f));
      break;
    }
    case AIVM_DTYPE_F16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      std::snprintf(buf, sizeof(buf), "%g", double(half_to_float(h)));
      break;
    }
    case AIVM_DTYPE_I64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      std::snprintf(buf, sizeof(buf), "%" PRId64, v);
      break;
    }
    case AIVM_DTYPE_I32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      std::snprintf(buf, sizeof(buf), "%" PRId32, v);
      break;
    }
    case AIVM_DTYPE_I8: std::snprintf(buf, sizeof(buf), "%d", int(int8_t(*p))); break;
    case AIVM_DTYPE_U8: std::snprintf(buf, sizeof(buf), "%u", unsigned(*p)); break;
    case AIVM_DTYPE_BOOL: std::snprintf(buf, sizeof(buf), "%s", *p ? "true" : "false"); break;
    default: std::snprintf(buf, sizeof(buf), "?"); break;
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

const char* dtype_label(aivm_dtype_t dtype) {
  static const char* const kNames[] = {"undefined", "f32", "f16", "i8", "u8", "i32", "i64", "bool"};
  unsigned i = unsigned(dtype);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "invalid";
}

size_t dtype_bytes(aivm_dtype_t dtype) {
  switch (dtype) {
    case AIVM_DTYPE_F32: case AIVM_DTYPE_I32: return 4;
    case AIVM_DTYPE_F16: return 2;
    case AIVM_DTYPE_I8: case AIVM_DTYPE_U8: case AIVM_DTYPE_BOOL: return 1;
    case AIVM_DTYPE_I64: return 8;
    default: return 0;
  }
}

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
                           "' is not supported (use <f4 <f2 <i8 <i4 |i1 |u1 |b1, little-endian)");
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
                           " is not supported (FLOAT, FLOAT16, INT64, INT32, INT8, UINT8, BOOL)");
  }
  for (uint64_t d : f.dims) {
    if (int64_t(d) < 0) return fail(error, "TensorProto: negative dimension");
    t.shape.push_back(int64_t(d));
  }
  if (f.has_raw) {
    if (!check_payload_size(t, f.raw_size, "TensorProto raw_data", error)) return false;
    t.data.assign(f.raw, f.raw + f.raw_size);
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
  std::string dict = std::string("{'descr': '") + npy_descr(dtype) +
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

float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while (!(mant & 0x400));
    bits = sign | uint32_t(112 - e) << 23 | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = uint16_t((x >> 16) & 0x8000);
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));  // inf / nan
  int e = int(exp) - 127 + 15;
  if (e >= 0x1f) return uint16_t(sign | 0x7c00);  // overflow to inf
  if (e <= 0) {  // subnormal half or zero
    if (e < -10) return sign;
    mant |= 0x800000;
    int shift = 14 - e;
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = (uint32_t(e) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) ++half;  // may carry into the exponent
  return uint16_t(sign | half);
}

}  // namespace aivm::tools
