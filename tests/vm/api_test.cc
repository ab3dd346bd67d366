// The C API: loading errors, signature queries, input validation, output access.
#include <gtest/gtest.h>

#include <fstream>

#include "aivm.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

using testing::take_message;

// y = relu(x + c), x [2,3], c [3] constant.
compiler::StackProgram add_relu() {
  compiler::StackProgram p;
  p.source = "add_relu.aivs";
  p.inputs = {{"x", DType::F32, {2, 3}, {}}};
  p.local_names = {"x"};
  p.outputs = {{"y", DType::F32, {}, {}}};
  compiler::Tensor c;
  c.dtype = DType::F32;
  c.shape = {3};
  float vals[3] = {1.f, -1.f, 0.5f};
  c.data.assign(reinterpret_cast<uint8_t*>(vals), reinterpret_cast<uint8_t*>(vals) + 12);
  p.constants = {c};
  p.constant_names = {"c"};
  compiler::StackOp get, push, add, relu;
  get.kind = compiler::StackOpKind::LocalGet;
  push.kind = compiler::StackOpKind::PushConst;
  add.name = "Add";
  add.num_inputs = 2;
  relu.name = "Relu";
  relu.num_inputs = 1;
  p.code = {get, push, add, relu};
  return p;
}

TEST(Api, RunsAndReadsOutputs) {
  testing::LoadedModel m;
  ASSERT_EQ(testing::load(testing::compile_to_bytes(add_relu()), &m), "OK");
  ASSERT_EQ(aivm_model_input_count(m.model), 1u);
  aivm_tensor_info_t info;
  ASSERT_EQ(aivm_model_input_info(m.model, 0, &info), AIVM_OK);
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[1], 3);
  float x[6] = {0, 0, 0, -2, 2, -0.25f};
  int64_t shape[2] = {2, 3};
  ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape, 2, x, sizeof(x)), AIVM_OK);
  ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
  EXPECT_EQ(testing::output_f32(m.session, 0), (std::vector<float>{1, 0, 0.5f, 0, 1, 0.25f}));
}

// The arena may reuse a dead tensor's bytes, but never an input's: runs use the inputs as set.
TEST(Api, InputsSurviveARun) {
  testing::LoadedModel m;
  ASSERT_EQ(testing::load(testing::compile_to_bytes(add_relu()), &m), "OK");
  float x[6] = {0, 0, 0, -2, 2, -0.25f};
  int64_t shape[2] = {2, 3};
  ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape, 2, x, sizeof(x)), AIVM_OK);
  for (int run = 0; run < 3; ++run) {
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
    EXPECT_EQ(testing::output_f32(m.session, 0), (std::vector<float>{1, 0, 0.5f, 0, 1, 0.25f})) << "run " << run;
  }
}

TEST(Api, WrongInputsListTheExpectedOnes) {
  testing::LoadedModel m;
  ASSERT_EQ(testing::load(testing::compile_to_bytes(add_relu()), &m), "OK");
  float x[6] = {};
  int64_t bad_shape[2] = {3, 2};
  aivm_status_t s = aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, bad_shape, 2, x, sizeof(x));
  ASSERT_NE(s, AIVM_OK);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(take_message(s).find("expected inputs: 'x' f32 [2,3]"), std::string::npos);
  int64_t shape[2] = {2, 3};
  s = aivm_session_set_input(m.session, "nope", AIVM_DTYPE_F32, shape, 2, x, sizeof(x));
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_NOT_FOUND);
  EXPECT_NE(take_message(s).find("no input named 'nope'"), std::string::npos);
  s = aivm_session_set_input(m.session, "x", AIVM_DTYPE_I32, shape, 2, x, sizeof(x));
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  aivm_status_free(s);
}

TEST(Api, OutputBeforeRunIsAPreconditionError) {
  testing::LoadedModel m;
  ASSERT_EQ(testing::load(testing::compile_to_bytes(add_relu()), &m), "OK");
  aivm_tensor_view_t v;
  aivm_status_t s = aivm_session_get_output(m.session, 0, &v);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_FAILED_PRECONDITION);
  aivm_status_free(s);
  s = aivm_session_get_output(m.session, 7, &v);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  aivm_status_free(s);
}

TEST(Api, LoadErrors) {
  aivm_model_t* m = nullptr;
  aivm_status_t s = aivm_model_load_file("/no/such/model.aivm", aivm_allocator_system(), &m);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_NOT_FOUND);
  EXPECT_NE(take_message(s).find("/no/such/model.aivm"), std::string::npos);
  EXPECT_EQ(m, nullptr);

  std::string path = ::testing::TempDir() + "/garbage.aivm";
  { std::ofstream(path) << "this is not a bundle at all, just some text"; }
  s = aivm_model_load_file(path.c_str(), aivm_allocator_system(), &m);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_BUNDLE);
  EXPECT_NE(take_message(s).find(path), std::string::npos);

  s = aivm_model_load_buffer(nullptr, 0, aivm_allocator_system(), &m);
  EXPECT_EQ(aivm_status_code(s), AIVM_STATUS_INVALID_ARGUMENT);
  aivm_status_free(s);
  EXPECT_EQ(aivm_status_code(AIVM_OK), AIVM_STATUS_OK);
  EXPECT_STREQ(aivm_status_message(AIVM_OK), "OK");
}

TEST(Api, SessionsShareOneModel) {
  std::vector<uint8_t> bytes = testing::compile_to_bytes(add_relu());
  aivm_model_t* model = nullptr;
  ASSERT_EQ(aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &model), AIVM_OK);
  aivm_session_t *a = nullptr, *b = nullptr;
  ASSERT_EQ(aivm_session_create(model, nullptr, aivm_allocator_system(), &a), AIVM_OK);
  ASSERT_EQ(aivm_session_create(model, nullptr, aivm_allocator_system(), &b), AIVM_OK);
  aivm_model_release(model);  // the sessions keep it alive
  float xa[6] = {1, 1, 1, 1, 1, 1}, xb[6] = {-9, -9, -9, -9, -9, -9};
  int64_t shape[2] = {2, 3};
  ASSERT_EQ(aivm_session_set_input(a, "x", AIVM_DTYPE_F32, shape, 2, xa, sizeof(xa)), AIVM_OK);
  ASSERT_EQ(aivm_session_set_input(b, "x", AIVM_DTYPE_F32, shape, 2, xb, sizeof(xb)), AIVM_OK);
  ASSERT_EQ(aivm_session_run(a), AIVM_OK);
  ASSERT_EQ(aivm_session_run(b), AIVM_OK);
  EXPECT_EQ(testing::output_f32(a, 0), (std::vector<float>{2, 0, 1.5f, 2, 0, 1.5f}));
  EXPECT_EQ(testing::output_f32(b, 0), (std::vector<float>{0, 0, 0, 0, 0, 0}));
  aivm_session_release(a);
  aivm_session_release(b);
}

}  // namespace
}  // namespace aivm

namespace aivm {
namespace {

// Scalars have an empty shape vector, which FlatBuffers may place at any 4-byte offset; that
// must not be mistaken for a misaligned vector (a CI failure that depended on name lengths).
TEST(Api, ScalarInputsLoadWhateverTheirNames) {
  for (std::string name : {"c", "cc", "ccc", "cccc", "ccccc", "cccccccc"}) {
    compiler::StackProgram p;
    p.inputs = {{name, DType::F32, {}, {}}};
    p.local_names = {name};
    p.outputs = {{"y", DType::F32, {}, {}}};
    compiler::StackOp get, relu;
    get.kind = compiler::StackOpKind::LocalGet;
    relu.name = "Relu";
    relu.num_inputs = 1;
    p.code = {get, relu};
    testing::LoadedModel m;
    EXPECT_EQ(testing::load(testing::compile_to_bytes(p), &m), "OK") << name;
  }
}

}  // namespace
}  // namespace aivm
