// Index-driven operators: ScatterElements (and its deprecated alias Scatter), ScatterND,
// GatherND and OneHot (ONE_HOT), the SCATTER_ELEMENTS / SCATTER_ND / GATHER_ND instructions (opcodes.def notes
// *S1..*S3). Indices are data: the kernels check each one at run time.
#include "compiler/ops/op_util.h"
#include "kernels/transform/scatter.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using Dims = std::vector<int64_t>;

void require_indices(const OpContext& ctx, size_t i) {
  DType t = ctx.input(i).dtype;
  if (t != DType::I32 && t != DType::I64) ctx.fail(std::string("indices have dtype ") + dtype_name(t) + ", expected i32 or i64");
}

kernels::ScatterReduce reduction_of(const OpContext& ctx) {
  std::string r = ctx.attr_string("reduction", "none");
  const char* names[] = {"none", "add", "mul", "max", "min"};
  for (int i = 0; i < int(kernels::ScatterReduce::kCount); ++i)
    if (r == names[i]) {
      auto red = kernels::ScatterReduce(i);
      if (!kernels::scatter_supports(red, ctx.input(0).dtype))
        ctx.fail("reduction '" + r + "' does not take dtype " + dtype_name(ctx.input(0).dtype));
      return red;
    }
  ctx.fail("reduction '" + r + "' is not defined");
}

// Shared checks of both scatters: data, indices, updates; the result has the data's shape.
void infer_scatter_common(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  require_single_output(ctx);
  require_indices(ctx, 1);
  if (ctx.input(2).dtype != ctx.input(0).dtype) ctx.fail("updates must have the data's dtype");
  reduction_of(ctx);
  kshape(ctx, ctx.input(0).shape);
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
}

int64_t scatter_axis(const OpContext& ctx) {
  return normalize_axis(ctx, ctx.attr_int("axis", 0), int64_t(ctx.input(0).shape.size()));
}

void infer_scatter_elements(OpContext& ctx) {
  infer_scatter_common(ctx);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  int64_t axis = scatter_axis(ctx);
  if (idx.size() != x.size() || ctx.input(2).shape != idx) ctx.fail("indices and updates must share a shape of the data's rank");
  for (size_t k = 0; k < x.size(); ++k)
    if (int64_t(k) != axis && idx[k] > x[k]) ctx.fail("indices " + dims_str(idx) + " exceed the data " + dims_str(x));
}

void infer_scatter_nd(OpContext& ctx) {
  infer_scatter_common(ctx);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  if (idx.empty() || idx.back() < 1 || idx.back() > int64_t(x.size()))
    ctx.fail("indices " + dims_str(idx) + " must end in a tuple length 1.." + std::to_string(x.size()));
  Dims want(idx.begin(), idx.end() - 1);
  want.insert(want.end(), x.begin() + idx.back(), x.end());
  if (ctx.input(2).shape != want) ctx.fail("updates must have shape " + dims_str(want));
}

template <Opcode kOp>
void select_scatter(OpContext& ctx, Selection* s) {
  isa::ScatterAttrs rec{isa::kNoRegister, int32_t(reduction_of(ctx)), kOp == Opcode::SCATTER_ELEMENTS ? int32_t(scatter_axis(ctx)) : 0};
  s->opcode = kOp;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->record = words_of(rec);
  s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

int64_t gather_nd_batch_dims(const OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_indices(ctx, 1);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  int64_t bd = ctx.attr_int("batch_dims", 0);
  if (bd < 0 || idx.empty() || bd >= int64_t(idx.size()) || bd >= int64_t(x.size())) ctx.fail("batch_dims out of range");
  for (int64_t k = 0; k < bd; ++k)
    if (idx[size_t(k)] != x[size_t(k)]) ctx.fail("indices and data disagree on batch axis " + std::to_string(k));
  if (idx.back() < 1 || bd + idx.back() > int64_t(x.size()))
    ctx.fail("index tuples of length " + std::to_string(idx.back()) + " do not fit the data " + dims_str(x));
  return bd;
}

void infer_gather_nd(OpContext& ctx) {
  require_single_output(ctx);
  int64_t bd = gather_nd_batch_dims(ctx);
  const Dims &x = ctx.input(0).shape, &idx = ctx.input(1).shape;
  Dims out(idx.begin(), idx.end() - 1);
  out.insert(out.end(), x.begin() + bd + idx.back(), x.end());
  kshape(ctx, out);
  ctx.set_output(0, ctx.input(0).dtype, out);
}

void select_gather_nd(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::GATHER_ND;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[1]};
  s->immediate = int32_t(gather_nd_batch_dims(ctx));
}

// OneHot: the depth sets the output shape, so it must be a constant; values are read at run time.
int64_t one_hot_axis(const OpContext& ctx, int64_t* depth) {
  ctx.require_inputs(3, 3);
  if (!kernels::one_hot_index_supported(ctx.input(0).dtype)) ctx.fail("indices must be i32, i64 or f32");
  const Tensor* d = ctx.constant_input(1);
  if (!d) ctx.fail("depth must be a constant (the output shape depends on it)");
  if (d->num_elements() != 1) ctx.fail("depth must hold one value");
  *depth = int64_t(d->float_at(0));
  if (*depth < 1) ctx.fail("depth must be >= 1");
  const Value& v = ctx.input(2);
  int64_t n = 1;
  for (int64_t e : v.shape) n *= e;
  if (n != 2) ctx.fail("values must hold [off, on]");
  return normalize_axis(ctx, ctx.attr_int("axis", -1), int64_t(ctx.input(0).shape.size()) + 1);
}

void infer_one_hot(OpContext& ctx) {
  require_single_output(ctx);
  int64_t depth;
  int64_t axis = one_hot_axis(ctx, &depth);
  Dims out = ctx.input(0).shape;
  out.insert(out.begin() + axis, depth);
  kshape(ctx, out);
  ctx.set_output(0, ctx.input(2).dtype, out);
}

void select_one_hot(OpContext& ctx, Selection* s) {
  int64_t depth;
  s->opcode = Opcode::ONE_HOT;
  s->immediate = int32_t(one_hot_axis(ctx, &depth));
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0], ctx.instr().inputs[2]};
}

}  // namespace

std::span<const OpRule> scatter_op_rules() {
  static constexpr OpRule kRules[] = {
      {"ScatterElements", infer_scatter_elements, select_scatter<Opcode::SCATTER_ELEMENTS>},
      {"Scatter", infer_scatter_elements, select_scatter<Opcode::SCATTER_ELEMENTS>},
      {"ScatterND", infer_scatter_nd, select_scatter<Opcode::SCATTER_ND>},
      {"GatherND", infer_gather_nd, select_gather_nd},
      {"OneHot", infer_one_hot, select_one_hot},
  };
  return kRules;
}

}  // namespace aivm::compiler
