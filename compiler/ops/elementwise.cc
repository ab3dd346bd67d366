// Elementwise operators: unary math, parametrised activations, Clip, broadcasting binary
// arithmetic and logic, comparisons, Where, Cast/CastLike and the variadic Sum/Mean/Max/Min.
//
// Every row becomes one instruction of an elementwise family (opcodes.def *3, *E1..*E7) with the
// kind in its immediate or record. Which dtypes a kind takes is kernels/elementwise *_supports(),
// the rule the verifier applies too; anything else is a CompileError naming the op and dtype.
// An op whose inputs are all constants is folded here with the kernels' reference.
#include <limits>

#include "compiler/onnx/onnx_convert.h"
#include "compiler/ops/op_util.h"
#include "kernels/dtypes.h"
#include "kernels/elementwise/elementwise.h"

namespace aivm::compiler {
namespace {

using isa::Opcode;
using kernels::BinaryOp;
using kernels::CompareOp;
using kernels::NaryOp;
using kernels::UnaryOp;
using Dims = std::vector<int64_t>;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

const std::string& op_name(OpContext& ctx) { return ctx.instr().op; }

[[noreturn]] void fail_dtype(OpContext& ctx, DType t) {
  ctx.fail(op_name(ctx) + " on dtype " + dtype_name(t) + " is not supported");
}

// Inputs [first, last) share input |first|'s dtype.
void require_same_dtypes(OpContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i < last; ++i)
    if (ctx.has_input(i) && ctx.input(i).dtype != ctx.input(first).dtype)
      ctx.fail("input " + std::to_string(i) + " has dtype " + dtype_name(ctx.input(i).dtype) + ", input " +
               std::to_string(first) + " has " + dtype_name(ctx.input(first).dtype) + "; they must agree");
}

// The broadcast of inputs [0, n).
Dims broadcast_inputs(OpContext& ctx, size_t n) {
  Dims out = ctx.input(0).shape;
  std::string shapes = dims_str(out);
  for (size_t i = 1; i < n; ++i) {
    shapes += " and " + dims_str(ctx.input(i).shape);
    Dims next;
    if (!isa::broadcast_shapes(out, ctx.input(i).shape, &next)) ctx.fail("shapes " + shapes + " do not broadcast");
    out = std::move(next);
  }
  return out;
}

kernels::Shape kshape(const Dims& d) {
  kernels::Shape s;
  s.rank = int(d.size());
  for (size_t i = 0; i < d.size(); ++i) s.dims[i] = d[i];
  return s;
}

// Folds the op when inputs [0, n) are all constants: |compute| fills the output tensor (dtype
// and shape already set) from them. Returns true if folded.
template <typename F>
bool fold_constants(OpContext& ctx, size_t n, DType dtype, const Dims& shape, F compute) {
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < n; ++i) {
    const Tensor* t = ctx.constant_input(i);
    if (!t) return false;
    in.push_back(t);
  }
  Tensor out;
  out.dtype = dtype;
  out.shape = shape;
  out.data.resize(size_t(out.num_elements()) * dtype_size(dtype));
  compute(in, &out);
  ctx.set_constant_output(0, std::move(out));
  return true;
}

// Output 0 := one register field per input, in order.
void select_values(OpContext& ctx, Selection* s, size_t inputs) {
  s->values = {ctx.instr().outputs[0]};
  for (size_t i = 0; i < inputs; ++i) s->values.push_back(ctx.instr().inputs[i]);
}

//===----------------------------------------------------------------------===//
// UNARY
//===----------------------------------------------------------------------===//

// Not is logical (bool only) as ONNX Not, bitwise (integers only) as BitwiseNot.
template <UnaryOp kKind, int kOnly = 0>  // kOnly: 1 bool only, 2 integers only
void infer_unary_kind(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  const Value& x = ctx.input(0);
  bool ok = kernels::unary_supports(kKind, x.dtype) && (kOnly != 1 || x.dtype == DType::Bool) &&
            (kOnly != 2 || x.dtype != DType::Bool);
  if (!ok) fail_dtype(ctx, x.dtype);
  if (fold_constants(ctx, 1, x.dtype, x.shape, [](auto& in, Tensor* out) {
        kernels::unary_reference(kKind, out->dtype, out->num_elements(), in[0]->data.data(), out->data.data());
      }))
    return;
  ctx.set_output(0, x.dtype, x.shape);
}

template <UnaryOp kKind>
void select_unary_kind(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::UNARY;
  select_values(ctx, s, 1);
  s->immediate = int32_t(kKind);
}

//===----------------------------------------------------------------------===//
// ACT: parametrised activations (f32)
//===----------------------------------------------------------------------===//

isa::ActivationAttrs activation_of(OpContext& ctx) {
  using A = isa::Activation;
  const std::string& op = op_name(ctx);
  isa::ActivationAttrs a{};
  float p0 = 0.f, p1 = 0.f;
  A kind = A::None;
  if (op == "LeakyRelu") kind = A::LeakyRelu, p0 = ctx.attr_float("alpha", 0.01f);
  else if (op == "Elu") kind = A::Elu, p0 = ctx.attr_float("alpha", 1.f);
  else if (op == "Selu")
    kind = A::Selu, p0 = ctx.attr_float("alpha", 1.67326319217681884765625f),
    p1 = ctx.attr_float("gamma", 1.05070102214813232421875f);
  else if (op == "Celu") kind = A::Celu, p0 = ctx.attr_float("alpha", 1.f);
  else if (op == "HardSigmoid") kind = A::HardSigmoid, p0 = ctx.attr_float("alpha", 0.2f), p1 = ctx.attr_float("beta", 0.5f);
  else if (op == "HardSwish") kind = A::HardSwish;
  else if (op == "ThresholdedRelu") kind = A::ThresholdedRelu, p0 = ctx.attr_float("alpha", 1.f);
  else if (op == "Mish") kind = A::Mish;
  else if (op == "Swish") kind = A::Swish, p0 = ctx.attr_float("alpha", 1.f);
  else if (op == "Gelu") {
    std::string approx = ctx.attr_string("approximate", "none");
    if (approx != "none" && approx != "tanh") ctx.fail("Gelu approximate='" + approx + "' is not supported (none, tanh)");
    kind = approx == "tanh" ? A::GeluTanh : A::Gelu;
  }
  a.kind = int32_t(kind);
  a.p0_bits = isa::float_bits(p0);
  a.p1_bits = isa::float_bits(p1);
  return a;
}

void infer_act(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  const Value& x = ctx.input(0);
  if (x.dtype != DType::F32) fail_dtype(ctx, x.dtype);
  isa::ActivationAttrs a = activation_of(ctx);
  if (fold_constants(ctx, 1, x.dtype, x.shape, [&](auto& in, Tensor* out) {
        kernels::activation_f32_reference(
            {isa::Activation(a.kind), isa::bits_float(a.p0_bits), isa::bits_float(a.p1_bits)}, out->num_elements(),
            in[0]->f32(), reinterpret_cast<float*>(out->data.data()));
      }))
    return;
  ctx.set_output(0, x.dtype, x.shape);
}

void select_act(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::ACT;
  select_values(ctx, s, 1);
  s->record = words_of(activation_of(ctx));
}

//===----------------------------------------------------------------------===//
// CLIP: bounds are registers (inputs since opset 11, attributes before)
//===----------------------------------------------------------------------===//

void infer_clip(OpContext& ctx) {
  ctx.require_inputs(1, 3);
  require_single_output(ctx);
  const Value& x = ctx.input(0);
  if (!kernels::clip_supports(x.dtype)) fail_dtype(ctx, x.dtype);
  require_same_dtypes(ctx, 0, 3);
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    int64_t n = 1;
    for (int64_t d : ctx.input(i).shape) n *= d;
    if (n != 1) ctx.fail(std::string(i == 1 ? "min" : "max") + " must hold one element, has shape " + dims_str(ctx.input(i).shape));
  }
  ctx.set_output(0, x.dtype, x.shape);
}

// A one-element constant of |t| holding the bound attribute (opset < 11, f32) or the dtype's
// extreme (+-inf for floats), for a bound not given.
int bound_constant(OpContext& ctx, DType t, bool upper, const char* attr) {
  Tensor c;
  c.dtype = t;
  c.shape = {};
  c.data.resize(dtype_size(t));
  bool known = kernels::dispatch_dtype(t, [&](auto d) {
    using T = kernels::elem_t<d>;
    T v{};
    if constexpr (d == DType::F32) {
      v = ctx.attr_float(attr, upper ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity());
    } else if constexpr (kernels::is_float(d)) {
      const double inf = upper ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
      kernels::cast_reference(DType::F64, d, 1, &inf, &v);
    } else {
      v = upper ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
    }
    std::memcpy(c.data.data(), &v, sizeof(v));
  });
  if (!known || !kernels::clip_supports(t)) fail_dtype(ctx, t);
  Function& f = ctx.function();
  int v = f.new_value(f.values[size_t(ctx.instr().outputs[0])].name + (upper ? ".max" : ".min"));
  f.values[size_t(v)].dtype = t;
  f.values[size_t(v)].shape_known = true;
  f.values[size_t(v)].constant = int(f.constants.size());
  f.constants.push_back(std::move(c));
  f.constant_names.push_back(f.values[size_t(v)].name);
  return v;
}

void select_clip(OpContext& ctx, Selection* s) {
  DType t = ctx.input(0).dtype;
  s->opcode = Opcode::CLIP;
  s->values = {ctx.instr().outputs[0], ctx.instr().inputs[0],
               ctx.has_input(1) ? ctx.instr().inputs[1] : bound_constant(ctx, t, false, "min"),
               ctx.has_input(2) ? ctx.instr().inputs[2] : bound_constant(ctx, t, true, "max")};
}

//===----------------------------------------------------------------------===//
// BINARY and COMPARE
//===----------------------------------------------------------------------===//

// The binary kind of this node (Mod and BitShift read attributes).
BinaryOp binary_kind_of(OpContext& ctx, BinaryOp declared) {
  if (declared == BinaryOp::Mod && ctx.attr_int("fmod", 0) != 0) return BinaryOp::Fmod;
  if (declared == BinaryOp::ShiftLeft) {
    std::string dir = ctx.attr_string("direction", "");
    if (dir != "LEFT" && dir != "RIGHT") ctx.fail("BitShift direction '" + dir + "' must be LEFT or RIGHT");
    return dir == "LEFT" ? BinaryOp::ShiftLeft : BinaryOp::ShiftRight;
  }
  return declared;
}

// kOnly: 0 any supported dtype, 1 bool only (And/Or/Xor), 2 integers only (Bitwise*).
template <BinaryOp kKind, int kOnly = 0>
void infer_binary_kind(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  BinaryOp kind = binary_kind_of(ctx, kKind);
  DType t = ctx.input(0).dtype;
  if (kKind == BinaryOp::Pow && ctx.input(1).dtype != t)
    ctx.fail(std::string("Pow with a ") + dtype_name(ctx.input(1).dtype) + " exponent on a " + dtype_name(t) +
             " base is not supported (numeric exponents are cast to the base's dtype first)");
  require_same_dtypes(ctx, 0, 2);
  bool ok = kernels::binary_supports(kind, t) && (kOnly != 1 || t == DType::Bool) && (kOnly != 2 || t != DType::Bool);
  if (!ok) fail_dtype(ctx, t);
  Dims out = broadcast_inputs(ctx, 2);
  if (kKind == BinaryOp::PRelu && out != ctx.input(0).shape)
    ctx.fail("slope of shape " + dims_str(ctx.input(1).shape) + " does not broadcast to X's shape " +
             dims_str(ctx.input(0).shape));
  if (fold_constants(ctx, 2, t, out, [&](auto& in, Tensor* y) {
        kernels::binary_reference(kind, t, kshape(out), kshape(in[0]->shape), in[0]->data.data(), kshape(in[1]->shape),
                                  in[1]->data.data(), y->data.data());
      }))
    return;
  ctx.set_output(0, t, out);
}

template <BinaryOp kKind>
void select_binary_kind(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::BINARY;
  select_values(ctx, s, 2);
  s->immediate = int32_t(binary_kind_of(ctx, kKind));
}

template <CompareOp kKind>
void infer_compare(OpContext& ctx) {
  ctx.require_inputs(2, 2);
  require_single_output(ctx);
  require_same_dtypes(ctx, 0, 2);
  DType t = ctx.input(0).dtype;
  if (!kernels::compare_supports(kKind, t)) fail_dtype(ctx, t);
  Dims out = broadcast_inputs(ctx, 2);
  if (fold_constants(ctx, 2, DType::Bool, out, [&](auto& in, Tensor* y) {
        kernels::compare_reference(kKind, t, kshape(out), kshape(in[0]->shape), in[0]->data.data(),
                                   kshape(in[1]->shape), in[1]->data.data(), y->data.data());
      }))
    return;
  ctx.set_output(0, DType::Bool, out);
}

template <CompareOp kKind>
void select_compare(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::COMPARE;
  select_values(ctx, s, 2);
  s->immediate = int32_t(kKind);
}

//===----------------------------------------------------------------------===//
// WHERE and CAST
//===----------------------------------------------------------------------===//

void infer_where(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  require_single_output(ctx);
  if (ctx.input(0).dtype != DType::Bool)
    ctx.fail(std::string("condition has dtype ") + dtype_name(ctx.input(0).dtype) + ", expected bool");
  require_same_dtypes(ctx, 1, 3);
  DType t = ctx.input(1).dtype;
  Dims out = broadcast_inputs(ctx, 3);
  if (fold_constants(ctx, 3, t, out, [&](auto& in, Tensor* y) {
        kernels::where_reference(dtype_size(t), kshape(out), kshape(in[0]->shape), in[0]->data.data(),
                                 kshape(in[1]->shape), in[1]->data.data(), kshape(in[2]->shape), in[2]->data.data(),
                                 y->data.data());
      }))
    return;
  ctx.set_output(0, t, out);
}

void select_where(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::WHERE;
  select_values(ctx, s, 3);
}

DType cast_target(OpContext& ctx) {
  if (op_name(ctx) == "CastLike") return ctx.input(1).dtype;
  if (!ctx.has_attr("to")) ctx.fail(op_name(ctx) + " needs the 'to' attribute");
  return onnx_import::dtype_from_onnx(int(ctx.attr_int("to", 0)), ctx.instr().loc, op_name(ctx) + "'s 'to'");
}

// CAST's options immediate from 'saturate' (float8 targets) and 'round_mode' (f8e8m0).
uint32_t cast_options(OpContext& ctx) {
  if (op_name(ctx) == "BitCast") return kernels::kCastBitwise;
  uint32_t options = ctx.attr_int("saturate", 1) != 0 ? 0 : kernels::kCastNoSaturate;
  std::string round = ctx.attr_string("round_mode", "up");
  if (round == "down") options |= kernels::kCastE8M0Down;
  else if (round == "nearest") options |= kernels::kCastE8M0Nearest;
  else if (round != "up") ctx.fail("round_mode '" + round + "' is not one of up, down, nearest");
  return options;
}

void infer_cast(OpContext& ctx) {
  ctx.require_inputs(op_name(ctx) == "CastLike" ? 2 : 1, op_name(ctx) == "CastLike" ? 2 : 1);
  require_single_output(ctx);
  const Value& x = ctx.input(0);
  DType to = cast_target(ctx);
  if (!kernels::cast_supports(x.dtype, to))
    ctx.fail(std::string("cast from ") + dtype_name(x.dtype) + " to " + dtype_name(to) + " is not supported");
  if (op_name(ctx) == "BitCast" && (dtype_packed_bits(x.dtype) != dtype_packed_bits(to) || dtype_packed_bits(to) < 8))
    ctx.fail(std::string("BitCast from ") + dtype_name(x.dtype) + " to " + dtype_name(to) +
             (dtype_packed_bits(to) < 8 ? " is not supported (sub-byte types are held one per byte)" : " changes the bit width"));
  if (const Tensor* c = ctx.constant_input(0)) {
    Tensor out;
    out.dtype = to;
    out.shape = x.shape;
    out.data.resize(size_t(c->num_elements()) * dtype_size(to));
    kernels::cast_reference(x.dtype, to, c->num_elements(), c->data.data(), out.data.data(), cast_options(ctx));
    ctx.set_constant_output(0, std::move(out));
    return;
  }
  ctx.set_output(0, to, x.shape);
}

void select_cast(OpContext& ctx, Selection* s) {
  s->opcode = Opcode::CAST;
  select_values(ctx, s, 1);
  s->immediate = int32_t(cast_options(ctx));
}

//===----------------------------------------------------------------------===//
// QuantizeLinear / DequantizeLinear (QUANTIZE / DEQUANTIZE, opcodes.def *E8)
//===----------------------------------------------------------------------===//

struct QuantPlan {
  DType out;
  isa::QuantAttrs rec;
};

// Output dtype and record; every rule the verifier applies, as a compile error naming the node.
QuantPlan plan_quant(OpContext& ctx, bool quantize) {
  ctx.require_inputs(2, 3);
  require_single_output(ctx);
  const Value &x = ctx.input(0), &scale = ctx.input(1);
  const int64_t output_dtype = ctx.attr_int("output_dtype", 0);
  auto named = [&](int64_t t) { return onnx_import::dtype_from_onnx(int(t), ctx.instr().loc, "output_dtype"); };
  QuantPlan p{};
  if (quantize) {
    if (!kernels::quant_real_dtype(x.dtype)) fail_dtype(ctx, x.dtype);
    p.out = ctx.has_input(2) ? ctx.input(2).dtype : output_dtype ? named(output_dtype) : DType::U8;
    if (ctx.has_input(2) && output_dtype && named(output_dtype) != p.out)
      ctx.fail(std::string("output_dtype disagrees with the zero point's dtype ") + dtype_name(p.out));
    if (ctx.attr_int("precision", 0) != 0) ctx.fail("the precision attribute is not supported");
    if (!kernels::quantized_dtype(p.out)) ctx.fail(std::string("quantizing to ") + dtype_name(p.out) + " is not supported");
  } else {
    if (!kernels::quantized_dtype(x.dtype)) fail_dtype(ctx, x.dtype);
    if (ctx.has_input(2) && ctx.input(2).dtype != x.dtype)
      ctx.fail(std::string("zero point has dtype ") + dtype_name(ctx.input(2).dtype) + ", x has " + dtype_name(x.dtype));
    p.out = output_dtype ? named(output_dtype) : scale.dtype;
    if (!kernels::quant_real_dtype(p.out)) ctx.fail(std::string("dequantizing to ") + dtype_name(p.out) + " is not supported");
  }
  if (!kernels::quant_real_dtype(scale.dtype))
    ctx.fail(std::string("scale has dtype ") + dtype_name(scale.dtype) + "; f32, f16 and bf16 are supported");
  p.rec.zero_point = isa::kNoRegister;
  p.rec.block_size = int32_t(ctx.attr_int("block_size", 0));
  p.rec.options = quantize && ctx.attr_int("saturate", 1) == 0 ? int32_t(kernels::kCastNoSaturate) : 0;
  int64_t n_scale = 1;
  for (int64_t d : scale.shape) n_scale *= d;
  if (p.rec.block_size < 0) ctx.fail("block_size is negative");
  if (ctx.has_input(2)) {  // the scale's shape; per tensor, any one-element shape
    int64_t n_zero = 1;
    for (int64_t d : ctx.input(2).shape) n_zero *= d;
    bool per_tensor = n_scale == 1 && p.rec.block_size == 0;
    if (per_tensor ? n_zero != 1 : ctx.input(2).shape != scale.shape)
      ctx.fail("zero point shape " + dims_str(ctx.input(2).shape) + " does not match the scale's " + dims_str(scale.shape));
  }
  if (!(n_scale == 1 && p.rec.block_size == 0)) {
    const int64_t axis = normalize_axis(ctx, ctx.attr_int("axis", 1), int64_t(x.shape.size()));
    p.rec.axis = int32_t(axis);
    Dims want = {x.shape[size_t(axis)]};
    if (p.rec.block_size > 0) {
      want = x.shape;
      want[size_t(axis)] = (x.shape[size_t(axis)] + p.rec.block_size - 1) / p.rec.block_size;
    }
    if (scale.shape != want)
      ctx.fail("scale shape " + dims_str(scale.shape) + " fits neither per-tensor, per-axis nor blocked quantization of " +
               dims_str(x.shape) + " along axis " + std::to_string(axis) + " (expected " + dims_str(want) + ")");
  }
  return p;
}

template <bool kQuantize>
void infer_quant(OpContext& ctx) {
  QuantPlan p = plan_quant(ctx, kQuantize);
  ctx.set_output(0, p.out, ctx.input(0).shape);
}

template <bool kQuantize>
void select_quant(OpContext& ctx, Selection* s) {
  QuantPlan p = plan_quant(ctx, kQuantize);
  s->opcode = kQuantize ? Opcode::QUANTIZE : Opcode::DEQUANTIZE;
  select_values(ctx, s, 2);
  s->record = words_of(p.rec);
  if (ctx.has_input(2)) s->record_regs.push_back({0, ctx.instr().inputs[2]});
}

//===----------------------------------------------------------------------===//
// Variadic Sum / Mean / Max / Min
//===----------------------------------------------------------------------===//

// One input is a copy, two (but Mean) a BINARY, the rest a NARY fold.
template <NaryOp kKind>
void infer_variadic(OpContext& ctx) {
  ctx.require_inputs(1, size_t(isa::kMaxNaryInputs));
  require_single_output(ctx);
  size_t n = ctx.num_inputs();
  require_same_dtypes(ctx, 0, n);
  DType t = ctx.input(0).dtype;
  if (!kernels::nary_supports(kKind, t)) fail_dtype(ctx, t);
  Dims out = broadcast_inputs(ctx, n);
  if (n >= 2 && fold_constants(ctx, n, t, out, [&](auto& in, Tensor* y) {
        std::vector<kernels::Shape> shapes;
        std::vector<const void*> data;
        for (const Tensor* c : in) shapes.push_back(kshape(c->shape)), data.push_back(c->data.data());
        kernels::nary_reference(kKind, t, kshape(out), int(n), shapes.data(), data.data(), y->data.data());
      }))
    return;
  if (n == 1 && out != ctx.input(0).shape) ctx.fail("internal: one-input fold changes the shape");
  ctx.set_output(0, t, out);
}

template <NaryOp kKind>
void select_variadic(OpContext& ctx, Selection* s) {
  size_t n = ctx.num_inputs();
  if (n == 1) {
    s->opcode = Opcode::MOV;
    select_values(ctx, s, 1);
    return;
  }
  if (n == 2 && kKind != NaryOp::Mean) {
    s->opcode = Opcode::BINARY;
    select_values(ctx, s, 2);
    s->immediate = int32_t(kKind == NaryOp::Max ? BinaryOp::Max : kKind == NaryOp::Min ? BinaryOp::Min : BinaryOp::Add);
    return;
  }
  s->opcode = Opcode::NARY;
  s->values = {ctx.instr().outputs[0]};
  s->record.assign(1 + n, 0);
  s->record[0] = int32_t(kKind);
  for (size_t i = 0; i < n; ++i) s->record_regs.push_back({int(1 + i), ctx.instr().inputs[i]});
}

}  // namespace

std::span<const OpRule> elementwise_op_rules() {
  using U = UnaryOp;
  using B = BinaryOp;
  using C = CompareOp;
  using N = NaryOp;
#define AIVM_UNARY_RULE(NAME) {#NAME, infer_unary_kind<U::NAME>, select_unary_kind<U::NAME>}
#define AIVM_ACT_RULE(NAME) {#NAME, infer_act, select_act}
#define AIVM_BINARY_RULE(NAME) {#NAME, infer_binary_kind<B::NAME>, select_binary_kind<B::NAME>}
#define AIVM_COMPARE_RULE(NAME) {#NAME, infer_compare<C::NAME>, select_compare<C::NAME>}
  static constexpr OpRule kRules[] = {
      AIVM_UNARY_RULE(Relu), AIVM_UNARY_RULE(Sigmoid), AIVM_UNARY_RULE(Tanh), AIVM_UNARY_RULE(Exp),
      AIVM_UNARY_RULE(Neg), AIVM_UNARY_RULE(Abs), AIVM_UNARY_RULE(Log), AIVM_UNARY_RULE(Sqrt),
      AIVM_UNARY_RULE(Reciprocal), AIVM_UNARY_RULE(Floor), AIVM_UNARY_RULE(Ceil), AIVM_UNARY_RULE(Round),
      AIVM_UNARY_RULE(Sign), AIVM_UNARY_RULE(Sin), AIVM_UNARY_RULE(Cos), AIVM_UNARY_RULE(Tan),
      AIVM_UNARY_RULE(Asin), AIVM_UNARY_RULE(Acos), AIVM_UNARY_RULE(Atan), AIVM_UNARY_RULE(Sinh),
      AIVM_UNARY_RULE(Cosh), AIVM_UNARY_RULE(Asinh), AIVM_UNARY_RULE(Acosh), AIVM_UNARY_RULE(Atanh),
      AIVM_UNARY_RULE(Erf), AIVM_UNARY_RULE(Softplus), AIVM_UNARY_RULE(Softsign),
      {"Not", infer_unary_kind<U::Not, 1>, select_unary_kind<U::Not>},
      {"BitwiseNot", infer_unary_kind<U::Not, 2>, select_unary_kind<U::Not>},

      AIVM_ACT_RULE(LeakyRelu), AIVM_ACT_RULE(Elu), AIVM_ACT_RULE(Selu), AIVM_ACT_RULE(Celu),
      AIVM_ACT_RULE(HardSigmoid), AIVM_ACT_RULE(HardSwish), AIVM_ACT_RULE(Gelu), AIVM_ACT_RULE(ThresholdedRelu),
      AIVM_ACT_RULE(Mish), AIVM_ACT_RULE(Swish),
      {"Clip", infer_clip, select_clip},

      AIVM_BINARY_RULE(Add), AIVM_BINARY_RULE(Sub), AIVM_BINARY_RULE(Mul), AIVM_BINARY_RULE(Div),
      AIVM_BINARY_RULE(Pow), AIVM_BINARY_RULE(Mod), AIVM_BINARY_RULE(PRelu),
      {"And", infer_binary_kind<B::And, 1>, select_binary_kind<B::And>},
      {"Or", infer_binary_kind<B::Or, 1>, select_binary_kind<B::Or>},
      {"Xor", infer_binary_kind<B::Xor, 1>, select_binary_kind<B::Xor>},
      {"BitwiseAnd", infer_binary_kind<B::And, 2>, select_binary_kind<B::And>},
      {"BitwiseOr", infer_binary_kind<B::Or, 2>, select_binary_kind<B::Or>},
      {"BitwiseXor", infer_binary_kind<B::Xor, 2>, select_binary_kind<B::Xor>},
      {"BitShift", infer_binary_kind<B::ShiftLeft>, select_binary_kind<B::ShiftLeft>},  // direction attr

      AIVM_COMPARE_RULE(Equal), AIVM_COMPARE_RULE(Less), AIVM_COMPARE_RULE(Greater),
      AIVM_COMPARE_RULE(LessOrEqual), AIVM_COMPARE_RULE(GreaterOrEqual),
      {"Where", infer_where, select_where},
      {"Cast", infer_cast, select_cast},
      {"CastLike", infer_cast, select_cast},
      {"BitCast", infer_cast, select_cast},
      {"QuantizeLinear", infer_quant<true>, select_quant<true>},
      {"DequantizeLinear", infer_quant<false>, select_quant<false>},

      {"Sum", infer_variadic<N::Sum>, select_variadic<N::Sum>},
      {"Mean", infer_variadic<N::Mean>, select_variadic<N::Mean>},
      {"Max", infer_variadic<N::Max>, select_variadic<N::Max>},
      {"Min", infer_variadic<N::Min>, select_variadic<N::Min>},
  };
#undef AIVM_UNARY_RULE
#undef AIVM_ACT_RULE
#undef AIVM_BINARY_RULE
#undef AIVM_COMPARE_RULE
  return kRules;
}

}  // namespace aivm::compiler
