// Bundle writer/reader: round trip, alignment, atomic writes, rejection of damaged files.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "format/checksum.h"
#include "format/reader.h"
#include "format/writer.h"
#include "isa/isa.h"

namespace aivm::format {
namespace {

BundleDesc small_bundle() {
  BundleDesc d;
  d.producer = "test";
  d.source = "unit.aivs";
  d.inputs.push_back({"x", DType::F32, {1, 3}, {}, 0});
  d.outputs.push_back({"y", DType::F32, {1, 3}, {}, 1});
  FunctionDesc f;
  f.code = {isa::encode_abcd(isa::Opcode::BINARY, 1, 0, 2, 0), isa::encode_abcd(isa::Opcode::HALT, 0, 0, 0, 0)};
  f.registers = {{DType::F32, {1, 3}, StorageKind::Arena, 0},
                 {DType::F32, {1, 3}, StorageKind::Arena, 64},
                 {DType::F32, {3}, StorageKind::Constant, 1}};
  f.arena_bytes = 128;
  f.arena_lower_bound = 128;
  d.functions.push_back(f);
  d.constants.push_back({"pad", std::vector<uint8_t>(5, 7)});  // odd size so the next one needs padding
  std::vector<uint8_t> c(12);
  float vals[3] = {1.f, 2.f, 3.f};
  std::memcpy(c.data(), vals, 12);
  d.constants.push_back({"c", c});
  return d;
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/" + name + "." + std::to_string(getpid());
}

TEST(Bundle, RoundTripKeepsEverythingAndAlignsConstants) {
  std::vector<uint8_t> bytes = serialize_bundle(small_bundle());
  BundleView v;
  std::string err;
  ASSERT_TRUE(verify_bundle(bytes.data(), bytes.size(), &v, &err)) << err;
  EXPECT_EQ(v.bundle->producer()->str(), "test");
  EXPECT_EQ(v.bundle->inputs()->Get(0)->name()->str(), "x");
  EXPECT_EQ(v.bundle->functions()->Get(0)->code()->size(), 2u);
  EXPECT_EQ(v.bundle->data_offset() % kConstantAlignment, 0u);
  uint64_t size = 0;
  const uint8_t* c1 = constant_data(v, 1, &size);
  ASSERT_NE(c1, nullptr);
  EXPECT_EQ(size, 12u);
  EXPECT_EQ((c1 - bytes.data()) % 64, 0);
  float f;
  std::memcpy(&f, c1 + 8, 4);
  EXPECT_EQ(f, 3.f);
}

TEST(Bundle, WriteThenMapFromDisk) {
  std::string path = temp_path("roundtrip.aivm");
  std::string err;
  ASSERT_TRUE(write_bundle(small_bundle(), path, &err)) << err;
  MappedFile file;
  BundleView v;
  ASSERT_TRUE(open_bundle(path, &file, &v, &err)) << err;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data_segment) % 64, 0u);
  std::remove(path.c_str());
}

TEST(Bundle, FailedWriteLeavesExistingFileUntouched) {
  std::string dir = temp_path("atomic_dir");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::string path = dir + "/model.aivm";
  { std::ofstream(path) << "precious"; }
  // A file-size limit makes the write itself fail part-way (EFBIG), even for root.
  BundleDesc big = small_bundle();
  big.constants.push_back({"big", std::vector<uint8_t>(1 << 20, 1)});
  struct rlimit old;
  getrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = {4096, old.rlim_max};
  setrlimit(RLIMIT_FSIZE, &lim);
  std::string err;
  bool ok = write_bundle(big, path, &err);
  setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_FALSE(ok);
  EXPECT_NE(err.find("cannot write"), std::string::npos) << err;
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "precious");
  // No temporary file is left behind.
  EXPECT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(rmdir(dir.c_str()), 0) << "directory not empty: a temporary file was left";
}

TEST(Bundle, WriteIntoMissingDirectoryFailsWithMessage) {
  std::string err;
  EXPECT_FALSE(write_bundle(small_bundle(), "/nonexistent-dir-aivm/x.aivm", &err));
  EXPECT_NE(err.find("/nonexistent-dir-aivm"), std::string::npos) << err;
}

TEST(Bundle, RejectsEveryTruncation) {
  std::vector<uint8_t> bytes = serialize_bundle(small_bundle());
  for (size_t n = 0; n < bytes.size(); ++n) {
    BundleView v;
    std::string err;
    EXPECT_FALSE(verify_bundle(bytes.data(), n, &v, &err)) << "truncated to " << n;
    EXPECT_FALSE(err.empty());
  }
}

TEST(Bundle, RejectsWrongIdentifierAndVersion) {
  std::vector<uint8_t> bytes = serialize_bundle(small_bundle());
  std::vector<uint8_t> bad = bytes;
  bad[8] = 'X';  // identifier follows the size prefix and the root offset
  BundleView v;
  std::string err;
  EXPECT_FALSE(verify_bundle(bad.data(), bad.size(), &v, &err));
  EXPECT_NE(err.find("identifier"), std::string::npos) << err;
}

TEST(Checksum, MatchesTheStandardCheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(Bundle, EveryHeaderByteFlipIsCaughtByTheChecksum) {
  std::vector<uint8_t> bytes = serialize_bundle(small_bundle());
  uint32_t fb_size;
  std::memcpy(&fb_size, bytes.data(), 4);
  for (size_t i = 4; i < 4 + fb_size + kChecksumBytes; ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0x5A;
    BundleView v;
    std::string err;
    EXPECT_FALSE(verify_bundle(bad.data(), bad.size(), &v, &err)) << "byte " << i;
  }
  // Restamping makes the checksum agree again: then the structural checks must do the work.
  std::vector<uint8_t> restamped = bytes;
  restamp_checksum(restamped.data(), restamped.size());
  EXPECT_EQ(restamped, bytes);
}

TEST(Bundle, MissingFileIsAnError) {
  MappedFile file;
  BundleView v;
  std::string err;
  EXPECT_FALSE(open_bundle("/no/such/file.aivm", &file, &v, &err));
  EXPECT_NE(err.find("/no/such/file.aivm"), std::string::npos);
}

}  // namespace
}  // namespace aivm::format
