// Operators that only reshape, copy or compute shapes.
//
//   moves (one MOV, any dtype; folded when the input is a constant):
//     Identity, Dropout (inference), Flatten, Reshape, Squeeze, Unsqueeze, and the lowering's
//     join copies (aivm.Mov, never folded: each arm writes it);
//   folded to constants (shapes are static, so these never reach the bundle):
//     Shape, Size, ConstantOfShape, Range (which needs constant inputs: its output shape
//     depends on their values).
#include <algorithm>
#include <cmath>

#include "compiler/ops/op_util.h"
#include "kernels/dtypes.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Tensor i64_tensor(const std::vector<int64_t>& values, std::vector<int64_t> shape) {
  Tensor t;
  t.dtype = DType::I64;
  t.shape = std::move(shape);
  t.data.resize(values.size() * 8);
  if (!values.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());  // a scalar's shape is empty
  return t;
}

// Output 0 is input 0's bytes with |shape|: folded when the input is a constant, else a MOV.
void set_moved_output(OpContext& ctx, std::vector<int64_t> shape) {
  if (const Tensor* c = ctx.constant_input(0)) {
    Tensor t = *c;
    t.shape = std::move(shape);
    ctx.set_constant_output(0, std::move(t));
    return;
  }
  ctx.set_output(0, ctx.input(0).dtype, std::move(shape));
}

void select_mov(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::MOV;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0]};
}

// Axes from the attribute (before |input_since|) or the constant input 1 (from it on).
// |present| is false when neither gives any.
std::vector<int64_t> axes_operand(const OpContext& ctx, int input_since, bool* present) {
  *present = true;
  if (ctx.opset() >= input_since) {
    if (!ctx.has_input(1)) {
      *present = false;
      return {};
    }
    const Tensor* t = ctx.constant_input(1);
    if (!t) ctx.fail("the axes input must be a constant");
    std::vector<int64_t> axes;
    for (int64_t i = 0; i < t->num_elements(); ++i) axes.push_back(t->int_at(i));
    return axes;
  }
  *present = ctx.has_attr("axes");
  return ctx.attr_ints("axes", {});
}

//===----------------------------------------------------------------------===//
// Moves
//===----------------------------------------------------------------------===//

// Dropout at inference passes X through and its mask output keeps every element (all true).
// A constant true training_mode with a non-zero ratio drops at random, which a deterministic
// program cannot reproduce: a compile error. A run-time training_mode is taken as false (aivm
// runs inference), as before the mask output was supported.
void check_dropout_and_set_mask(OpContext& ctx) {
  const Tensor* ratio = ctx.constant_input(1);
  const Tensor* training = ctx.constant_input(2);
  bool training_on = training && training->num_elements() > 0 && training->data[0] != 0;
  bool ratio_zero = ratio && ratio->num_elements() > 0 && ratio->float_at(0) == 0.0;
  if (training_on && !ratio_zero)
    ctx.fail("training-mode Dropout with a non-zero ratio is random; only inference is supported");
  if (ctx.instr().outputs.size() < 2) return;
  Tensor mask;
  mask.dtype = DType::Bool;
  mask.shape = ctx.input(0).shape;
  mask.data.assign(size_t(mask.num_elements()), uint8_t(1));
  ctx.set_constant_output(1, std::move(mask));
}

void infer_identity(OpContext& ctx) {
  ctx.require_inputs(1, 3);  // Dropout's ratio and training_mode inputs are ignored at inference
  set_moved_output(ctx, ctx.input(0).shape);
  if (ctx.instr().op == "Dropout") check_dropout_and_set_mask(ctx);
}

// The join copy is written once per arm, so it must stay an instruction.
void infer_join_copy(OpContext& ctx) {
  ctx.require_inputs(1, 1);
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
  set_moved_output(ctx, {outer, inner});
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
  set_moved_output(ctx, out);
}

// Squeeze: drops the listed axes (each of extent 1), or every extent-1 axis when none are given.
void infer_squeeze(OpContext& ctx) {
  ctx.require_inputs(1, 2);
  const auto& in = ctx.input(0).shape;
  bool present;
  std::vector<int64_t> axes = axes_operand(ctx, 13, &present);
  std::vector<bool> drop(in.size(), false);
  for (int64_t a : axes) {
    size_t k = size_t(normalize_axis(ctx, a, int64_t(in.size())));
    if (in[k] != 1) ctx.fail("cannot squeeze axis " + std::to_string(a) + " of extent " + std::to_string(in[k]));
    drop[k] = true;
  }
  std::vector<int64_t> out;
  for (size_t k = 0; k < in.size(); ++k)
    if (!(drop[k] || (axes.empty() && in[k] == 1))) out.push_back(in[k]);
  set_moved_output(ctx, out);
}

// Unsqueeze: inserts extent-1 axes at the listed positions of the output.
void infer_unsqueeze(OpContext& ctx) {
  ctx.require_inputs(1, 2);
  const auto& in = ctx.input(0).shape;
  bool present;
  std::vector<int64_t> axes = axes_operand(ctx, 13, &present);
  if (!present) ctx.fail("Unsqueeze needs axes");
  int64_t rank = int64_t(in.size() + axes.size());
  std::vector<bool> inserted(size_t(rank), false);
  for (int64_t a : axes) {
    size_t k = size_t(normalize_axis(ctx, a, rank));
    if (inserted[k]) ctx.fail("axis " + std::to_string(a) + " is listed twice");
    inserted[k] = true;
  }
  std::vector<int64_t> out;
  size_t next = 0;
  for (int64_t k = 0; k < rank; ++k) out.push_back(inserted[size_t(k)] ? 1 : in[next++]);
  set_moved_output(ctx, out);
}

//===----------------------------------------------------------------------===//
// Folded shape computations
//===----------------------------------------------------------------------===//

void infer_shape(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const auto& in = ctx.input(0).shape;
  int64_t rank = int64_t(in.size());
  // opset 15: start/end slice the shape, negative from the end, clamped to [0, rank].
  auto clamp = [&](int64_t v) { return std::min(std::max(v < 0 ? v + rank : v, int64_t(0)), rank); };
  int64_t start = clamp(ctx.attr_int("start", 0)), end = clamp(ctx.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t k = start; k < end; ++k) dims.push_back(in[size_t(k)]);
  ctx.set_constant_output(0, i64_tensor(dims, {int64_t(dims.size())}));
}

void infer_size(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  int64_t n = 1;
  for (int64_t d : ctx.input(0).shape) n *= d;
  ctx.set_constant_output(0, i64_tensor({n}, {}));
}

void infer_constant_of_shape(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  const Tensor* spec = ctx.constant_input(0);
  if (!spec) ctx.fail("the shape input must be a constant");
  Tensor value;
  value.dtype = DType::F32;
  value.data.assign(4, 0);  // default: one f32 zero
  auto it = ctx.instr().attrs.find("value");
  if (it != ctx.instr().attrs.end()) {
    const Tensor* v = std::get_if<Tensor>(&it->second);
    if (!v || v->num_elements() != 1) ctx.fail("attribute 'value' must be a one-element tensor");
    value = *v;
  }
  size_t elem = dtype_size(value.dtype);
  if (elem == 0 || value.data.size() < elem) ctx.fail("attribute 'value' has no element");
  Tensor out;
  out.dtype = value.dtype;
  for (int64_t i = 0; i < spec->num_elements(); ++i) {
    if (spec->int_at(i) < 0) ctx.fail("negative dimension in the shape input");
    out.shape.push_back(spec->int_at(i));
  }
  int64_t n = out.num_elements();
  out.data.resize(size_t(n) * elem);
  for (int64_t i = 0; i < n; ++i) std::memcpy(out.data.data() + size_t(i) * elem, value.data.data(), elem);
  ctx.set_constant_output(0, std::move(out));
}

template <typename T>
Tensor range_of(DType dtype, T start, T delta, int64_t n) {
  Tensor t;
  t.dtype = dtype;
  t.shape = {n};
  t.data.resize(size_t(n) * sizeof(T));
  T* p = reinterpret_cast<T*>(t.data.data());
  for (int64_t i = 0; i < n; ++i) p[i] = T(start + T(i) * delta);  // ONNX: start + i * delta
  return t;
}

void infer_range(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  const Tensor *s = ctx.constant_input(0), *l = ctx.constant_input(1), *d = ctx.constant_input(2);
  if (!s || !l || !d) ctx.fail("Range needs constant inputs (its output shape depends on their values)");
  DType t = s->dtype;
  if (l->dtype != t || d->dtype != t) ctx.fail("start, limit and delta must have one dtype");
  if (s->num_elements() != 1 || l->num_elements() != 1 || d->num_elements() != 1)
    ctx.fail("start, limit and delta must be scalars");
  double start = s->float_at(0), limit = l->float_at(0), delta = d->float_at(0);
  if (delta == 0) ctx.fail("delta is zero");
  double count = std::ceil((limit - start) / delta);
  if (!(count < 1e9)) count = count > 0 ? 1e9 : 0;  // NaN or absurd: the check below reports it
  int64_t n = std::max<int64_t>(int64_t(count), 0);
  if (n >= int64_t(1e9)) ctx.fail("Range would produce too many elements");
  switch (t) {
    case DType::F32: ctx.set_constant_output(0, range_of<float>(t, float(start), float(delta), n)); break;
    case DType::I32:
      ctx.set_constant_output(0, range_of<int32_t>(t, int32_t(s->int_at(0)), int32_t(d->int_at(0)), n));
      break;
    case DType::I64: ctx.set_constant_output(0, range_of<int64_t>(t, s->int_at(0), d->int_at(0), n)); break;
    default: {
      // The other floats and integers: start + i * delta in double, converted as CAST would.
      if (!kernels::is_float(t) && !kernels::is_integer(t)) ctx.fail(std::string("Range of ") + dtype_name(t) + " is not supported");
      Tensor out;
      out.dtype = t;
      out.shape = {n};
      out.data.resize(size_t(n) * dtype_size(t));
      for (int64_t i = 0; i < n; ++i) {
        const double v = start + double(i) * delta;
        kernels::cast_reference(DType::F64, t, 1, &v, out.data.data() + size_t(i) * dtype_size(t));
      }
      ctx.set_constant_output(0, std::move(out));
    }
  }
}

// Folded ops never reach selection (emission skips instructions whose outputs are constants).
void select_folded(OpContext& ctx, Selection*) { ctx.fail("internal: a folded operator reached selection"); }

}  // namespace

std::span<const OpRule> shape_op_rules() {
  static constexpr OpRule kRules[] = {
      {"Identity", infer_identity, select_mov},
      {"Dropout", infer_identity, select_mov},
      {kMovOp, infer_join_copy, select_mov},
      {"Flatten", infer_flatten, select_mov},
      {"Reshape", infer_reshape, select_mov},
      {"Squeeze", infer_squeeze, select_mov},
      {"Unsqueeze", infer_unsqueeze, select_mov},
      {"Shape", infer_shape, select_folded},
      {"Size", infer_size, select_folded},
      {"ConstantOfShape", infer_constant_of_shape, select_folded},
      {"Range", infer_range, select_folded},
  };
  return kRules;
}
}  // namespace aivm::compiler
