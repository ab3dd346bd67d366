// Compile options that change the program's signature: --shape and --bind.
#include <gtest/gtest.h>

#include "compiler/asm/stack_asm.h"
#include "compiler/compile.h"

namespace aivm::compiler {
namespace {

// y = Reshape(x, shape) with both as inputs, shape an i64 [2].
StackProgram reshape_program() {
  StackProgram p;
  p.source = "reshape.aivs";
  p.inputs = {{"x", DType::F32, {2, 6}, {}}, {"shape", DType::I64, {2}, {}}};
  p.local_names = {"x", "shape"};
  p.outputs = {{"y", DType::F32, {}, {}}};
  StackOp gx, gs, op;
  gx.kind = StackOpKind::LocalGet;
  gs.kind = StackOpKind::LocalGet;
  gs.index = 1;
  op.name = "Reshape";
  op.num_inputs = 2;
  p.code = {gx, gs, op};
  return p;
}

Tensor i64_tensor(std::vector<int64_t> v) {
  Tensor t;
  t.dtype = DType::I64;
  t.shape = {int64_t(v.size())};
  t.data.assign(reinterpret_cast<uint8_t*>(v.data()), reinterpret_cast<uint8_t*>(v.data() + v.size()));
  return t;
}

TEST(CompileOptions, ShapeInputMustBeKnownWithoutBind) {
  EXPECT_THROW(compile_program(reshape_program(), {}), CompileError);
}

TEST(CompileOptions, BindFreezesAnInputAndDropsItFromTheSignature) {
  CompileOptions o;
  o.bound_inputs["shape"] = i64_tensor({3, -1});
  format::BundleDesc d = compile_program(reshape_program(), o);
  ASSERT_EQ(d.inputs.size(), 1u);
  EXPECT_EQ(d.inputs[0].name, "x");
  EXPECT_EQ(d.outputs[0].shape, (std::vector<int64_t>{3, 4}));
}

TEST(CompileOptions, BindErrorsNameTheProblem) {
  CompileOptions o;
  o.bound_inputs["nope"] = i64_tensor({3, -1});
  try {
    compile_program(reshape_program(), o);
    FAIL();
  } catch (const CompileError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope', which is not an input"), std::string::npos) << e.what();
  }
  CompileOptions wrong;
  wrong.bound_inputs["shape"] = Tensor{DType::F32, {2}, std::vector<uint8_t>(8)};
  EXPECT_THROW(compile_program(reshape_program(), wrong), CompileError);
}

TEST(CompileOptions, ShapeOverrideChecksRankAndStaticDims) {
  StackProgram p = reshape_program();
  p.inputs[0].shape = {-1, 6};
  p.inputs[0].dim_names = {"N", ""};
  CompileOptions o;
  o.bound_inputs["shape"] = i64_tensor({-1});
  format::BundleDesc dynamic = compile_program(p, o);  // N stays symbolic: planned at run time
  EXPECT_EQ(dynamic.functions[0].symbols, std::vector<std::string>{"N"});
  EXPECT_EQ(dynamic.outputs[0].shape, (std::vector<int64_t>{-1}));
  o.input_shapes["x"] = {4, 6};
  EXPECT_EQ(compile_program(p, o).outputs[0].shape, (std::vector<int64_t>{24}));
  o.input_shapes["x"] = {4, 7};
  EXPECT_THROW(compile_program(p, o), CompileError);  // changes a static dim
  o.input_shapes["x"] = {4};
  EXPECT_THROW(compile_program(p, o), CompileError);  // wrong rank
}

// A program whose code needs the symbol's value (shape arithmetic folded into a constant)
// cannot be compiled with the symbol open: the error names the node and suggests --shape.
TEST(CompileOptions, CodeThatDependsOnASymbolicDimIsAClearError) {
  StackProgram p = parse_stack_asm(R"(
.input x f32 [N,4]
.output y f32 [N,4]
local.get x
local.get x
Shape @shape_of_x
Cast to=1 @as_float
ReduceSum in=1 keepdims=0 @total
Add @add
)", "dep.aivs");
  try {
    compile_program(p, {});
    FAIL() << "compiled";
  } catch (const CompileError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("symbolic dim"), std::string::npos) << msg;
    EXPECT_NE(msg.find("node 'add'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--shape x="), std::string::npos) << msg;
  }
  CompileOptions pinned;
  pinned.input_shapes["x"] = {3, 4};
  EXPECT_TRUE(compile_program(p, pinned).functions[0].symbols.empty());
}

}  // namespace
}  // namespace aivm::compiler
