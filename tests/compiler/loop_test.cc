// Loops in the stack program (.aivs `loop`/`break_unless`/`loop.index`/`end`): lowering into
// blocks with one backward LOOP edge, loop-carried locals, collected rows, run-time errors,
// and the memory plan's treatment of live ranges across loops.
#include <gtest/gtest.h>

#include <cstring>

#include "compiler/asm/stack_asm.h"
#include "compiler/compile.h"
#include "compiler/ir/register_ir.h"
#include "compiler/regalloc/memory_plan.h"
#include "format/writer.h"
#include "isa/decode.h"
#include "tests/common/vm_harness.h"

namespace aivm::compiler {
namespace {

std::string compile_error(const std::string& text) {
  try {
    compile_program(parse_stack_asm(text, "t.aivs"), CompileOptions{});
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

std::vector<isa::Opcode> opcodes(const format::BundleDesc& d) {
  std::vector<isa::Opcode> ops;
  for (uint64_t w : d.functions[0].code) ops.push_back(isa::decode(w).op);
  return ops;
}

// Runs |text| on one f32 input "x" and returns output |index| as floats ("" status on success).
struct RunResult {
  std::string status;
  std::vector<std::vector<float>> outputs;
};

RunResult run(const std::string& text, const std::vector<float>& x, int64_t max_loop_iterations = 0) {
  RunResult r;
  std::vector<uint8_t> bytes = format::serialize_bundle(compile_program(parse_stack_asm(text, "t.aivs"), CompileOptions{}));
  testing::LoadedModel m;
  aivm_status_t s = aivm_model_load_buffer(bytes.data(), bytes.size(), aivm_allocator_system(), &m.model);
  if (s) {
    r.status = testing::take_message(s);
    return r;
  }
  aivm_session_options_t opts{};
  opts.max_loop_iterations = max_loop_iterations;
  EXPECT_EQ(aivm_session_create(m.model, &opts, aivm_allocator_system(), &m.session), AIVM_OK);
  int64_t shape[1] = {int64_t(x.size())};
  EXPECT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, shape, 1, x.data(), x.size() * 4), AIVM_OK);
  s = aivm_session_run(m.session);
  if (s) {
    std::string code = std::to_string(int(aivm_status_code(s)));
    r.status = code + ": " + testing::take_message(s);
    return r;
  }
  for (size_t i = 0; i < aivm_model_output_count(m.model); ++i) r.outputs.push_back(testing::output_f32(m.session, i));
  return r;
}

// acc := 0; repeat n times: acc += x, collect acc.
const char* kSumRows = R"(
.input x f32 [3]
.output acc
.output rows
.local acc rows
.const n i64 [] 4
.const zero f32 [3] 0,0,0
const zero
local.set acc
const n
loop collect=1
  local.get acc
  local.get x
  Add
  local.set acc
  local.get acc
end
local.set rows
local.get acc
local.get rows
)";

TEST(Loop, LowersToOneBackwardLoopEdge) {
  Function f = lower_stack_program(parse_stack_asm(kSumRows, "t.aivs"));
  int back_edges = 0;
  for (size_t b = 0; b < f.blocks.size(); ++b)
    if (f.blocks[b].term.kind == Terminator::LoopBack) {
      ++back_edges;
      EXPECT_LE(f.blocks[b].term.target, int(b));  // the head, or the latch itself
    }
  EXPECT_EQ(back_edges, 1);
}

TEST(Loop, GoldenBytecode) {
  format::BundleDesc d = compile_program(parse_stack_asm(kSumRows, "t.aivs"), CompileOptions{});
  using isa::Opcode;
  // counter, acc and index set up (the trip count is a positive constant: no guard); body;
  // row store; carried copy; index + 1; loop.
  EXPECT_EQ(opcodes(d), (std::vector<Opcode>{Opcode::MOV, Opcode::MOV, Opcode::MOV, Opcode::BINARY, Opcode::STORE_AT,
                                             Opcode::MOV, Opcode::BINARY, Opcode::MOV, Opcode::LOOP, Opcode::HALT}));
  EXPECT_EQ(isa::decode(d.functions[0].code[8]).j, 3u);  // back to the body's first instruction
}

TEST(Loop, RunTimeTripCountIsGuarded) {
  std::string text = R"(
.input x f32 [1]
.input n i64 []
.output y
.local y
local.get x
local.set y
local.get n
loop
  local.get y
  local.get x
  Add
  local.set y
end
local.get y
)";
  format::BundleDesc d = compile_program(parse_stack_asm(text, "t.aivs"), CompileOptions{});
  using isa::Opcode;
  EXPECT_EQ(opcodes(d), (std::vector<Opcode>{Opcode::MOV, Opcode::COMPARE, Opcode::MOV, Opcode::JMPZ, Opcode::BINARY,
                                             Opcode::MOV, Opcode::LOOP, Opcode::HALT}));
  EXPECT_EQ(isa::decode(d.functions[0].code[3]).j, 7u);  // n <= 0 skips past the loop
  EXPECT_EQ(isa::decode(d.functions[0].code[6]).j, 4u);
  std::vector<uint8_t> bytes = format::serialize_bundle(d);
  for (int64_t n : {-2, 0, 1, 5}) {
    testing::LoadedModel m;
    ASSERT_EQ(testing::load(bytes, &m), "OK");
    float x = 2;
    int64_t one[1] = {1};
    ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, one, 1, &x, 4), AIVM_OK);
    ASSERT_EQ(aivm_session_set_input(m.session, "n", AIVM_DTYPE_I64, nullptr, 0, &n, 8), AIVM_OK);
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
    EXPECT_EQ(testing::output_f32(m.session, 0), (std::vector<float>{2.f * float(1 + std::max<int64_t>(n, 0))})) << n;
  }
}

TEST(Loop, CarriesLocalsAndCollectsRows) {
  RunResult r = run(kSumRows, {1, 2, 3});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{4, 8, 12}));
  EXPECT_EQ(r.outputs[1], (std::vector<float>{1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12}));
}

TEST(Loop, ZeroTripCountSkipsTheBody) {
  std::string text = R"(
.input x f32 [2]
.output y
.local y
.const n i64 [] -3
local.get x
local.set y
const n
loop
  local.get y
  local.get y
  Add
  local.set y
end
local.get y
)";
  RunResult r = run(text, {1.5f, -2});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{1.5f, -2}));
}

// A constant trip count of zero: the rows are [0, 3] and the body never runs.
TEST(Loop, ZeroConstantTripCountCollectsNoRows) {
  std::string text = kSumRows;
  text.replace(text.find(".const n i64 [] 4"), 17, ".const n i64 [] 0");
  format::BundleDesc d = compile_program(parse_stack_asm(text, "t.aivs"), CompileOptions{});
  EXPECT_EQ(d.outputs[1].shape, (std::vector<int64_t>{0, 3}));
  RunResult r = run(text, {1, 2, 3});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{0, 0, 0}));
  EXPECT_TRUE(r.outputs[1].empty());
}

// Carried values assigned from each other need a parallel copy: (a, b) := (b, a).
TEST(Loop, SwapsCarriedValuesInParallel) {
  std::string text = R"(
.input x f32 [1]
.output a
.output b
.local a b
.const n i64 [] 3
.const one f32 [1] 1
local.get x
local.set a
const one
local.set b
const n
loop
  local.get b
  local.get a
  local.set b
  local.set a
end
local.get a
local.get b
)";
  RunResult r = run(text, {7});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{1}));  // three swaps
  EXPECT_EQ(r.outputs[1], (std::vector<float>{7}));
}

TEST(Loop, NestedLoopsAndTheIterationNumber) {
  // y := x + sum over i < 3, j < 4 of (i + j), with the indices cast to f32.
  std::string text = R"(
.input x f32 [1]
.output y
.local y i
.const three i64 [] 3
.const four i64 [] 4
local.get x
local.set y
const three
loop
  loop.index
  local.set i
  const four
  loop
    local.get y
    local.get i
    loop.index
    Add
    Cast to=1
    Add
    local.set y
  end
end
local.get y
)";
  RunResult r = run(text, {0.5f});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{0.5f + 4 * (0 + 1 + 2) + 3 * (0 + 1 + 2 + 3)}));
}

// Structures inside each other: an if in a loop body that sets the carried local in one arm,
// and that loop inside the then-arm of an if. y := x; if x > 0 { loop 5 { if i is odd: y *= 2 } }.
TEST(Loop, IfInsideLoopInsideIf) {
  std::string text = R"(
.input x f32 [1]
.output y
.local y
.const five i64 [] 5
.const two i64 [] 2
.const twof f32 [1] 2
.const zero f32 [1] 0
local.get x
local.set y
local.get x
const zero
Greater
if
  const five
  loop
    loop.index
    const two
    Mod
    if
      local.get y
      const twof
      Mul
      local.set y
    end
  end
end
local.get y
)";
  RunResult r = run(text, {3});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{12}));  // i = 1 and 3
  r = run(text, {-3});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{-3}));
}

// A while loop: double y while y < 100 (the trip count is only a bound).
const char* kWhile = R"(
.input x f32 [1]
.output y
.local y go
.const big i64 [] 9223372036854775807
.const limit f32 [1] 100
.const two f32 [1] 2
local.get x
local.set y
local.get x
const limit
Less
local.set go
const big
loop
  local.get go
  break_unless
  local.get y
  const two
  Mul
  local.set y
  local.get y
  const limit
  Less
  local.set go
end
local.get y
)";

TEST(Loop, WhileLoopStopsAtItsCondition) {
  RunResult r = run(kWhile, {3});
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{192}));
  r = run(kWhile, {500});  // false at entry: no iteration
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{500}));
}

TEST(Loop, IterationBudgetEndsARunawayLoop) {
  RunResult r = run(kWhile, {0}, /*max_loop_iterations=*/1000);  // 0 * 2 never reaches 100
  EXPECT_EQ(r.status.rfind(std::to_string(int(AIVM_STATUS_RESOURCE_EXHAUSTED)) + ":", 0), 0u) << r.status;
  EXPECT_NE(r.status.find("max_loop_iterations"), std::string::npos) << r.status;
}

TEST(Loop, BreakWithCollectedRowsFailsTheRun) {
  std::string text = R"(
.input x f32 [1]
.output rows
.local go rows
.const n i64 [] 4
.const limit f32 [1] 2
.const one f32 [1] 1
local.get x
const limit
Less
local.set go
const n
loop collect=1
  local.get go
  break_unless
  local.get x
  local.get x
  const one
  Add
  const limit
  Less
  local.set go
end
local.set rows
local.get rows
)";
  RunResult r = run(text, {-10});  // the condition stays true: all four rows are written
  ASSERT_EQ(r.status, "");
  EXPECT_EQ(r.outputs[0], (std::vector<float>{-10, -10, -10, -10}));
  r = run(text, {1.5f});  // 2.5 < 2 is false after one row
  EXPECT_EQ(r.status.rfind(std::to_string(int(AIVM_STATUS_OUT_OF_RANGE)) + ":", 0), 0u) << r.status;
}

// y := x; loop 2 times { |body| }; return y.
std::string carried_loop(const std::string& body) {
  return ".input x f32 [1]\n.output y\n.local y\n.const n i64 [] 2\n"
         "local.get x\nlocal.set y\nconst n\nloop\n" + body + "end\nlocal.get y\n";
}

TEST(Loop, CompileErrorsNameTheRule) {
  EXPECT_NE(compile_error(carried_loop("local.get x\nlocal.set y\nlocal.get x\nbreak_unless\n"))
                .find("'break_unless' must come first"),
            std::string::npos);
  // The carried value grows: registers have static shapes.
  EXPECT_NE(compile_error(carried_loop("local.get y\nlocal.get x\nConcat axis=0 in=2\nlocal.set y\n"))
                .find("from one loop iteration to the next"),
            std::string::npos);
  EXPECT_NE(compile_error(R"(
.input x f32 [1]
.output y
.const n i64 [] 2
local.get x
const n
loop
  Relu
end
)").find("loop body must leave the stack as it found it"), std::string::npos);
  EXPECT_NE(compile_error(R"(
.input x f32 [1]
.input n i64 []
.output y
local.get n
loop collect=1
  local.get x
end
)").find("must be a constant"), std::string::npos);
  EXPECT_NE(compile_error(".input x f32 [1]\n.output y\nlocal.get x\nbreak_unless\n").find("outside a loop"),
            std::string::npos);
}

TEST(Loop, PrintsAndParsesBack) {
  StackProgram p = parse_stack_asm(kWhile, "t.aivs");
  std::string text = print_stack_asm(p);
  EXPECT_NE(text.find("break_unless"), std::string::npos) << text;
  EXPECT_EQ(print_stack_asm(parse_stack_asm(text, "t.aivs")), text);
  std::string rows = print_stack_asm(parse_stack_asm(kSumRows, "t.aivs"));
  EXPECT_NE(rows.find("loop collect=1"), std::string::npos) << rows;
}

//===----------------------------------------------------------------------===//
// Memory planning across loops
//===----------------------------------------------------------------------===//

TEST(LoopMemoryPlan, ValuesCrossingALoopLiveThroughIt) {
  // Loop body at positions 10..20.
  std::vector<Lifetime> t = {
      {64, 2, 12},   // defined before, read inside: live to the latch
      {64, 15, 30},  // written inside, read after: live from the head
      {64, 12, 14},  // wholly inside: unchanged
      {64, 1, 5},    // before the loop: unchanged
  };
  extend_across_loops(&t, {{10, 20}});
  EXPECT_EQ(t[0].first, 2);
  EXPECT_EQ(t[0].last, 20);
  EXPECT_EQ(t[1].first, 10);
  EXPECT_EQ(t[1].last, 30);
  EXPECT_EQ(t[2].first, 12);
  EXPECT_EQ(t[2].last, 14);
  EXPECT_EQ(t[3].last, 5);
  // So the value read inside never shares bytes with a body temporary.
  MemoryPlan p = plan_memory(t);
  EXPECT_NE(p.offsets[0], p.offsets[2]);
}

TEST(LoopMemoryPlan, NestedLoopsWidenInnerThenOuter) {
  std::vector<Lifetime> t = {{64, 12, 25}};  // inside the outer loop, crossing the inner one's end
  extend_across_loops(&t, {{5, 30}, {10, 20}});
  EXPECT_EQ(t[0].first, 10);
  EXPECT_EQ(t[0].last, 25);
  std::vector<Lifetime> u = {{64, 2, 15}};  // from before both into the inner loop
  extend_across_loops(&u, {{5, 30}, {10, 20}});
  EXPECT_EQ(u[0].last, 30);
}

TEST(LoopMemoryPlan, CompiledLoopKeepsInvariantsApartFromBodyTemporaries) {
  format::BundleDesc d = compile_program(parse_stack_asm(kSumRows, "t.aivs"), CompileOptions{});
  const format::FunctionDesc& f = d.functions[0];
  // The collected rows (f32 [4,3]) are written at every iteration: no other arena register
  // may overlap them.
  const format::RegisterDesc* rows = nullptr;
  for (const auto& r : f.registers)
    if (r.shape == std::vector<int64_t>{4, 3}) rows = &r;
  ASSERT_NE(rows, nullptr);
  for (const auto& r : f.registers) {
    if (&r == rows || r.storage != format::StorageKind::Arena) continue;
    uint64_t bytes = dtype_size(r.dtype);
    for (int64_t dim : r.shape) bytes *= uint64_t(dim);
    bool disjoint = r.offset + bytes <= rows->offset || rows->offset + 48 <= r.offset;
    EXPECT_TRUE(disjoint) << "register at " << r.offset << " overlaps the rows at " << rows->offset;
  }
}

}  // namespace
}  // namespace aivm::compiler
