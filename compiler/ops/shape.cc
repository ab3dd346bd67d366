// Operators that only reshape or copy: Identity, Dropout (inference), Flatten, Reshape, and the lowering's join copies.
#include "compiler/ops/op_util.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;

void select_mov(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::MOV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

void infer_identity(OpContext& ctx) {
  ctx.require_inputs(1, 3);  // Dropout's ratio and training_mode inputs are ignored at inference
  if (ctx.instr().outputs.size() > 1) ctx.fail("Dropout's mask output is not supported");
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
}

void infer_flatten(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const auto& shape = ctx.input(0).shape;
  int64_t rank = int64_t(shape.size());
  int64_t axis = ctx.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) ctx.fail("axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= shape[size_t(i)];
  ctx.set_output(0, ctx.input(0).dtype, {outer, inner});
}

void infer_reshape(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  const Tensor* spec = ctx.constant_input(1);
  if (!spec) ctx.fail("the target shape must be a constant");
  const auto& in = ctx.input(0).shape;
  bool allow_zero = ctx.attr_int("allowzero", 0) != 0;
  std::vector<int64_t> out;
  int64_t known = 1, infer_at = -1, total = 1;
  for (int64_t d : in) total *= d;
  for (int64_t i = 0; i < spec->num_elements(); ++i) {
    int64_t d = spec->int_at(i);
    if (d == 0 && !allow_zero) {
      if (size_t(i) >= in.size()) ctx.fail("shape entry 0 copies a dimension the input does not have");
      d = in[size_t(i)];
    }
    if (d == -1) {
      if (infer_at >= 0) ctx.fail("more than one -1 in the target shape");
      infer_at = i;
      out.push_back(1);
      continue;
    }
    if (d < 0) ctx.fail("negative dimension " + std::to_string(d) + " in the target shape");
    known *= d;
    out.push_back(d);
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) ctx.fail("cannot infer the -1 dimension of the target shape");
    out[size_t(infer_at)] = total / known;
  } else if (known != total) {
    ctx.fail("reshape from " + dims_str(in) + " to " + dims_str(out) + " changes the element count");
  }
  ctx.set_output(0, ctx.input(0).dtype, out);
}

}  // namespace

std::span<const OpRule> shape_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Identity", infer_identity, select_mov},
      {"Dropout", infer_identity, select_mov},
      {kMovOp, infer_identity, select_mov},
      {"Flatten", infer_flatten, select_mov},
      {"Reshape", infer_reshape, select_mov},
  };
  return kRules;
}
}  // namespace aivm::compiler
