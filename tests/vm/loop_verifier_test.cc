// LOOP, TRAP and STORE_AT in the VM: the verifier's termination rule (only a LOOP jumps back,
// bodies nest, nothing in a body writes its counter), the run's loop budget, and run-time
// errors reaching aivm_session_run's status.
#include <gtest/gtest.h>

#include <climits>
#include <cstring>

#include "aivm.h"
#include "format/writer.h"
#include "isa/attrs.h"
#include "isa/isa.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

using format::StorageKind;
using isa::Opcode;

// y := x; repeat n times: y := y + x. Registers: r0 x f32[2], r1 counter i64, r2 n (const),
// r3 y f32[2] (output), r4 t f32[2].
format::BundleDesc loop_bundle(int64_t n) {
  format::BundleDesc d;
  d.inputs.push_back({"x", DType::F32, {2}, {}, 0});
  d.outputs.push_back({"y", DType::F32, {2}, {}, 3});
  format::FunctionDesc f;
  f.registers = {{DType::F32, {2}, StorageKind::Arena, 0},
                 {DType::I64, {}, StorageKind::Arena, 64},
                 {DType::I64, {}, StorageKind::Constant, 0},
                 {DType::F32, {2}, StorageKind::Arena, 128},
                 {DType::F32, {2}, StorageKind::Arena, 192}};
  f.code = {isa::encode_abcd(Opcode::MOV, 3, 0, 0, 0),     // 0: y := x
            isa::encode_abcd(Opcode::MOV, 1, 2, 0, 0),     // 1: counter := n
            isa::encode_abcd(Opcode::BINARY, 4, 3, 0, 0),  // 2: t := y + x
            isa::encode_abcd(Opcode::MOV, 3, 4, 0, 0),     // 3: y := t
            isa::encode_aj(Opcode::LOOP, 1, 2),            // 4: loop back to 2
            isa::encode_abcd(Opcode::HALT, 0, 0, 0, 0)};
  f.arena_bytes = 256;
  d.functions.push_back(f);
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), &n, 8);
  d.constants.push_back({"n", bytes});
  return d;
}

std::string load_message(const format::BundleDesc& d) {
  std::vector<uint8_t> bytes = format::serialize_bundle(d);
  aivm_model_t* m = nullptr;
  aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m);
  aivm_model_release(m);
  return s ? testing::take_message(s) : "OK";
}

// Runs |d| on x = {1, 2}; returns the status code and fills |y|.
aivm_status_code_t run(const format::BundleDesc& d, std::vector<float>* y, int64_t budget = 0, std::string* msg = nullptr) {
  std::vector<uint8_t> bytes = format::serialize_bundle(d);
  testing::LoadedModel m;
  EXPECT_EQ(aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m.model), AIVM_OK);
  aivm_session_options_t opts{};
  opts.max_loop_iterations = budget;
  EXPECT_EQ(aivm_session_create(m.model, &opts, aivm_allocator_system(), &m.session), AIVM_OK);
  float x[2] = {1, 2};
  int64_t shape[1] = {2};
  EXPECT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape, 1, x, 8), AIVM_OK);
  aivm_status_t s = aivm_session_run(m.session);
  aivm_status_code_t code = aivm_status_code(s);
  if (s) {
    std::string text = testing::take_message(s);
    if (msg) *msg = text;
    return code;
  }
  *y = testing::output_f32(m.session, 0);
  return code;
}

auto& code(format::BundleDesc& d) { return d.functions[0].code; }
auto& regs(format::BundleDesc& d) { return d.functions[0].registers; }

TEST(LoopVm, CountedLoopRuns) {
  std::vector<float> y;
  ASSERT_EQ(run(loop_bundle(3), &y), AIVM_STATUS_OK);
  EXPECT_EQ(y, (std::vector<float>{4, 8}));  // x + 3x
  ASSERT_EQ(run(loop_bundle(0), &y), AIVM_STATUS_OK);  // LOOP exits at once on <= 0 after the first pass
  EXPECT_EQ(y, (std::vector<float>{2, 4}));
}

// A hostile counter near 2^63 still ends: the budget stops the run with an error status.
TEST(LoopVm, BudgetStopsAHugeCounter) {
  std::vector<float> y;
  std::string msg;
  EXPECT_EQ(run(loop_bundle(INT64_MAX), &y, 1000, &msg), AIVM_STATUS_RESOURCE_EXHAUSTED);
  EXPECT_NE(msg.find("max_loop_iterations"), std::string::npos) << msg;
  // Exactly at the budget is fine: n iterations take n - 1 back edges.
  EXPECT_EQ(run(loop_bundle(1001), &y, 1000), AIVM_STATUS_OK);
  EXPECT_EQ(run(loop_bundle(1002), &y, 1000), AIVM_STATUS_RESOURCE_EXHAUSTED);
}

struct Case {
  const char* name;
  std::function<void(format::BundleDesc&)> damage;
  const char* expected;
};

class LoopRejects : public ::testing::TestWithParam<Case> {};

TEST_P(LoopRejects, WithAClearMessage) {
  format::BundleDesc d = loop_bundle(3);
  GetParam().damage(d);
  std::string msg = load_message(d);
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

const Case kCases[] = {
    {"BackwardJmp", [](auto& d) { code(d)[4] = isa::encode_aj(Opcode::JMP, 0, 2); }, "only loop jumps back"},
    {"BackwardJmpz", [](auto& d) { code(d)[4] = isa::encode_aj(Opcode::JMPZ, 1, 2); }, "only loop jumps back"},
    {"LoopForward", [](auto& d) { code(d)[4] = isa::encode_aj(Opcode::LOOP, 1, 5); }, "after the loop instruction"},
    {"CounterIsConstant", [](auto& d) { code(d)[4] = isa::encode_aj(Opcode::LOOP, 2, 2); }, "one-element i64 arena register"},
    {"CounterIsF32", [](auto& d) { code(d)[4] = isa::encode_aj(Opcode::LOOP, 3, 2); }, "one-element i64 arena register"},
    {"BodyResetsCounter", [](auto& d) { code(d)[3] = isa::encode_abcd(Opcode::MOV, 1, 2, 0, 0); }, "holds the counter r1"},
    {"BodyWritesAnAlias",
     [](auto& d) {
       regs(d).push_back({DType::I64, {}, StorageKind::Arena, 64});  // r5 shares the counter's bytes
       code(d)[3] = isa::encode_abcd(Opcode::MOV, 5, 2, 0, 0);
     },
     "holds the counter r1"},
    {"LoopsOverlapWithoutNesting",
     [](auto& d) {
       regs(d).push_back({DType::I64, {}, StorageKind::Arena, 256});  // r5: a second counter
       d.functions[0].arena_bytes = 320;
       code(d) = {isa::encode_abcd(Opcode::MOV, 3, 0, 0, 0), isa::encode_abcd(Opcode::MOV, 1, 2, 0, 0),
                  isa::encode_abcd(Opcode::MOV, 5, 2, 0, 0), isa::encode_abcd(Opcode::BINARY, 4, 3, 0, 0),
                  isa::encode_aj(Opcode::LOOP, 1, 2),  // body [2, 4]
                  isa::encode_abcd(Opcode::MOV, 3, 4, 0, 0),
                  isa::encode_aj(Opcode::LOOP, 5, 3),  // body [3, 6]: starts inside the first
                  isa::encode_abcd(Opcode::HALT, 0, 0, 0, 0)};
     },
     "without nesting"},
    {"EndsInALoop", [](auto& d) { code(d).pop_back(); }, "fall off the end"},
    {"TrapKindUndefined", [](auto& d) { code(d)[5] = isa::encode_abcd(Opcode::TRAP, 0, 0, 0, 7); }, "trap kind 7"},
    {"StoreAtShapeWrong", [](auto& d) { code(d)[3] = isa::encode_abcd(Opcode::STORE_AT, 4, 3, 1, 0); }, "does not insert one axis"},
    {"StoreAtIndexNotInteger", [](auto& d) { code(d)[3] = isa::encode_abcd(Opcode::STORE_AT, 4, 3, 0, 0); }, "must hold one i32 or i64"},
};

INSTANTIATE_TEST_SUITE_P(Verifier, LoopRejects, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(LoopVm, AcceptsTheUndamagedLoop) { EXPECT_EQ(load_message(loop_bundle(3)), "OK"); }

TEST(LoopVm, NestedLoopsWithTheirOwnCountersAreAccepted) {
  format::BundleDesc d = loop_bundle(3);
  regs(d).push_back({DType::I64, {}, StorageKind::Arena, 256});  // r5: the inner counter
  d.functions[0].arena_bytes = 320;
  code(d) = {isa::encode_abcd(Opcode::MOV, 3, 0, 0, 0), isa::encode_abcd(Opcode::MOV, 1, 2, 0, 0),
             isa::encode_abcd(Opcode::MOV, 5, 2, 0, 0),     // 2: outer body: inner counter := n
             isa::encode_abcd(Opcode::BINARY, 4, 3, 0, 0),  // 3: inner body
             isa::encode_abcd(Opcode::MOV, 3, 4, 0, 0),
             isa::encode_aj(Opcode::LOOP, 5, 3),            // 5: inner back edge
             isa::encode_aj(Opcode::LOOP, 1, 2),            // 6: outer back edge
             isa::encode_abcd(Opcode::HALT, 0, 0, 0, 0)};
  ASSERT_EQ(load_message(d), "OK");
  std::vector<float> y;
  ASSERT_EQ(run(d, &y), AIVM_STATUS_OK);
  EXPECT_EQ(y, (std::vector<float>{10, 20}));  // x + 9x
}

// Thousands of nested loops verify in one sweep; a write to the outermost counter from the
// innermost body is still found.
TEST(LoopVm, DeeplyNestedLoopsVerifyAndAreChecked) {
  const uint32_t n = 4000;
  format::BundleDesc d = loop_bundle(3);
  format::FunctionDesc& f = d.functions[0];
  uint32_t first = uint32_t(f.registers.size());
  for (uint32_t k = 0; k < n; ++k) f.registers.push_back({DType::I64, {}, StorageKind::Arena, 256 + 64 * uint64_t(k)});
  f.arena_bytes = 256 + 64 * uint64_t(n);
  f.code.clear();
  f.code.push_back(isa::encode_abcd(Opcode::MOV, 3, 0, 0, 0));  // y := x, outside every loop
  for (uint32_t k = 0; k < n; ++k) f.code.push_back(isa::encode_abcd(Opcode::NOP, 0, 0, 0, 0));
  for (uint32_t j = 0; j < n; ++j)  // the j-th back edge closes the loop opened at n - j
    f.code.push_back(isa::encode_aj(Opcode::LOOP, first + j, n - j));
  f.code.push_back(isa::encode_abcd(Opcode::HALT, 0, 0, 0, 0));
  EXPECT_EQ(load_message(d), "OK");
  f.code[n] = isa::encode_abcd(Opcode::MOV, first + n - 1, 2, 0, 0);  // innermost body, outermost counter
  EXPECT_NE(load_message(d).find("holds the counter r" + std::to_string(first + n - 1)), std::string::npos);
}

// STORE_AT at a run-time index outside the rows fails the run instead of writing out of bounds.
TEST(LoopVm, StoreAtOutOfRangeIndexFailsTheRun) {
  format::BundleDesc d = loop_bundle(3);
  // r5 rows f32[2,2]; store y at row counter (3 on the first pass: out of range).
  regs(d).push_back({DType::F32, {2, 2}, StorageKind::Arena, 256});
  d.functions[0].arena_bytes = 320;
  code(d).insert(code(d).begin() + 2, isa::encode_abcd(Opcode::STORE_AT, 5, 3, 1, 0));
  code(d)[5] = isa::encode_aj(Opcode::LOOP, 1, 2);
  ASSERT_EQ(load_message(d), "OK");
  std::vector<float> y;
  std::string msg;
  EXPECT_EQ(run(d, &y, 0, &msg), AIVM_STATUS_OUT_OF_RANGE);
  EXPECT_NE(msg.find("index 3 outside [0, 2)"), std::string::npos) << msg;
}

}  // namespace
}  // namespace aivm
