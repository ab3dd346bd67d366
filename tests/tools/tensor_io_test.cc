// The runner's tensor files: .npy read/write and hand-parsed ONNX TensorProto .pb.
// Fixtures are built byte by byte here (the test must not depend on numpy or protobuf).
#include "tools/aivm/tensor_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace aivm::tools {
namespace {

using Bytes = std::vector<uint8_t>;

//===------------------------------------------------------------------------------------===//
// Fixture builders
//===------------------------------------------------------------------------------------===//

// A .npy file the way numpy writes it: magic, version, header length, dict padded to 64.
Bytes npy_file(const std::string& dict, int version, const Bytes& payload) {
  size_t prefix = version == 1 ? 10 : 12;
  std::string header = dict;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  Bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(version), 0};
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(uint8_t(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

template <typename T>
Bytes bytes_of(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Protobuf wire-format pieces.
void varint(Bytes* out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out->push_back(b | (v ? 0x80 : 0));
  } while (v);
}
void key(Bytes* out, int field, int wire) { varint(out, uint64_t(field) << 3 | uint64_t(wire)); }
void length_delimited(Bytes* out, int field, const Bytes& payload) {
  key(out, field, 2);
  varint(out, payload.size());
  out->insert(out->end(), payload.begin(), payload.end());
}
void varint_field(Bytes* out, int field, uint64_t v) {
  key(out, field, 0);
  varint(out, v);
}
Bytes packed_varints(const std::vector<int64_t>& vs) {
  Bytes b;
  for (int64_t v : vs) varint(&b, uint64_t(v));
  return b;
}

bool parse(const Bytes& b, HostTensor* t, std::string* err, bool npy = true) {
  return npy ? parse_npy(b.data(), b.size(), t, err) : parse_tensor_proto(b.data(), b.size(), t, err);
}

//===------------------------------------------------------------------------------------===//
// .npy reading
//===------------------------------------------------------------------------------------===//

TEST(Npy, ReadsEveryVersionAndDtype) {
  struct Case {
    const char* descr;
    aivm_dtype_t dtype;
    size_t elem;
  } cases[] = {{"<f4", AIVM_DTYPE_F32, 4},        {"<f2", AIVM_DTYPE_F16, 2},   {"<i8", AIVM_DTYPE_I64, 8},
               {"<i4", AIVM_DTYPE_I32, 4},        {"|i1", AIVM_DTYPE_I8, 1},    {"|u1", AIVM_DTYPE_U8, 1},
               {"|b1", AIVM_DTYPE_BOOL, 1},       {"<f8", AIVM_DTYPE_F64, 8},   {"<i2", AIVM_DTYPE_I16, 2},
               {"<u2", AIVM_DTYPE_U16, 2},        {"<u4", AIVM_DTYPE_U32, 4},   {"<u8", AIVM_DTYPE_U64, 8},
               {"bfloat16", AIVM_DTYPE_BF16, 2},  {"float8_e4m3fn", AIVM_DTYPE_F8E4M3FN, 1},
               {"float8_e5m2fnuz", AIVM_DTYPE_F8E5M2FNUZ, 1}, {"int4", AIVM_DTYPE_I4, 1},
               {"float4_e2m1fn", AIVM_DTYPE_F4E2M1, 1},       {"float8_e8m0fnu", AIVM_DTYPE_F8E8M0, 1},
               {"uint2", AIVM_DTYPE_U2, 1}};
  for (const Case& c : cases) {
    for (int version = 1; version <= 3; ++version) {
      Bytes payload(6 * c.elem);
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i * 7 + 1);
      std::string dict = std::string("{'descr': '") + c.descr +
                         "', 'fortran_order': False, 'shape': (2, 3), }";
      HostTensor t;
      std::string err;
      ASSERT_TRUE(parse(npy_file(dict, version, payload), &t, &err)) << c.descr << ": " << err;
      EXPECT_EQ(t.dtype, c.dtype);
      EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
      EXPECT_EQ(t.data, payload);
      EXPECT_TRUE(t.name.empty());
    }
  }
}

TEST(Npy, ScalarsOneDimZeroSizeAndKeyOrder) {
  HostTensor t;
  std::string err;
  ASSERT_TRUE(parse(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1,
                             bytes_of<float>({2.5f})), &t, &err)) << err;
  EXPECT_TRUE(t.shape.empty());
  EXPECT_EQ(t.element_count(), 1u);
  ASSERT_TRUE(parse(npy_file("{'shape': (3,), 'fortran_order': False, 'descr': '<i8'}", 1,
                             bytes_of<int64_t>({1, 2, 3})), &t, &err)) << err;
  EXPECT_EQ(t.shape, (std::vector<int64_t>{3}));
  ASSERT_TRUE(parse(npy_file("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (0, 4)}", 1,
                             {}), &t, &err)) << err;
  EXPECT_EQ(t.element_count(), 0u);
  // Fortran order is fine when it is the same as C order.
  ASSERT_TRUE(parse(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", 1,
                             bytes_of<float>({1, 2})), &t, &err)) << err;
}

TEST(Npy, RejectsWhatItCannotRepresent) {
  auto error_of = [](const Bytes& b) {
    HostTensor t;
    std::string err;
    EXPECT_FALSE(parse(b, &t, &err));
    return err;
  };
  Bytes six = bytes_of<float>({1, 2, 3, 4, 5, 6});
  EXPECT_NE(error_of(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 1, six))
                .find("not supported"), std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 1, six))
                .find("'<c8' is not supported"), std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 1, six))
                .find("Fortran"), std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 1, six))
                .find("24 bytes of data, but f32[2, 2] needs 16"), std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<f4', 'shape': (6,), }", 1, six)).find("lacks"),
            std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (6, 'x'), }", 1, six))
                .find("malformed value for header key 'shape'"), std::string::npos);
  EXPECT_NE(error_of(npy_file("[1, 2]", 1, six)).find("not a dict"), std::string::npos);
  EXPECT_NE(error_of(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': "
                              "(99999999999, 99999999999, 99999999999), }", 1, six))
                .find("too large"), std::string::npos);
  Bytes bad_version = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 1, six);
  bad_version[6] = 9;
  EXPECT_NE(error_of(bad_version).find("version 9"), std::string::npos);
  EXPECT_NE(error_of({'x', 'y'}).find("bad magic"), std::string::npos);
}

// Every truncation and random byte damage of a valid file is rejected or parsed, never a crash
// (run under ASan in the sanitizer preset).
TEST(Npy, DamagedFilesNeverCrash) {
  Bytes good = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1,
                        bytes_of<float>({1, 2, 3, 4, 5, 6}));
  HostTensor t;
  std::string err;
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + long(n));
    EXPECT_FALSE(parse(cut, &t, &err)) << n;
  }
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    Bytes b = good;
    for (int k = 0; k < 3; ++k) b[rng() % 80] = uint8_t(rng());
    parse(b, &t, &err);
  }
}

//===------------------------------------------------------------------------------------===//
// .npy writing
//===------------------------------------------------------------------------------------===//

TEST(Npy, EncodeParsesBackForEveryDtypeAndRank) {
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3}, {1, 2, 0}, {2, 1, 3, 2}};
  for (int d = 1; d < aivm::kDTypeCount; ++d) {
    aivm_dtype_t dt = aivm_dtype_t(d);
    for (const auto& shape : shapes) {
      HostTensor want;
      want.dtype = dt;
      want.shape = shape;
      want.data.resize(want.element_count() * dtype_bytes(dt));
      for (size_t i = 0; i < want.data.size(); ++i) want.data[i] = uint8_t(i % 2);
      Bytes file = encode_npy(dt, shape.data(), shape.size(), want.data.data(), want.data.size());
      EXPECT_EQ((file.size() - want.data.size()) % 64, 0u);  // data starts 64-byte aligned
      HostTensor got;
      std::string err;
      ASSERT_TRUE(parse_npy(file.data(), file.size(), &got, &err)) << err;
      EXPECT_EQ(got.dtype, dt);
      EXPECT_EQ(got.shape, shape);
      EXPECT_EQ(got.data, want.data);
    }
  }
}

TEST(Npy, EncodesTheHeaderNumpyExpects) {
  int64_t shape[] = {3};
  Bytes file = encode_npy(AIVM_DTYPE_F32, shape, 1, nullptr, 0);
  std::string header(file.begin() + 10, file.end());
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0), 0u);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(file[6], 1);
  // numpy's own codes where it has one, ml_dtypes' names where it has not.
  for (auto [dt, descr] : {std::pair{AIVM_DTYPE_F64, "'<f8'"}, {AIVM_DTYPE_U16, "'<u2'"}, {AIVM_DTYPE_I16, "'<i2'"},
                           {AIVM_DTYPE_BF16, "'bfloat16'"}, {AIVM_DTYPE_I4, "'int4'"},
                           {AIVM_DTYPE_F8E4M3FNUZ, "'float8_e4m3fnuz'"}}) {
    Bytes f = encode_npy(dt, shape, 1, nullptr, 0);
    EXPECT_NE(std::string(f.begin(), f.end()).find(descr), std::string::npos) << descr;
  }
}

//===------------------------------------------------------------------------------------===//
// TensorProto
//===------------------------------------------------------------------------------------===//

TEST(TensorProto, PackedDimsAndRawData) {
  Bytes pb;
  length_delimited(&pb, 1, packed_varints({2, 2}));
  varint_field(&pb, 2, 1);  // FLOAT
  length_delimited(&pb, 8, {'x', '0'});
  length_delimited(&pb, 9, bytes_of<float>({1, 2, 3, 4}));
  length_delimited(&pb, 12, {'d', 'o', 'c'});  // doc_string: skipped
  HostTensor t;
  std::string err;
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.name, "x0");
  EXPECT_EQ(t.dtype, AIVM_DTYPE_F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.data, bytes_of<float>({1, 2, 3, 4}));
}

TEST(TensorProto, UnpackedDimsAndTypedFields) {
  HostTensor t;
  std::string err;
  // float_data, one fixed32 per tag, dims one varint per tag.
  Bytes pb;
  varint_field(&pb, 1, 3);
  varint_field(&pb, 2, 1);
  for (float f : {0.5f, -1.0f, 8.0f}) {
    key(&pb, 4, 5);
    Bytes b = bytes_of<float>({f});
    pb.insert(pb.end(), b.begin(), b.end());
  }
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.data, bytes_of<float>({0.5f, -1.0f, 8.0f}));

  // int64_data packed, with a negative value (ten-byte varint).
  pb.clear();
  length_delimited(&pb, 1, packed_varints({2}));
  varint_field(&pb, 2, 7);
  length_delimited(&pb, 7, packed_varints({-5, 1ll << 40}));
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.dtype, AIVM_DTYPE_I64);
  EXPECT_EQ(t.data, bytes_of<int64_t>({-5, 1ll << 40}));

  // int32_data carries i32, i8, u8, bool and f16 bits.
  struct Case {
    int onnx;
    aivm_dtype_t dtype;
    std::vector<int64_t> values;
    Bytes want;
  } cases[] = {{6, AIVM_DTYPE_I32, {-2, 7}, bytes_of<int32_t>({-2, 7})},
               {3, AIVM_DTYPE_I8, {-2, 7}, {0xfe, 7}},
               {2, AIVM_DTYPE_U8, {200, 7}, {200, 7}},
               {9, AIVM_DTYPE_BOOL, {1, 0}, {1, 0}},
               {10, AIVM_DTYPE_F16, {0x3c00, 0xc000}, bytes_of<uint16_t>({0x3c00, 0xc000})}};
  for (const Case& c : cases) {
    pb.clear();
    varint_field(&pb, 1, 2);
    varint_field(&pb, 2, uint64_t(c.onnx));
    length_delimited(&pb, 5, packed_varints(c.values));
    ASSERT_TRUE(parse(pb, &t, &err, false)) << c.onnx << ": " << err;
    EXPECT_EQ(t.dtype, c.dtype);
    EXPECT_EQ(t.data, c.want) << c.onnx;
  }

  // The newer types: i16 u16 bf16 float8 in int32_data, u32 u64 in uint64_data (11), f64 in
  // double_data (10, fixed64).
  struct Wide {
    int onnx, field;
    aivm_dtype_t dtype;
    std::vector<int64_t> values;
    Bytes want;
  } wide[] = {{5, 5, AIVM_DTYPE_I16, {-2, 7}, bytes_of<int16_t>({-2, 7})},
              {4, 5, AIVM_DTYPE_U16, {65535, 7}, bytes_of<uint16_t>({65535, 7})},
              {16, 5, AIVM_DTYPE_BF16, {0x3f80, 0xc000}, bytes_of<uint16_t>({0x3f80, 0xc000})},
              {17, 5, AIVM_DTYPE_F8E4M3FN, {0x7e, 0x01}, {0x7e, 0x01}},
              {12, 11, AIVM_DTYPE_U32, {4000000000, 7}, bytes_of<uint32_t>({4000000000u, 7})},
              {13, 11, AIVM_DTYPE_U64, {-1, 7}, bytes_of<uint64_t>({~uint64_t(0), 7})}};
  for (const Wide& c : wide) {
    pb.clear();
    varint_field(&pb, 1, 2);
    varint_field(&pb, 2, uint64_t(c.onnx));
    length_delimited(&pb, c.field, packed_varints(c.values));
    ASSERT_TRUE(parse(pb, &t, &err, false)) << c.onnx << ": " << err;
    EXPECT_EQ(t.dtype, c.dtype);
    EXPECT_EQ(t.data, c.want) << c.onnx;
  }
  pb.clear();
  varint_field(&pb, 1, 2);
  varint_field(&pb, 2, 11);  // DOUBLE
  length_delimited(&pb, 10, bytes_of<double>({0.1, -3.0}));
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.dtype, AIVM_DTYPE_F64);
  EXPECT_EQ(t.data, bytes_of<double>({0.1, -3.0}));
}

TEST(TensorProto, PackedSubByteTypesUnpackToOneElementPerByte) {
  HostTensor t;
  std::string err;
  // INT4 [3] raw: 0xf1 = (1, -1), 0x08 = (-8): low nibble first, sign-extended.
  Bytes pb;
  varint_field(&pb, 1, 3);
  varint_field(&pb, 2, 22);
  length_delimited(&pb, 9, {0xf1, 0x08});
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.dtype, AIVM_DTYPE_I4);
  EXPECT_EQ(t.data, (Bytes{0x01, 0xff, 0xf8}));
  // UINT2 [5] in int32_data: 0b11100100 = 0, 1, 2, 3 then 0b00000010 = 2.
  pb.clear();
  varint_field(&pb, 1, 5);
  varint_field(&pb, 2, 25);
  length_delimited(&pb, 5, packed_varints({0xe4, 0x02}));
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.data, (Bytes{0, 1, 2, 3, 2}));
  // FLOAT4E2M1 keeps its bit patterns; a packed size that does not fit the shape is an error.
  pb.clear();
  varint_field(&pb, 1, 2);
  varint_field(&pb, 2, 23);
  length_delimited(&pb, 9, {0x9f});
  ASSERT_TRUE(parse(pb, &t, &err, false)) << err;
  EXPECT_EQ(t.data, (Bytes{0x0f, 0x09}));
  pb.clear();
  varint_field(&pb, 1, 3);
  varint_field(&pb, 2, 21);
  length_delimited(&pb, 9, {0x12});
  EXPECT_FALSE(parse(pb, &t, &err, false));
  EXPECT_NE(err.find("needs 2"), std::string::npos) << err;
}

TEST(TensorProto, Errors) {
  auto error_of = [](const Bytes& pb) {
    HostTensor t;
    std::string err;
    EXPECT_FALSE(parse(pb, &t, &err, false));
    return err;
  };
  Bytes pb;
  varint_field(&pb, 2, 8);  // STRING
  EXPECT_NE(error_of(pb).find("data_type 8 is not supported"), std::string::npos);

  pb.clear();
  varint_field(&pb, 1, 3);
  varint_field(&pb, 2, 1);
  length_delimited(&pb, 9, bytes_of<float>({1, 2}));
  EXPECT_NE(error_of(pb).find("raw_data: 8 bytes of data, but f32[3] needs 12"), std::string::npos);

  pb.clear();
  varint_field(&pb, 2, 1);
  varint_field(&pb, 14, 1);  // data_location = EXTERNAL
  EXPECT_NE(error_of(pb).find("external data"), std::string::npos);

  pb.clear();
  varint_field(&pb, 2, 1);
  key(&pb, 9, 2);
  varint(&pb, 100);  // length past the end
  EXPECT_NE(error_of(pb).find("malformed field 9"), std::string::npos);

  pb.clear();
  key(&pb, 13, 3);  // a group: not in TensorProto
  EXPECT_NE(error_of(pb).find("wire type 3"), std::string::npos);

  pb = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_NE(error_of(pb).find("truncated field key"), std::string::npos);
}

TEST(TensorProto, DamagedMessagesNeverCrash) {
  Bytes good;
  length_delimited(&good, 1, packed_varints({1, 4}));
  varint_field(&good, 2, 1);
  length_delimited(&good, 8, {'i', 'n'});
  length_delimited(&good, 9, bytes_of<float>({1, 2, 3, 4}));
  std::mt19937 rng(5);
  HostTensor t;
  std::string err;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = good;
    b.resize(rng() % (good.size() + 1));
    for (int k = 0; k < 2 && !b.empty(); ++k) b[rng() % b.size()] = uint8_t(rng());
    parse(b, &t, &err, false);
  }
}

//===------------------------------------------------------------------------------------===//
// Files, formatting, half floats
//===------------------------------------------------------------------------------------===//

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("aivm_tensor_io_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              "_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Files, AtomicWriteAndReadBack) {
  auto dir = temp_dir();
  std::string path = (dir / "t.npy").string();
  int64_t shape[] = {2};
  Bytes payload = bytes_of<int32_t>({4, -4});
  Bytes file = encode_npy(AIVM_DTYPE_I32, shape, 1, payload.data(), payload.size());
  std::string err;
  ASSERT_TRUE(write_file_atomic(path, file.data(), file.size(), &err)) << err;
  ASSERT_TRUE(write_file_atomic(path, file.data(), file.size(), &err)) << err;  // replaces
  HostTensor t;
  ASSERT_TRUE(read_tensor_file(path, &t, &err)) << err;
  EXPECT_EQ(t.data, payload);
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) entries += !e.is_directory();
  EXPECT_EQ(entries, 1u);  // no temporary left behind

  EXPECT_FALSE(write_file_atomic((dir / "no" / "such" / "dir.npy").string(), "x", 1, &err));
  EXPECT_NE(err.find("cannot create"), std::string::npos);
  EXPECT_FALSE(read_tensor_file((dir / "missing.npy").string(), &t, &err));
  EXPECT_NE(err.find("missing.npy"), std::string::npos);

  // A file without the numpy magic is read as a TensorProto.
  Bytes pb;
  varint_field(&pb, 2, 7);
  length_delimited(&pb, 7, packed_varints({9}));
  std::string pb_path = (dir / "t.pb").string();
  ASSERT_TRUE(write_file_atomic(pb_path, pb.data(), pb.size(), &err)) << err;
  ASSERT_TRUE(read_tensor_file(pb_path, &t, &err)) << err;
  EXPECT_EQ(t.dtype, AIVM_DTYPE_I64);
  EXPECT_TRUE(t.shape.empty());
  std::filesystem::remove_all(dir);
}

TEST(Format, ValuesAndShapes) {
  std::vector<float> f = {1.5f, -2.0f, 0.0f};
  EXPECT_EQ(format_values(AIVM_DTYPE_F32, f.data(), 3, 16), "[1.5, -2, 0]");
  EXPECT_EQ(format_values(AIVM_DTYPE_F32, f.data(), 3, 2), "[1.5, -2, ...]");
  uint8_t b[] = {1, 0};
  EXPECT_EQ(format_values(AIVM_DTYPE_BOOL, b, 2, 16), "[true, false]");
  int8_t i8[] = {-3, 4};
  EXPECT_EQ(format_values(AIVM_DTYPE_I8, i8, 2, 16), "[-3, 4]");
  int64_t big[] = {1ll << 40};
  EXPECT_EQ(format_values(AIVM_DTYPE_I64, big, 1, 16), "[1099511627776]");
  uint16_t h[] = {0x3c00, 0x3800};
  EXPECT_EQ(format_values(AIVM_DTYPE_F16, h, 2, 16), "[1, 0.5]");
  EXPECT_EQ(format_values(AIVM_DTYPE_F32, nullptr, 0, 16), "[]");
  double d[] = {0.25, -1e300};
  EXPECT_EQ(format_values(AIVM_DTYPE_F64, d, 2, 16), "[0.25, -1e+300]");
  uint16_t bf[] = {0x3f80, 0xc020};
  EXPECT_EQ(format_values(AIVM_DTYPE_BF16, bf, 2, 16), "[1, -2.5]");
  uint8_t f8[] = {0x7e, 0x7f};
  EXPECT_EQ(format_values(AIVM_DTYPE_F8E4M3FN, f8, 2, 16), "[448, nan]");
  int8_t i4[] = {-8, 7};
  EXPECT_EQ(format_values(AIVM_DTYPE_I4, i4, 2, 16), "[-8, 7]");
  uint64_t u64[] = {~uint64_t(0)};
  EXPECT_EQ(format_values(AIVM_DTYPE_U64, u64, 1, 16), "[18446744073709551615]");
  int64_t shape[] = {1, -1, 3};
  EXPECT_EQ(shape_string(shape, 3), "[1, ?, 3]");
  EXPECT_EQ(shape_string(nullptr, 0), "[]");
  EXPECT_STREQ(dtype_label(AIVM_DTYPE_I64), "i64");
  EXPECT_STREQ(dtype_label(AIVM_DTYPE_F8E5M2FNUZ), "f8e5m2fnuz");
  EXPECT_STREQ(dtype_label(aivm_dtype_t(99)), "invalid");
}

TEST(Half, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = half_to_float(uint16_t(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_to_float(float_to_half(f)))) << h;
      continue;
    }
    EXPECT_EQ(float_to_half(f), h) << h;
  }
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);          // overflow -> inf
  EXPECT_EQ(float_to_half(1e-10f), 0x0000);        // underflow -> 0
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 4096), 0x3c00);  // ties to even
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
}

}  // namespace
}  // namespace aivm::tools
