// Softmax and linear algebra: Softmax, MatMul, Gemm.
#include "compiler/ops/op_util.h"
#include "kernels/gemm/gemm.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;

void infer_softmax(OpContext& ctx) {
  infer_unary(ctx);
  int64_t rank = int64_t(ctx.input(0).shape.size());
  int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", ctx.opset() >= 13 ? -1 : 1), rank);
  // Before opset 13 Softmax flattens to 2-D at |axis|; that equals the per-axis form only when
  // axis is the last one.
  if (ctx.opset() < 13 && axis != rank - 1) ctx.fail("opset < 13 Softmax over a non-last axis is not supported yet");
}

void select_softmax(OpContext& ctx, Selection* s) {
  int64_t rank = int64_t(ctx.input(0).shape.size());
  s->opcode = Opcode::SOFTMAX;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(normalize_axis(ctx, ctx.attr_int("axis", ctx.opset() >= 13 ? -1 : 1), rank));
}

void infer_matmul(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  ctx.require_dtype(0, DType::F32);
  ctx.require_dtype(1, DType::F32);
  std::vector<int64_t> out;
  if (!isa::matmul_shape(ctx.input(0).shape, ctx.input(1).shape, &out))
    ctx.fail("shapes " + dims_str(ctx.input(0).shape) + " and " + dims_str(ctx.input(1).shape) + " cannot be multiplied");
  ctx.set_output(0, DType::F32, out);
}

template <Opcode kOp>
void select_binary(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
}

void infer_gemm(OpContext& ctx) {
  ctx.require_inputs(2, 3);
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) ctx.require_dtype(i, DType::F32);
  const auto &a = ctx.input(0).shape, &b = ctx.input(1).shape;
  if (a.size() != 2 || b.size() != 2) ctx.fail("Gemm operands must be 2-D");
  bool ta = ctx.attr_int("transA", 0) != 0, tb = ctx.attr_int("transB", 0) != 0;
  int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (k != kb) ctx.fail("inner dimensions differ: " + dims_str(a) + " and " + dims_str(b));
  if (ctx.has_input(2)) {
    std::vector<int64_t> out;
    const auto& c = ctx.input(2).shape;
    if (c.size() > 2 || !isa::broadcast_shapes(c, {m, n}, &out) || out != std::vector<int64_t>{m, n})
      ctx.fail("C of shape " + dims_str(c) + " does not broadcast to [" + std::to_string(m) + "," + std::to_string(n) + "]");
  }
  ctx.set_output(0, DType::F32, {m, n});
}

// A new constant value holding op(B) packed for the function's target GEMM configuration.
// Selection runs once per instruction, so a weight shared by two GEMMs is packed twice; shared
// weights are rare in inference graphs.
int prepacked_b(OpContext& ctx, const Tensor& b, bool trans_b) {
  const kernels::GemmConfig& cfg = *ctx.function().pack_for;
  int64_t k = trans_b ? b.shape[1] : b.shape[0], n = trans_b ? b.shape[0] : b.shape[1];
  Tensor packed;
  packed.dtype = DType::F32;
  packed.data.resize(kernels::gemm_packed_b_bytes(cfg, n, k));
  packed.shape = {int64_t(packed.data.size() / 4)};
  kernels::gemm_pack_b(cfg, trans_b, n, k, b.f32(), b.shape[1], packed.data.data());
  Function& f = ctx.function();
  return add_constant_value(f, f.values[size_t(ctx.instr().inputs[1])].name + ".packed", std::move(packed));
}

void select_gemm(OpContext& ctx, Selection* s) {
  isa::GemmAttrs g{};
  g.bias = isa::kNoRegister;
  g.trans_a = int32_t(ctx.attr_int("transA", 0));
  g.trans_b = int32_t(ctx.attr_int("transB", 0));
  g.alpha_bits = isa::float_bits(ctx.attr_float("alpha", 1.f));
  g.beta_bits = isa::float_bits(ctx.attr_float("beta", 1.f));
  g.act = fused_activation(ctx);
  s->opcode = Opcode::GEMM;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  if (const Tensor* b = ctx.constant_input(1); b && ctx.function().pack_for) {
    s->values[2] = prepacked_b(ctx, *b, g.trans_b != 0);
    g.packed_b = 1;
    g.trans_b = 0;  // packing applied it
  }
  s->record = words_of(g);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

// A 2-D MatMul is a GEMM without bias: it then gets the GEMM superinstruction's pre-packed
// weights. Batched or 1-D operands keep numpy semantics in MATMUL.
void select_matmul(OpContext& ctx, Selection* s) {
  if (ctx.input(0).shape.size() == 2 && ctx.input(1).shape.size() == 2) return select_gemm(ctx, s);
  select_binary<Opcode::MATMUL>(ctx, s);
}

}  // namespace

std::span<const OpRule> linear_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Softmax", infer_softmax, select_softmax},
      {"MatMul", infer_matmul, select_matmul},
      {"Gemm", infer_gemm, select_gemm},
  };
  return kRules;
}
}  // namespace aivm::compiler
