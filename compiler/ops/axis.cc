// Along one axis: TopK (TOPK), CumSum (CUMSUM), CumProd (CUMPROD) and DFT (DFT) (opcodes.def
// notes *A1..*A4).
//
// K (TopK from opset 10), the axis (CumSum, CumProd, DFT from opset 20) and DFT's length are
// inputs in ONNX; shapes are static
// here, so both must be compile-time constants (a data-dependent K would give a
// data-dependent shape). A constant data input is folded by the kernel the VM would run.
// TopK's rows are always sorted: that also satisfies sorted=0, whose order ONNX leaves open.
#include "compiler/ops/op_util.h"
#include "kernels/cumulative/cumulative.h"
#include "kernels/spectral/dft.h"
#include "kernels/topk/topk.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using Dims = std::vector<int64_t>;

void require_axis_dtype(OpContext& ctx) {
  DType t = ctx.input(0).dtype;
  if (!kernels::topk_supports(t))
    ctx.fail(ctx.instr().op + " on dtype " + dtype_name(t) + " is not supported (floats and integers are)");
}

// A one-element constant input as an integer; |what| names it and |why| says why in the error.
int64_t const_scalar(const OpContext& ctx, size_t i, const char* what, const char* why) {
  const Tensor* t = ctx.constant_input(i);
  if (!t) ctx.fail(std::string(what) + " must be a constant (" + why + ")");
  if (t->num_elements() != 1) ctx.fail(std::string(what) + " must hold one element");
  return t->int_at(0);
}

// x viewed as [outer, x[axis], inner].
void split_at(const Dims& x, int64_t axis, int64_t* outer, int64_t* inner) {
  *outer = *inner = 1;
  for (int64_t k = 0; k < axis; ++k) *outer *= x[size_t(k)];
  for (size_t k = size_t(axis) + 1; k < x.size(); ++k) *inner *= x[k];
}

Tensor empty_like(DType t, const Dims& shape) {
  Tensor y;
  y.dtype = t;
  y.shape = shape;
  y.data.resize(size_t(y.num_elements()) * dtype_size(t));
  return y;
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

isa::TopKAttrs plan_topk(OpContext& ctx, Dims* out) {
  ctx.require_inputs(ctx.opset() >= 10 ? 2 : 1, ctx.opset() >= 10 ? 2 : 1);
  require_axis_dtype(ctx);
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  if (x.empty()) ctx.fail("TopK needs an input of rank >= 1");
  int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", -1), int64_t(x.size()));
  int64_t k = ctx.opset() >= 10 ? const_scalar(ctx, 1, "K", "the output shape depends on it") : ctx.attr_int("k", -1);
  if (k < 0 || k > x[size_t(axis)])
    ctx.fail("K = " + std::to_string(k) + " outside [0, " + std::to_string(x[size_t(axis)]) + "] (axis " +
             std::to_string(axis) + " of " + dims_str(x) + ")");
  if (k > INT32_MAX) ctx.fail("K = " + std::to_string(k) + " does not fit a record word");
  *out = x;
  (*out)[size_t(axis)] = k;
  isa::TopKAttrs t{};
  t.axis = int32_t(axis);
  t.k = int32_t(k);
  t.largest = ctx.attr_int("largest", 1) != 0 ? 1 : 0;
  return t;
}

void infer_topk(OpContext& ctx) {
  Dims out;
  isa::TopKAttrs t = plan_topk(ctx, &out);
  DType dt = ctx.input(0).dtype;
  const Tensor* c = ctx.constant_input(0);
  if (!c) {
    ctx.set_output(0, dt, out);
    ctx.set_output(1, DType::I64, out);
    return;
  }
  Tensor values = empty_like(dt, out), indices = empty_like(DType::I64, out);
  int64_t outer, inner;
  split_at(c->shape, t.axis, &outer, &inner);
  kernels::topk(t.largest != 0, dt, outer, c->shape[size_t(t.axis)], inner, t.k, c->data.data(), values.data.data(),
                reinterpret_cast<int64_t*>(indices.data.data()), nullptr);
  ctx.set_constant_output(0, std::move(values));
  ctx.set_constant_output(1, std::move(indices));
}

// TOPK always writes both: an unnamed indices output gets a scratch value.
void select_topk(OpContext& ctx, Selection* s) {
  Dims out;
  isa::TopKAttrs t = plan_topk(ctx, &out);
  const Instr& in = ctx.instr();
  int indices = in.outputs.size() > 1 ? in.outputs[1] : kNoValue;
  if (indices == kNoValue) {
    Function& f = ctx.function();
    indices = f.new_value(f.values[size_t(in.outputs[0])].name + ".indices");
    f.values[size_t(indices)].dtype = DType::I64;
    f.values[size_t(indices)].shape = out;
    f.values[size_t(indices)].shape_known = true;
  }
  s->opcode = Opcode::TOPK;
  s->values = {in.outputs[0], in.inputs[0], indices};
  s->record = words_of(t);
}

//===----------------------------------------------------------------------===//
// CumSum, CumProd
//===----------------------------------------------------------------------===//

// The immediate: axis | exclusive << 3 | reverse << 4 (opcodes.def note *A3).
uint32_t cumulative_immediate(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_axis_dtype(ctx);
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  if (x.empty()) ctx.fail(ctx.instr().op + " needs an input of rank >= 1");
  int64_t axis = normalize_axis(ctx, const_scalar(ctx, 1, "the axis input", "the instruction names its axis"), int64_t(x.size()));
  return uint32_t(axis) | (ctx.attr_int("exclusive", 0) != 0 ? 8u : 0u) | (ctx.attr_int("reverse", 0) != 0 ? 16u : 0u);
}

template <kernels::CumulativeOp kOp>
void infer_cumulative(OpContext& ctx) {
  require_single_output(ctx);
  uint32_t imm = cumulative_immediate(ctx);
  DType dt = ctx.input(0).dtype;
  const Tensor* c = ctx.constant_input(0);
  if (!c) {
    ctx.set_output(0, dt, ctx.input(0).shape);
    return;
  }
  Tensor y = empty_like(dt, c->shape);
  kernels::CumulativeParams p;
  p.op = kOp;
  p.exclusive = (imm & 8) != 0;
  p.reverse = (imm & 16) != 0;
  p.n = c->shape[imm & 7];
  split_at(c->shape, imm & 7, &p.outer, &p.inner);
  kernels::cumulative(p, dt, c->data.data(), y.data.data(), nullptr);
  ctx.set_constant_output(0, std::move(y));
}

template <Opcode kOpcode>
void select_cumulative(OpContext& ctx, Selection* s) {
  s->opcode = kOpcode;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
  s->immediate = int32_t(cumulative_immediate(ctx));
}

//===----------------------------------------------------------------------===//
// DFT
//===----------------------------------------------------------------------===//

isa::DftAttrs plan_dft(OpContext& ctx, kernels::DftParams* p, Dims* out) {
  ctx.require_inputs(1, 3);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  const Dims& x = ctx.input(0).shape;
  kshape(ctx, x);
  const int64_t rank = int64_t(x.size());
  if (rank < 2 || (x.back() != 1 && x.back() != 2))
    ctx.fail("the signal must be [.., 1] (real) or [.., 2] (complex), not " + dims_str(x));
  for (int64_t e : x)
    if (e == 0) ctx.fail("the signal " + dims_str(x) + " is empty");
  int64_t axis = ctx.opset() >= 20 ? (ctx.has_input(2) ? const_scalar(ctx, 2, "the axis input", "the instruction names its axis") : -2)
                                   : ctx.attr_int("axis", 1);
  axis = normalize_axis(ctx, axis, rank);
  if (axis == rank - 1) ctx.fail("the axis cannot be the last one, which holds the real and imaginary parts");
  isa::DftAttrs d{};
  d.axis = int32_t(axis);
  d.inverse = ctx.attr_int("inverse", 0) != 0;
  d.onesided = ctx.attr_int("onesided", 0) != 0;
  // Without dft_length: the signal's extent, or for an inverse onesided (irfft) input of m bins
  // the even length 2 (m - 1) it came from, as ONNX says.
  int64_t length = ctx.has_input(1) ? const_scalar(ctx, 1, "dft_length", "the output shape depends on it")
                   : d.inverse && d.onesided ? 2 * (x[size_t(axis)] - 1)
                                             : x[size_t(axis)];
  if (length < 1 || length > INT32_MAX) ctx.fail("dft_length " + std::to_string(length) + " is out of range");
  d.length = int32_t(length);
  *p = kernels::dft_view(kshape(ctx, x), int(axis), length, d.inverse != 0, d.onesided != 0);
  *out = x;
  (*out)[size_t(axis)] = p->n_out();
  out->back() = p->c_out();
  return d;
}

void infer_dft(OpContext& ctx) {
  kernels::DftParams p;
  Dims out;
  plan_dft(ctx, &p, &out);
  const Tensor* c = ctx.constant_input(0);
  if (!c) {
    ctx.set_output(0, DType::F32, out);
    return;
  }
  Tensor y = empty_like(DType::F32, out);
  kernels::dft_f32(p, c->f32(), reinterpret_cast<float*>(y.data.data()), nullptr);
  ctx.set_constant_output(0, std::move(y));
}

void select_dft(OpContext& ctx, Selection* s) {
  kernels::DftParams p;
  Dims out;
  s->opcode = Opcode::DFT;
  s->record = words_of(plan_dft(ctx, &p, &out));
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

}  // namespace

std::span<const OpRule> axis_op_rules() {
  static constexpr OpRule kRules[] = {
      {"TopK", infer_topk, select_topk},
      {"CumSum", infer_cumulative<kernels::CumulativeOp::Sum>, select_cumulative<Opcode::CUMSUM>},
      {"CumProd", infer_cumulative<kernels::CumulativeOp::Prod>, select_cumulative<Opcode::CUMPROD>},
      {"DFT", infer_dft, select_dft},
  };
  return kRules;
}

}  // namespace aivm::compiler
