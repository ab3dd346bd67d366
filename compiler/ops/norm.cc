// Normalisation: the fused aivm.LayerNormalization (one LAYERNORM instruction), which the
// LayerNormalization expansion (compiler/onnx/decompose.cc) uses when only Y is wanted. Its
// scale and bias come already expanded to the normalised trailing shape.
#include "compiler/ops/op_util.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;

int64_t layernorm_axis(OpContext& ctx) {
  return normalize_axis(ctx, ctx.attr_int("axis", -1), int64_t(ctx.input(0).shape.size()));
}

void infer_layernorm(OpContext& ctx) {
  ctx.require_inputs(2, 3);
  require_single_output(ctx);
  const Value& x = ctx.input(0);
  ctx.require_dtype(0, DType::F32);
  const int64_t axis = layernorm_axis(ctx);
  const std::vector<int64_t> trailing(x.shape.begin() + axis, x.shape.end());
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    ctx.require_dtype(i, DType::F32);
    if (ctx.input(i).shape != trailing)
      ctx.fail(std::string(i == 1 ? "scale" : "bias") + " has shape " + dims_str(ctx.input(i).shape) +
               "; the fused LayerNormalization needs the normalised shape " + dims_str(trailing));
  }
  ctx.set_output(0, DType::F32, x.shape);
}

void select_layernorm(OpContext& ctx, Selection* s) {
  isa::LayerNormAttrs l{int32_t(layernorm_axis(ctx)), isa::kNoRegister, isa::float_bits(ctx.attr_float("epsilon", 1e-5f))};
  s->opcode = Opcode::LAYERNORM;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(l);
  if (ctx.has_input(2)) s->record_regs.push_back({1, ctx.instr().inputs[2]});
}

}  // namespace

std::span<const OpRule> norm_op_rules() {
  static constexpr OpRule kRules[] = {
      {"aivm.LayerNormalization", infer_layernorm, select_layernorm},
  };
  return kRules;
}

}  // namespace aivm::compiler
