// Pre-packed GEMM weights: a bundle packed for this CPU runs the packed path as is; one packed
// for another layout is repacked at load, says so, and gives the same results.
#include <gtest/gtest.h>

#include <cmath>

#include "compiler/compile.h"
#include "kernels/config/gemm_config.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

std::vector<uint8_t> digits_for(const std::string& target) {
  compiler::CompileOptions options;
  options.target = target;
  return format::serialize_bundle(
      compiler::compile_file(std::string(AIVM_SOURCE_DIR) + "/examples/digits/digits.onnx", options));
}

std::vector<float> run_digits(const std::vector<uint8_t>& bytes, std::string* note) {
  testing::LoadedModel m;
  EXPECT_EQ(testing::load(bytes, &m), "OK");
  if (!m.session) return {};
  *note = aivm_model_load_note(m.model);
  std::vector<float> x(64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 17) / 16.f;
  int64_t shape[4] = {1, 1, 8, 8};
  EXPECT_EQ(aivm_session_set_input(m.session, "input", AIVM_DTYPE_F32, shape, 4, x.data(), x.size() * 4), AIVM_OK);
  EXPECT_EQ(aivm_session_run(m.session), AIVM_OK);
  return testing::output_f32(m.session, 0);
}

TEST(Prepack, EveryTargetLayoutRunsAndAgreesWithPortable) {
  std::string note;
  std::vector<float> want = run_digits(digits_for("portable"), &note);
  ASSERT_EQ(want.size(), 10u);
  EXPECT_EQ(note, "");
  size_t n;
  const kernels::GemmVariant* variants = kernels::gemm_variants(&n);
  int tried = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!variants[i].supported) continue;  // cannot pack for it here
    const kernels::GemmConfig& cfg = variants[i].config;
    std::vector<float> got = run_digits(digits_for(cfg.isa), &note);
    ASSERT_EQ(got.size(), want.size()) << cfg.isa;
    for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-5f) << cfg.isa;
    bool foreign = std::string(cfg.packed_b_layout) != kernels::gemm_config().packed_b_layout;
    EXPECT_EQ(note.find("repacked at load") != std::string::npos, foreign) << cfg.isa << ": " << note;
    ++tried;
  }
  EXPECT_GE(tried, 1);  // the repack path needs a second supported layout (any x86-64 with AVX2)
}

TEST(Prepack, NativeBundleRecordsItsLayout) {
  format::BundleDesc d =
      compiler::compile_file(std::string(AIVM_SOURCE_DIR) + "/examples/digits/digits.onnx", compiler::CompileOptions{});
  EXPECT_TRUE(d.packed_weights);
  EXPECT_EQ(d.target_isa, kernels::gemm_config().packed_b_layout);
}

}  // namespace
}  // namespace aivm
