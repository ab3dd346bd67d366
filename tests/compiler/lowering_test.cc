// Stack -> register lowering: blocks, the abstract stack, joins, and golden bytecode.
#include <gtest/gtest.h>

#include "compiler/compile.h"
#include "compiler/ir/register_ir.h"
#include "format/writer.h"
#include "isa/decode.h"
#include "tests/common/vm_harness.h"

namespace aivm::compiler {
namespace {

StackOp op(StackOpKind kind, int64_t index = 0) {
  StackOp o;
  o.kind = kind;
  o.index = index;
  return o;
}

StackOp call(const std::string& name, int inputs, int line = 0) {
  StackOp o;
  o.kind = StackOpKind::Op;
  o.name = name;
  o.num_inputs = inputs;
  o.loc.line = line;
  o.loc.op_type = name;
  return o;
}

// if c: y = relu(x) else: y = -x
StackProgram branchy() {
  StackProgram p;
  p.source = "branchy.aivs";
  p.inputs = {{"x", DType::F32, {4}, {}}, {"c", DType::Bool, {}, {}}};
  p.local_names = {"x", "c"};
  p.outputs = {{"y", DType::F32, {}, {}}};
  p.code = {op(StackOpKind::LocalGet, 1), op(StackOpKind::If),       op(StackOpKind::LocalGet, 0), call("Relu", 1),
            op(StackOpKind::Else),        op(StackOpKind::LocalGet, 0), call("Neg", 1),            op(StackOpKind::End)};
  return p;
}

TEST(Lowering, StraightLineGivesOneBlock) {
  StackProgram p;
  p.inputs = {{"x", DType::F32, {3}, {}}};
  p.local_names = {"x"};
  p.outputs = {{"y", DType::F32, {}, {}}};
  p.code = {op(StackOpKind::LocalGet, 0), op(StackOpKind::LocalGet, 0), call("Add", 2), call("Relu", 1)};
  Function f = lower_stack_program(p);
  ASSERT_EQ(f.blocks.size(), 1u);
  ASSERT_EQ(f.blocks[0].instrs.size(), 2u);
  EXPECT_EQ(f.blocks[0].instrs[0].op, "Add");
  EXPECT_EQ(f.blocks[0].instrs[0].inputs, (std::vector<int>{f.inputs[0], f.inputs[0]}));
  EXPECT_EQ(f.blocks[0].instrs[1].inputs[0], f.blocks[0].instrs[0].outputs[0]);
  EXPECT_EQ(f.outputs[0], f.blocks[0].instrs[1].outputs[0]);
}

TEST(Lowering, IfElseJoinMergesWithCopies) {
  Function f = lower_stack_program(branchy());
  ASSERT_EQ(f.blocks.size(), 4u);  // condition, then, else, join
  EXPECT_EQ(f.blocks[0].term.kind, Terminator::Branch);
  EXPECT_EQ(f.blocks[0].term.fallthrough, 1);
  EXPECT_EQ(f.blocks[0].term.target, 2);
  ASSERT_EQ(f.blocks[1].instrs.size(), 2u);
  ASSERT_EQ(f.blocks[2].instrs.size(), 2u);
  EXPECT_EQ(f.blocks[1].instrs[1].op, kMovOp);
  EXPECT_EQ(f.blocks[2].instrs[1].op, kMovOp);
  // Both arms write the same join value, which is the output.
  EXPECT_EQ(f.blocks[1].instrs[1].outputs[0], f.blocks[2].instrs[1].outputs[0]);
  EXPECT_EQ(f.outputs[0], f.blocks[1].instrs[1].outputs[0]);
  EXPECT_EQ(f.blocks[1].term.kind, Terminator::Jump);
  EXPECT_EQ(f.blocks[1].term.target, 3);
}

TEST(Lowering, GoldenBytecodeOfIfElse) {
  format::BundleDesc d = compile_program(branchy(), CompileOptions{});
  std::vector<isa::Opcode> ops;
  for (uint64_t w : d.functions[0].code) ops.push_back(isa::decode(w).op);
  using isa::Opcode;
  EXPECT_EQ(ops, (std::vector<Opcode>{Opcode::JMPZ, Opcode::UNARY, Opcode::MOV, Opcode::JMP, Opcode::UNARY, Opcode::MOV,
                                      Opcode::HALT}));
  // jmpz goes to the else arm (neg), jmp to the join (halt).
  EXPECT_EQ(isa::decode(d.functions[0].code[0]).j, 4u);
  EXPECT_EQ(isa::decode(d.functions[0].code[3]).j, 6u);
}

TEST(Lowering, IfElseRunsTheRightArm) {
  std::vector<uint8_t> bytes = testing::compile_to_bytes(branchy());
  float x[4] = {-2.f, -0.5f, 0.f, 3.f};
  for (uint8_t c : {uint8_t(1), uint8_t(0)}) {
    testing::LoadedModel m;
    ASSERT_EQ(testing::load(bytes, &m), "OK");
    int64_t xs[1] = {4};
    ASSERT_EQ(aivm_session_set_input(m.session, "x", AIVM_DTYPE_F32, xs, 1, x, sizeof(x)), AIVM_OK);
    ASSERT_EQ(aivm_session_set_input(m.session, "c", AIVM_DTYPE_BOOL, nullptr, 0, &c, 1), AIVM_OK);
    ASSERT_EQ(aivm_session_run(m.session), AIVM_OK);
    std::vector<float> y = testing::output_f32(m.session, 0);
    std::vector<float> want = c ? std::vector<float>{0.f, 0.f, 0.f, 3.f} : std::vector<float>{2.f, 0.5f, -0.f, -3.f};
    EXPECT_EQ(y, want) << "condition " << int(c);
  }
}

TEST(Lowering, LocalSetInOneArmIsMerged) {
  // t = x; if c: t = relu(x) end; output t
  StackProgram p = branchy();
  p.local_names.push_back("t");
  p.code = {op(StackOpKind::LocalGet, 0), op(StackOpKind::LocalSet, 2), op(StackOpKind::LocalGet, 1),
            op(StackOpKind::If),          op(StackOpKind::LocalGet, 0), call("Relu", 1),
            op(StackOpKind::LocalSet, 2), op(StackOpKind::End),         op(StackOpKind::LocalGet, 2)};
  Function f = lower_stack_program(p);
  ASSERT_EQ(f.blocks.size(), 4u);
  EXPECT_EQ(f.blocks[2].instrs.size(), 1u);  // else arm: only the copy of the old t
  EXPECT_EQ(f.blocks[2].instrs[0].inputs[0], f.inputs[0]);
}

TEST(Lowering, ArmsWithDifferentDepthsAreAnError) {
  StackProgram p = branchy();
  p.code.insert(p.code.begin() + 4, op(StackOpKind::LocalGet, 0));  // then-arm pushes one more
  StackOp& end = p.code.back();
  end.loc.file = "branchy.aivs";
  end.loc.line = 9;
  try {
    lower_stack_program(p);
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("different stack depths"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("branchy.aivs:9"), std::string::npos) << e.what();
  }
}

TEST(Lowering, StackUnderflowNamesTheOp) {
  StackProgram p;
  p.code = {call("Relu", 1, 3)};
  p.code[0].loc.file = "u.aivs";
  try {
    lower_stack_program(p);
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("u.aivs:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("underflow"), std::string::npos) << e.what();
  }
}

TEST(Lowering, UnmatchedEndIsAnError) {
  StackProgram p;
  p.code = {op(StackOpKind::End)};
  EXPECT_THROW(lower_stack_program(p), CompileError);
  p.code = {op(StackOpKind::If)};
  EXPECT_THROW(lower_stack_program(p), CompileError);  // also underflows: no condition
}

}  // namespace
}  // namespace aivm::compiler
