// Symbolic input dims at run time (vm/src/specialize.h): one dynamic bundle run at several
// shapes in one session, the plan cache, errors for wrong shapes and hostile dynamic tables.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "aivm.h"
#include "compiler/asm/stack_asm.h"
#include "compiler/compile.h"
#include "format/writer.h"
#include "kernels/conv/conv.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

using testing::LoadedModel;
using testing::take_message;

// y = relu(x W^T + b) flattened from [N, 2, 3] to [N, 6] first; z = sum of y over axis 1.
constexpr const char* kProgram = R"(
.input x f32 [N,2,3]
.output y f32 [N,2]
.output z f32 [N]
.local y
.const W f32 [2,6] 1 0 0 0 0 1  0 1 0 1 0 -1
.const B f32 [2] 0.5 -0.5
.const shape i64 [2] 0 -1
.const axes i64 [1] 1
local.get x
const shape
Reshape
const W
const B
Gemm in=3 transB=1
Relu
local.set y
local.get y
local.get y
const axes
ReduceSum in=2 keepdims=0
)";

format::BundleDesc dynamic_desc() {
  return compiler::compile_program(compiler::parse_stack_asm(kProgram, "symbolic.aivs"), compiler::CompileOptions{});
}

std::vector<float> input(int64_t n) {
  std::vector<float> x(size_t(n * 6));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.7f);
  return x;
}

// The program by hand: y[i] = relu(W x_i + b), z[i] = y[i][0] + y[i][1].
void reference(const std::vector<float>& x, std::vector<float>* y, std::vector<float>* z) {
  const float w[2][6] = {{1, 0, 0, 0, 0, 1}, {0, 1, 0, 1, 0, -1}}, b[2] = {0.5f, -0.5f};
  size_t n = x.size() / 6;
  y->assign(n * 2, 0.f);
  z->assign(n, 0.f);
  for (size_t i = 0; i < n; ++i)
    for (int o = 0; o < 2; ++o) {
      float acc = b[o];
      for (int k = 0; k < 6; ++k) acc += w[o][k] * x[i * 6 + size_t(k)];
      (*y)[i * 2 + size_t(o)] = std::max(acc, 0.f);
      (*z)[i] += (*y)[i * 2 + size_t(o)];
    }
}

// GEMM accumulates with FMA: the last bit may differ from the loop above.
void expect_near(const std::vector<float>& got, const std::vector<float>& want, int64_t n) {
  ASSERT_EQ(got.size(), want.size()) << "batch " << n;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << "batch " << n << " element " << i;
}

aivm_status_t set_x(aivm_session_t* s, const std::vector<int64_t>& shape, const std::vector<float>& x) {
  return aivm_session_set_input(s, "x", AIVM_DTYPE_F32, shape.data(), shape.size(), x.data(), x.size() * 4);
}

TEST(Symbolic, CompilesToADynamicBundle) {
  format::BundleDesc d = dynamic_desc();
  ASSERT_EQ(d.functions[0].symbols, std::vector<std::string>{"N"});
  EXPECT_EQ(d.inputs[0].shape, (std::vector<int64_t>{-1, 2, 3}));
  EXPECT_EQ(d.inputs[0].dim_names[0], "N");
  EXPECT_EQ(d.outputs[0].shape, (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(d.functions[0].registers[d.inputs[0].reg].shape, (std::vector<int64_t>{-2, 2, 3}));  // symbol 0
  EXPECT_EQ(d.functions[0].live_first.size(), d.functions[0].registers.size());
}

TEST(Symbolic, RunsAtEveryShapeInOneSessionAndCachesPlans) {
  LoadedModel m;
  ASSERT_EQ(testing::load(format::serialize_bundle(dynamic_desc()), &m), "OK");
  aivm_tensor_info_t info;
  ASSERT_EQ(aivm_model_input_info(m.model, 0, &info), AIVM_OK);
  EXPECT_EQ(info.shape[0], -1);
  EXPECT_EQ(aivm_model_specialization_count(m.model), 0u);
  uint64_t small_arena = 0;
  const int64_t batches[] = {1, 4, 2, 1, 3000, 4, 2};  // alternating, 1, and one that grows the arena
  for (int64_t n : batches) {
    std::vector<float> x = input(n), y, z;
    reference(x, &y, &z);
    ASSERT_EQ(set_x(m.session, {n, 2, 3}, x), AIVM_OK);
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK) << "batch " << n;
    aivm_tensor_view_t v;
    ASSERT_EQ(aivm_session_get_output(m.session, 0, &v), AIVM_OK);
    ASSERT_EQ(v.rank, 2u);
    EXPECT_EQ(v.shape[0], n);
    EXPECT_EQ(v.shape[1], 2);
    expect_near(testing::output_f32(m.session, 0), y, n);
    expect_near(testing::output_f32(m.session, 1), z, n);
    if (n == 1) small_arena = aivm_session_arena_bytes(m.session);
    if (n == 3000) {
      EXPECT_GT(aivm_session_arena_bytes(m.session), 100 * small_arena);
    }
  }
  EXPECT_EQ(aivm_model_specialization_count(m.model), 4u);  // 1, 4, 2, 3000: repeats reuse their plan
  // A second session shares the cached plans.
  aivm_session_t* other = nullptr;
  ASSERT_EQ(aivm_session_create(m.model, nullptr, aivm_allocator_system(), &other), AIVM_OK);
  std::vector<float> x = input(2), y, z;
  reference(x, &y, &z);
  ASSERT_EQ(set_x(other, {2, 2, 3}, x), AIVM_OK);
  ASSERT_EQ(aivm_session_run(other), AIVM_OK);
  expect_near(testing::output_f32(other, 0), y, 2);
  EXPECT_EQ(aivm_model_specialization_count(m.model), 4u);
  aivm_session_release(other);
}

TEST(Symbolic, WrongRankOrStaticDimIsInvalidArgument) {
  LoadedModel m;
  ASSERT_EQ(testing::load(format::serialize_bundle(dynamic_desc()), &m), "OK");
  std::vector<float> x = input(4);
  aivm_status_t s = set_x(m.session, {4, 6}, x);
  ASSERT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(take_message(s).find("rank"), std::string::npos);
  s = set_x(m.session, {2, 4, 3}, x);
  ASSERT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  std::string msg = take_message(s);
  EXPECT_NE(msg.find("'x' axis 1"), std::string::npos) << msg;
  s = set_x(m.session, {3, 2, 3}, x);  // 18 elements, 24 given
  ASSERT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  aivm_status_free(s);
  s = aivm_session_run(m.session);  // nothing set yet
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_FAILED_PRECONDITION);
  aivm_status_free(s);
}

TEST(Symbolic, StaticModelsKeepTheStaticPath) {
  compiler::CompileOptions o;
  o.input_shapes["x"] = {3, 2, 3};
  format::BundleDesc d = compiler::compile_program(compiler::parse_stack_asm(kProgram, "symbolic.aivs"), o);
  EXPECT_TRUE(d.functions[0].symbols.empty());
  LoadedModel m;
  ASSERT_EQ(testing::load(format::serialize_bundle(d), &m), "OK");
  EXPECT_GT(aivm_model_arena_bytes(m.model), 0u);
  std::vector<float> x = input(3), y, z;
  reference(x, &y, &z);
  ASSERT_EQ(set_x(m.session, {3, 2, 3}, x), AIVM_OK);
  ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
  expect_near(testing::output_f32(m.session, 0), y, 3);
  EXPECT_EQ(aivm_model_specialization_count(m.model), 0u);
}

// Loads |d| after |edit|; returns the load's or the first run's error ("OK" if both work).
std::string load_and_run(const std::function<void(format::BundleDesc&)>& edit) {
  format::BundleDesc d = dynamic_desc();
  edit(d);
  LoadedModel m;
  std::string msg = testing::load(format::serialize_bundle(d), &m);
  if (msg != "OK") return msg;
  std::vector<float> x = input(2);
  aivm_status_t s = set_x(m.session, {2, 2, 3}, x);
  if (s) return take_message(s);
  s = aivm_session_run(m.session);
  return s ? take_message(s) : "OK";
}

TEST(Symbolic, HostileDynamicTablesGiveErrors) {
  EXPECT_EQ(load_and_run([](format::BundleDesc&) {}), "OK");
  EXPECT_NE(load_and_run([](format::BundleDesc& d) { d.functions[0].live_last[1] = 0, d.functions[0].live_first[1] = 5; })
                .find("live_first/last[1]"),
            std::string::npos);
  EXPECT_NE(load_and_run([](format::BundleDesc& d) { d.functions[0].live_first.pop_back(); }).find("live interval"),
            std::string::npos);
  EXPECT_NE(load_and_run([](format::BundleDesc& d) { d.functions[0].registers[d.inputs[0].reg].shape[0] = -9; })
                .find("registers["),
            std::string::npos);
  // An inferred dim in an input: inputs must name their symbols.
  EXPECT_NE(load_and_run([](format::BundleDesc& d) { d.functions[0].registers[d.inputs[0].reg].shape[0] = -1; })
                .find("disagrees"),
            std::string::npos);
  // An output's dim claimed static though the code makes it N: the specialisation's verifier says no.
  EXPECT_NE(load_and_run([](format::BundleDesc& d) {
              d.functions[0].registers[d.outputs[0].reg].shape[0] = 7;
              d.outputs[0].shape[0] = 7;
            }).find("shape"),
            std::string::npos);
  // Live intervals that lie (everything live at one instant only) cannot place a tensor outside
  // the arena: the run either works or gives wrong numbers, but stays in bounds (ASan).
  load_and_run([](format::BundleDesc& d) {
    for (auto& v : d.functions[0].live_first) v = 0;
    for (auto& v : d.functions[0].live_last) v = 0;
  });
  EXPECT_NE(load_and_run([](format::BundleDesc& d) {
              d.functions[0].attr_symbol_words = {uint32_t(d.functions[0].attrs.size())};
              d.functions[0].attr_symbol_ids = {0};
            }).find("out of range"),
            std::string::npos);
  EXPECT_NE(load_and_run([](format::BundleDesc& d) { d.functions[0].symbols.push_back("M"); }).find("no input"),
            std::string::npos);
}

// A conv's packed weights are made once, at the first specialisation, but which layout a conv
// packs for depends on its output size (Winograd for large planes, GEMM panels for small): a
// later shape that picks another strategy must not read the first one's packing as its own.
TEST(Symbolic, ConvWeightsPackedForOneSizeServeAnother) {
  constexpr int64_t kC = 16, kK = 16;
  std::string weights;
  std::vector<float> w(size_t(kK * kC * 9));
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = float(int64_t(i * 37) % 19) / 9.f - 1.f;
    weights += " " + std::to_string(w[i]);
    w[i] = std::stof(std::to_string(w[i]));  // what the assembler reads back
  }
  const std::string text = ".input x f32 [1,16,H,W]\n.output y f32 [1,16,H,W]\n.const W f32 [16,16,3,3]" + weights +
                           "\nlocal.get x\nconst W\nConv pads=[1,1,1,1]\n";
  format::BundleDesc d = compiler::compile_program(compiler::parse_stack_asm(text, "conv.aivs"), compiler::CompileOptions{});
  LoadedModel m;
  ASSERT_EQ(testing::load(format::serialize_bundle(d), &m), "OK");
  for (int64_t side : {40, 3, 12, 40, 1}) {
    SCOPED_TRACE(side);
    std::vector<float> x(size_t(kC * side * side));
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.37f);
    const std::vector<int64_t> shape = {1, kC, side, side};
    ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape.data(), 4, x.data(), x.size() * 4), AIVM_OK);
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
    const kernels::Conv2dParams p{1, kC, side, side, kK, side, side, 1, {3, 3, 1, 1, 1, 1, 1, 1, 1, 1}};
    std::vector<float> want(size_t(kK * side * side));
    kernels::conv2d_f32_reference(p, x.data(), w.data(), nullptr, nullptr, kernels::Activation{}, want.data());
    std::vector<float> got = testing::output_f32(m.session, 0);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-3f) << "element " << i;
  }
}

}  // namespace
}  // namespace aivm
