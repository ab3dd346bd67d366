// Elementwise operators: unary activations and math, broadcasting binary arithmetic.
#include "compiler/ops/op_util.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;

template <Opcode kOp>
void select_unary(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

void infer_binary(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  std::vector<int64_t> out;
  if (!isa::broadcast_shapes(ctx.input(0).shape, ctx.input(1).shape, &out))
    ctx.fail("shapes " + dims_str(ctx.input(0).shape) + " and " + dims_str(ctx.input(1).shape) + " do not broadcast");
  ctx.set_output(0, DType::F32, out);
}

template <Opcode kOp>
void select_binary(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
}

}  // namespace

std::span<const OpRule> elementwise_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Relu", infer_unary, select_unary<Opcode::RELU>},
      {"Sigmoid", infer_unary, select_unary<Opcode::SIGMOID>},
      {"Tanh", infer_unary, select_unary<Opcode::TANH>},
      {"Exp", infer_unary, select_unary<Opcode::EXP>},
      {"Neg", infer_unary, select_unary<Opcode::NEG>},
      {"Add", infer_binary, select_binary<Opcode::ADD>},
      {"Sub", infer_binary, select_binary<Opcode::SUB>},
      {"Mul", infer_binary, select_binary<Opcode::MUL>},
      {"Div", infer_binary, select_binary<Opcode::DIV>},
  };
  return kRules;
}
}  // namespace aivm::compiler
