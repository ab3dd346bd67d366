// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare (one REDUCE_* over an axis mask), ArgMax and
// ArgMin, and GlobalAveragePool / GlobalMaxPool as REDUCE_MEAN / REDUCE_MAX over the spatial
// axes.
//
// Axes come from the 'axes' attribute up to an op's opset 13 (ReduceSum) or 18 (the others)
// and from the constant input 1 after. No axes means every axis, or with noop_with_empty_axes
// a plain copy. Dtypes as kernels/reduce/reduce.h reduce_supports says. With a constant input
// the reduction is folded by the kernel the VM would run.
#include "compiler/ops/op_util.h"
#include "kernels/reduce/reduce.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using kernels::ReduceOp;
using Dims = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Reduce*
//===----------------------------------------------------------------------===//

struct ReducePlan {
  bool noop = false;  // noop_with_empty_axes and no axes: a copy
  uint32_t mask = 0;
  Dims out;
};

// The opset from which an op takes its axes as input 1.
int axes_input_since(OpContext& ctx) { return ctx.instr().op == "ReduceSum" ? 13 : 18; }

ReducePlan plan_reduce(OpContext& ctx, ReduceOp op) {
  ctx.require_inputs(1, 2);
  DType t = ctx.input(0).dtype;
  if (!kernels::reduce_supports(op, t)) ctx.fail(ctx.instr().op + " on dtype " + dtype_name(t) + " is not supported");
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  std::vector<int64_t> axes;
  if (ctx.opset() >= axes_input_since(ctx)) {
    if (ctx.has_input(1)) {
      const Tensor* a = ctx.constant_input(1);
      if (!a) ctx.fail("the axes input must be a constant");
      for (int64_t i = 0; i < a->num_elements(); ++i) axes.push_back(a->int_at(i));
    }
  } else {
    if (ctx.num_inputs() > 1) ctx.fail("axes are an attribute before opset " + std::to_string(axes_input_since(ctx)));
    axes = ctx.attr_ints("axes", {});
  }
  ReducePlan p;
  if (axes.empty()) {
    if (ctx.attr_int("noop_with_empty_axes", 0) != 0) {
      p.noop = true;
      p.out = x;
      return p;
    }
    for (size_t k = 0; k < x.size(); ++k) p.mask |= 1u << k;
  }
  for (int64_t a : axes) p.mask |= 1u << normalize_axis(ctx, a, int64_t(x.size()));
  p.out = isa::reduced_dims(x, p.mask, ctx.attr_int("keepdims", 1) != 0);
  return p;
}

template <ReduceOp kOp>
void infer_reduce(OpContext& ctx) {
  require_single_output(ctx);
  ReducePlan p = plan_reduce(ctx, kOp);
  DType t = ctx.input(0).dtype;
  const Tensor* c = ctx.constant_input(0);
  if (!c) {
    ctx.set_output(0, t, p.out);
    return;
  }
  Tensor y;
  y.dtype = t;
  y.shape = p.out;
  if (p.noop) {
    y.data = c->data;
  } else {
    y.data.resize(size_t(y.num_elements()) * dtype_size(t));
    kernels::Shape xs = kshape(ctx, c->shape);
    kernels::reduce(kOp, t, xs, p.mask, c->data.data(), y.data.data(), nullptr);
  }
  ctx.set_constant_output(0, std::move(y));
}

template <Opcode kOpcode, ReduceOp kOp>
void select_reduce(OpContext& ctx, Selection* s) {
  ReducePlan p = plan_reduce(ctx, kOp);
  s->opcode = p.noop ? Opcode::MOV : kOpcode;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(p.mask);
}

//===----------------------------------------------------------------------===//
// GlobalAveragePool, GlobalMaxPool: keepdims reductions over axes 2..rank-1
//===----------------------------------------------------------------------===//

uint32_t spatial_mask(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, DType::F32);
  const Dims& x = ctx.input(0).shape;
  if (x.size() < 3) ctx.fail("input must be [N, C, spatial...]");
  kshape(ctx, x);
  uint32_t mask = 0;
  for (size_t k = 2; k < x.size(); ++k) mask |= 1u << k;
  return mask;
}

void infer_global_pool(OpContext& ctx) {
  require_single_output(ctx);
  ctx.set_output(0, DType::F32, isa::reduced_dims(ctx.input(0).shape, spatial_mask(ctx), true));
}

template <Opcode kOp>
void select_global_pool(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(spatial_mask(ctx));
}

//===----------------------------------------------------------------------===//
// ArgMax, ArgMin
//===----------------------------------------------------------------------===//

// The immediate: axis | select_last_index << 3 (opcodes.def note *16).
uint32_t arg_immediate(const OpContext& ctx) {
  ctx.require_inputs(1, 1);
  if (!kernels::arg_reduce_supports(ctx.input(0).dtype))
    ctx.fail(std::string("input has dtype ") + dtype_name(ctx.input(0).dtype) + "; floats and integers are supported");
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(x.size()));
  if (x[size_t(axis)] == 0) ctx.fail("cannot take the arg-extreme of an empty axis");
  return uint32_t(axis) | (ctx.attr_int("select_last_index", 0) != 0 ? 8u : 0u);
}

void infer_arg(OpContext& ctx) {
  require_single_output(ctx);
  uint32_t imm = arg_immediate(ctx);
  ctx.set_output(0, DType::I64, isa::reduced_dims(ctx.input(0).shape, 1u << (imm & 7), ctx.attr_int("keepdims", 1) != 0));
}

template <Opcode kOp>
void select_arg(OpContext& ctx, Selection* s) {
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(arg_immediate(ctx));
}

}  // namespace

std::span<const OpRule> reduce_op_rules() {
  static constexpr OpRule kRules[] = {
      {"ReduceSum", infer_reduce<ReduceOp::Sum>, select_reduce<Opcode::REDUCE_SUM, ReduceOp::Sum>},
      {"ReduceMean", infer_reduce<ReduceOp::Mean>, select_reduce<Opcode::REDUCE_MEAN, ReduceOp::Mean>},
      {"ReduceMax", infer_reduce<ReduceOp::Max>, select_reduce<Opcode::REDUCE_MAX, ReduceOp::Max>},
      {"ReduceMin", infer_reduce<ReduceOp::Min>, select_reduce<Opcode::REDUCE_MIN, ReduceOp::Min>},
      {"ReduceProd", infer_reduce<ReduceOp::Prod>, select_reduce<Opcode::REDUCE_PROD, ReduceOp::Prod>},
      {"ReduceL1", infer_reduce<ReduceOp::L1>, select_reduce<Opcode::REDUCE_L1, ReduceOp::L1>},
      {"ReduceL2", infer_reduce<ReduceOp::L2>, select_reduce<Opcode::REDUCE_L2, ReduceOp::L2>},
      {"ReduceLogSum", infer_reduce<ReduceOp::LogSum>, select_reduce<Opcode::REDUCE_LOGSUM, ReduceOp::LogSum>},
      {"ReduceLogSumExp", infer_reduce<ReduceOp::LogSumExp>, select_reduce<Opcode::REDUCE_LOGSUMEXP, ReduceOp::LogSumExp>},
      {"ReduceSumSquare", infer_reduce<ReduceOp::SumSquare>, select_reduce<Opcode::REDUCE_SUMSQ, ReduceOp::SumSquare>},
      {"ArgMax", infer_arg, select_arg<Opcode::ARGMAX>},
      {"ArgMin", infer_arg, select_arg<Opcode::ARGMIN>},
      {"GlobalAveragePool", infer_global_pool, select_global_pool<Opcode::REDUCE_MEAN>},
      {"GlobalMaxPool", infer_global_pool, select_global_pool<Opcode::REDUCE_MAX>},
  };
  return kRules;
}

}  // namespace aivm::compiler
