// Flips every byte of the digits bundle's header and bytecode, one at a time: each load must
// give an error status or a run with the correct result, never a crash. Run under ASan in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "aivm.h"
#include "compiler/compile.h"
#include "compiler/onnx/onnx_import.h"
#include "format/reader.h"
#include "format/writer.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

std::vector<uint8_t> digits_bundle() {
  return format::serialize_bundle(
      compiler::compile_file(std::string(AIVM_SOURCE_DIR) + "/examples/digits/digits.onnx", compiler::CompileOptions{}));
}

// The same model with a symbolic batch: the loader checks the dynamic tables, each run's
// specialisation verifies the rest.
std::vector<uint8_t> dynamic_digits_bundle() {
  compiler::StackProgram p = compiler::import_onnx_file(std::string(AIVM_SOURCE_DIR) + "/examples/digits/digits.onnx");
  p.inputs[0].shape[0] = -1;
  p.inputs[0].dim_names.assign(p.inputs[0].shape.size(), "");
  p.inputs[0].dim_names[0] = "N";
  return format::serialize_bundle(compiler::compile_program(p, compiler::CompileOptions{}));
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
    // A dynamic bundle is verified in full when a run specialises it: then the run gives the error.
    aivm_status_t rs = aivm_session_run(sess);
    if (rs && aivm_model_specialization_count(m) == 0 && aivm_status_code(rs) == AIVM_STATUS_INVALID_BUNDLE) {
      aivm_status_free(rs);
      aivm_session_release(sess);
      aivm_model_release(m);
      return false;
    }
    EXPECT_EQ(rs, AIVM_OK) << (rs ? aivm_status_message(rs) : "");
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

class ByteFlip : public ::testing::TestWithParam<bool> {
 protected:
  std::vector<uint8_t> bundle() const { return GetParam() ? dynamic_digits_bundle() : digits_bundle(); }
};

TEST_P(ByteFlip, EveryHeaderByteGivesAnErrorOrTheCorrectResult) {
  std::vector<uint8_t> bytes = bundle();
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
TEST_P(ByteFlip, VerifiersAloneNeverLetACrashThrough) {
  std::vector<uint8_t> bytes = bundle();
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

INSTANTIATE_TEST_SUITE_P(StaticAndDynamic, ByteFlip, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "Dynamic" : "Static"; });

}  // namespace
}  // namespace aivm
