// Compile options that change the program's signature: --shape and --bind.
#include <gtest/gtest.h>

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
  EXPECT_THROW(compile_program(p, o), CompileError);  // N is still symbolic
  o.input_shapes["x"] = {4, 6};
  EXPECT_EQ(compile_program(p, o).outputs[0].shape, (std::vector<int64_t>{24}));
  o.input_shapes["x"] = {4, 7};
  EXPECT_THROW(compile_program(p, o), CompileError);  // changes a static dim
  o.input_shapes["x"] = {4};
  EXPECT_THROW(compile_program(p, o), CompileError);  // wrong rank
}

}  // namespace
}  // namespace aivm::compiler
