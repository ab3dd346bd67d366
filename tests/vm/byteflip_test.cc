// Flips every byte of the digits bundle's header and bytecode, one at a time: each load must
// give an error status or a run with the correct result, never a crash. Run under ASan in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "aivm.h"
#include "compiler/compile.h"
#include "format/reader.h"
#include "format/writer.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

std::vector<uint8_t> digits_bundle() {
  return format::serialize_bundle(
      compiler::compile_file(std::string(AIVM_SOURCE_DIR) + "/examples/digits/digits.onnx", compiler::CompileOptions{}));
}

std::vector<float> digit_input() {
  std::vector<float> x(64);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = float(s >> 8) / float(1 << 24);
  }
  return x;
}

// Loads and runs |bytes|; returns false if loading failed (with the status consumed).
bool try_run(const std::vector<uint8_t>& bytes, std::vector<float>* out) {
  aivm_model_t* m = nullptr;
  aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m);
  if (s) {
    EXPECT_GT(std::strlen(aivm_status_message(s)), 0u);
    aivm_status_free(s);
    return false;
  }
  aivm_session_t* sess = nullptr;
  s = aivm_session_create(m, nullptr, aivm_allocator_system(), &sess);
  if (s) {  // e.g. a flipped arena size too large to allocate: an error status is fine
    aivm_status_free(s);
    aivm_model_release(m);
    return false;
  }
  std::vector<float> x = digit_input();
  int64_t shape[4] = {1, 1, 8, 8};
  aivm_status_t st = aivm_session_set_input(sess, "input", AIVM_DTYPE_F32, shape, 4, x.data(), x.size() * 4);
  bool ok = st == AIVM_OK;  // a flipped signature may no longer accept the input: also an error status
  aivm_status_free(st);
  if (ok) {
    EXPECT_EQ(aivm_session_run(sess), AIVM_OK);
    aivm_tensor_view_t v;
    if (aivm_session_get_output(sess, 0, &v) == AIVM_OK) {
      const float* p = static_cast<const float*>(v.data);
      out->assign(p, p + v.size_bytes / 4);
    }
  }
  aivm_session_release(sess);
  aivm_model_release(m);
  return ok;
}

size_t header_end(const std::vector<uint8_t>& bytes) {
  format::BundleView v;
  std::string err;
  EXPECT_TRUE(format::verify_bundle(bytes.data(), bytes.size(), &v, &err)) << err;
  return size_t(v.bundle->data_offset());
}

TEST(ByteFlip, EveryHeaderByteGivesAnErrorOrTheCorrectResult) {
  std::vector<uint8_t> bytes = digits_bundle();
  std::vector<float> reference;
  ASSERT_TRUE(try_run(bytes, &reference));
  ASSERT_EQ(reference.size(), 10u);
  size_t end = header_end(bytes), rejected = 0;
  for (size_t i = 0; i < end; ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0xFF;
    std::vector<float> out;
    if (!try_run(bad, &out)) {
      ++rejected;
      continue;
    }
    ASSERT_EQ(out, reference) << "byte " << i << " was flipped, the bundle loaded, and the result changed";
  }
  std::printf("flipped %zu header bytes: %zu rejected, %zu gave the correct result\n", end, rejected, end - rejected);
}

// The same flips with the checksum restamped, so the FlatBuffers and bytecode verifiers face
// the damage alone. A flip may legitimately change a result here (an alpha, a stride that
// still fits); what must never happen is a crash or an out-of-bounds access (ASan).
TEST(ByteFlip, VerifiersAloneNeverLetACrashThrough) {
  std::vector<uint8_t> bytes = digits_bundle();
  size_t end = header_end(bytes), rejected = 0;
  for (size_t i = 0; i < end; ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0xFF;
    format::restamp_checksum(bad.data(), bad.size());
    std::vector<float> out;
    if (!try_run(bad, &out)) ++rejected;
  }
  std::printf("checksum bypassed: %zu of %zu flips rejected by the verifiers\n", rejected, end);
  EXPECT_GT(rejected, end / 4);  // most of a header is offsets and indices the verifiers check
}

}  // namespace
}  // namespace aivm
