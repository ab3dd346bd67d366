// Profiling through the C API: counters, FLOP counts, trace events, and the off state.
#include <gtest/gtest.h>

#include <string>

#include "aivm.h"
#include "compiler/asm/stack_asm.h"
#include "tests/common/vm_harness.h"

namespace aivm {
namespace {

using testing::take_message;

// y = relu(x @ W) with x [3,5], W [5,4] (all ones): one GEMM of 2*3*4*5 = 120 flops.
constexpr char kProgram[] = R"(
.input x f32 [3,5]
.output y f32 [3,4]
.const W f32 [5,4] fill=1
local.get x
const W
MatMul @"/fc/MatMul"
Relu @"/fc/Relu"
)";

struct Fixture {
  testing::LoadedModel m;
  explicit Fixture(bool fuse = true) {
    compiler::CompileOptions opts;
    opts.fuse = fuse;
    auto bytes = format::serialize_bundle(
        compiler::compile_program(compiler::parse_stack_asm(kProgram, "profile.aivs"), opts));
    EXPECT_EQ(testing::load(bytes, &m), "OK");
    float x[15];
    for (int i = 0; i < 15; ++i) x[i] = float(i % 4) - 1.5f;
    int64_t shape[2] = {3, 5};
    EXPECT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape, 2, x, sizeof(x)), AIVM_OK);
  }
};

TEST(Profile, OffByDefaultAndAfterTurningOff) {
  Fixture f;
  ASSERT_EQ(aivm_session_run(f.m.session), AIVM_OK);
  EXPECT_EQ(aivm_session_profile_size(f.m.session), 0u);
  aivm_instruction_profile_t p;
  aivm_status_t st = aivm_session_profile_get(f.m.session, 0, &p);
  ASSERT_NE(st, AIVM_OK);
  EXPECT_NE(take_message(st).find("out of range"), std::string::npos);
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_COUNTERS), AIVM_OK);
  EXPECT_GT(aivm_session_profile_size(f.m.session), 0u);
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_OFF), AIVM_OK);
  EXPECT_EQ(aivm_session_profile_size(f.m.session), 0u);
  st = aivm_session_set_profiling(f.m.session, aivm_profiling_t(7));
  ASSERT_NE(st, AIVM_OK);
  EXPECT_NE(take_message(st).find("unknown profiling mode"), std::string::npos);
}

TEST(Profile, CountsEveryInstructionAndTheGemmFlops) {
  Fixture f;
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_COUNTERS), AIVM_OK);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(aivm_session_run(f.m.session), AIVM_OK);
  std::vector<float> profiled = testing::output_f32(f.m.session, 0);
  size_t n = aivm_session_profile_size(f.m.session);
  bool saw_gemm = false;
  for (size_t i = 0; i < n; ++i) {
    aivm_instruction_profile_t p;
    ASSERT_EQ(aivm_session_profile_get(f.m.session, i, &p), AIVM_OK);
    EXPECT_EQ(p.calls, 3u) << p.opcode;  // straight-line code: every instruction once per run
    if (std::string(p.opcode) == "gemm") {
      saw_gemm = true;
      EXPECT_EQ(p.flops, 120.0);
      // Fusion folded the Relu into the GEMM; the source names both nodes.
      EXPECT_NE(std::string(p.source).find("/fc/MatMul"), std::string::npos) << p.source;
      EXPECT_NE(std::string(p.source).find("/fc/Relu"), std::string::npos) << p.source;
    } else {
      EXPECT_EQ(p.flops, 0.0) << p.opcode;
    }
  }
  EXPECT_TRUE(saw_gemm);
  // A profiled run computes what an unprofiled one does.
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_OFF), AIVM_OK);
  ASSERT_EQ(aivm_session_run(f.m.session), AIVM_OK);
  EXPECT_EQ(testing::output_f32(f.m.session, 0), profiled);
  // Each row: x[r] sums to -1.5-0.5+0.5+1.5-1.5 (+rotation); relu keeps the positive ones.
  for (int r = 0; r < 3; ++r) {
    float sum = 0;
    for (int k = 0; k < 5; ++k) sum += float((r * 5 + k) % 4) - 1.5f;
    for (int c = 0; c < 4; ++c) EXPECT_EQ(profiled[size_t(r * 4 + c)], sum > 0 ? sum : 0.f);
  }
}

TEST(Profile, TraceHasOneOrderedEventPerExecutedInstruction) {
  Fixture f(/*fuse=*/false);
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_TRACE), AIVM_OK);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(aivm_session_run(f.m.session), AIVM_OK);
  size_t n = aivm_session_profile_size(f.m.session);
  uint64_t dropped = 99;
  size_t events = aivm_session_trace_size(f.m.session, &dropped);
  EXPECT_EQ(events, 2 * n);
  EXPECT_EQ(dropped, 0u);
  uint64_t last_end = 0;
  for (size_t i = 0; i < events; ++i) {
    aivm_trace_event_t e;
    ASSERT_EQ(aivm_session_trace_get(f.m.session, i, &e), AIVM_OK);
    EXPECT_EQ(e.run, i / n);
    EXPECT_EQ(e.instruction, i % n);
    EXPECT_GE(e.start_ns, last_end);  // events do not overlap and come in order
    last_end = e.start_ns + e.duration_ns;
  }
  aivm_trace_event_t e;
  aivm_status_t st = aivm_session_trace_get(f.m.session, events, &e);
  ASSERT_NE(st, AIVM_OK);
  take_message(st);
  // Setting the mode again starts a fresh record.
  ASSERT_EQ(aivm_session_set_profiling(f.m.session, AIVM_PROFILING_TRACE), AIVM_OK);
  EXPECT_EQ(aivm_session_trace_size(f.m.session, nullptr), 0u);
}

}  // namespace
}  // namespace aivm
