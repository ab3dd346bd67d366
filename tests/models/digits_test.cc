// The digits CNN end to end: compile the committed ONNX model, run the 48 held-out digits
// through the C API, compare with ONNX Runtime's saved outputs and the labels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "compiler/compile.h"
#include "isa/attrs.h"
#include "isa/decode.h"
#include "tests/common/npy.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

const std::string kDir = std::string(AIVM_SOURCE_DIR) + "/examples/digits";

std::string digit_path(int i) {
  char name[64];
  std::snprintf(name, sizeof(name), "/testdata/digit_%02d.npy", i);
  return kDir + name;
}

class Digits : public ::testing::TestWithParam<int> {};

TEST_P(Digits, MatchesOnnxRuntimeAndLabels) {
  std::vector<uint8_t> bytes = format::serialize_bundle(compiler::compile_file(kDir + "/digits.onnx", {}));
  testing::LoadedModel m;
  ASSERT_EQ(testing::load(bytes, &m, GetParam()), "OK");
  testing::NpyArray ref;
  std::string err;
  ASSERT_TRUE(testing::read_npy_f32(kDir + "/testdata/ref_probs.npy", &ref, &err)) << err;
  std::ifstream labels_file(kDir + "/testdata/labels.txt");
  std::vector<int> labels;
  for (int l; labels_file >> l;) labels.push_back(l);
  ASSERT_EQ(labels.size(), 48u);
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{48, 10}));

  int correct = 0;
  float max_diff = 0.f;
  for (int i = 0; i < 48; ++i) {
    testing::NpyArray x;
    ASSERT_TRUE(testing::read_npy_f32(digit_path(i), &x, &err)) << err;
    ASSERT_EQ(aivm_session_set_input(m.session, "input", AIVM_DTYPE_F32, x.shape.data(), x.shape.size(), x.data.data(),
                                     x.data.size() * 4),
              AIVM_OK);
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
    std::vector<float> y = testing::output_f32(m.session, 0);
    ASSERT_EQ(y.size(), 10u);
    int best = 0;
    for (int k = 0; k < 10; ++k) {
      max_diff = std::max(max_diff, std::fabs(y[size_t(k)] - ref.data[size_t(i * 10 + k)]));
      if (y[size_t(k)] > y[size_t(best)]) best = k;
    }
    correct += best == labels[size_t(i)];
  }
  EXPECT_LE(max_diff, 1e-4f);
  EXPECT_GE(correct, 44) << "accuracy " << correct << "/48";  // >= 0.9
}

INSTANTIATE_TEST_SUITE_P(Threads, Digits, ::testing::Values(1, 2));

TEST(DigitsBundle, ConvAndGemmCarryTheirFusedRelu) {
  format::BundleDesc d = compiler::compile_file(kDir + "/digits.onnx", {});
  int relu = 0, conv = 0;
  for (uint64_t w : d.functions[0].code) {
    relu += isa::decode(w).op == isa::Opcode::UNARY && isa::decode(w).d == uint32_t(isa::UnaryKind::Relu);
    conv += isa::decode(w).op == isa::Opcode::CONV;
  }
  EXPECT_GE(conv, 1);
  EXPECT_EQ(relu, 0) << "every Relu follows a Conv or Gemm and should be fused into it";
  EXPECT_LE(d.functions[0].arena_bytes, d.functions[0].arena_lower_bound * 11 / 10);
}

}  // namespace
}  // namespace aivm
