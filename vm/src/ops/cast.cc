// CAST (opcodes.def *E4): elementwise dtype conversion; the destination register's dtype is
// the target. QUANTIZE / DEQUANTIZE (*E8): conversion through a scale and zero point.
#include "kernels/elementwise/elementwise.h"
#include "vm/src/ops/elementwise_verify.h"

namespace aivm::vm {

aivm_status_t verify_CAST(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  DType from = s.reg(in.b).dtype, to = s.reg(in.a).dtype;
  if (!kernels::cast_supports(from, to))
    return s.error(std::string("cast from ") + dtype_name(from) + " to " + dtype_name(to) + " is not supported");
  if (in.d & ~kernels::kCastOptionMask)
    return s.error("cast options #" + std::to_string(in.d) + " has undefined bits (defined: " +
                   std::to_string(kernels::kCastOptionMask) + ")");
  if ((in.d & kernels::kCastBitwise) && dtype_size(from) != dtype_size(to))
    return s.error(std::string("bitwise cast from ") + dtype_name(from) + " to " + dtype_name(to) +
                   " changes the element size");
  if ((in.d & kernels::kCastE8M0Down) && (in.d & kernels::kCastE8M0Nearest))
    return s.error("cast options #" + std::to_string(in.d) + " ask for two e8m0 rounding modes");
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_CAST(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::cast(fr.f->registers[b].dtype, fr.f->registers[a].dtype, fr.shape(b).num_elements(), fr.data[b],
                fr.data[a], fr.pool, AIVM_FIELD_D(w));
  return next;
}

//===----------------------------------------------------------------------===//
// QUANTIZE / DEQUANTIZE A, B, C(scale), @rec (isa::QuantAttrs)
//===----------------------------------------------------------------------===//

namespace {

// The scale (and zero point) layout over B's shape; the record's fields are checked first.
kernels::QuantLayout quant_layout(const kernels::Shape& x, const kernels::Shape& scale, const isa::QuantAttrs& q) {
  kernels::QuantLayout l;
  if (scale.num_elements() == 1 && q.block_size == 0) {  // per tensor: one row of everything
    l.inner = x.num_elements();
    return l;
  }
  for (int k = 0; k < q.axis; ++k) l.outer *= x.dims[k];
  l.n = x.dims[q.axis];
  for (int k = q.axis + 1; k < x.rank; ++k) l.inner *= x.dims[k];
  if (q.block_size == 0) {
    l.stride_k = 1;
  } else {
    l.block = q.block_size;
    l.stride_i = 1;
    l.stride_k = l.inner;
    l.stride_o = scale.dims[q.axis] * l.inner;
  }
  return l;
}

aivm_status_t verify_quant(const Site& s, const isa::Instr& in, bool quantize) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  isa::QuantAttrs q;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &q));
  const DType real = quantize ? s.reg(in.b).dtype : s.reg(in.a).dtype;
  const DType quant = quantize ? s.reg(in.a).dtype : s.reg(in.b).dtype;
  if (!kernels::quant_real_dtype(real) || !kernels::quant_real_dtype(s.reg(in.c).dtype))
    return s.error(std::string("real operand and scale must be f32, f16 or bf16, have ") + dtype_name(real) + " and " +
                   dtype_name(s.reg(in.c).dtype));
  if (!kernels::quantized_dtype(quant)) return s.error(std::string("dtype ") + dtype_name(quant) + " is not a quantized type");
  const kernels::Shape &x = s.reg(in.b).shape, &scale = s.reg(in.c).shape;
  if (q.zero_point != isa::kNoRegister) {
    if (q.zero_point < 0 || size_t(q.zero_point) >= s.f.registers.size())
      return s.error("zero point register " + std::to_string(q.zero_point) + " out of range");
    const RegisterInfo& z = s.reg(uint32_t(q.zero_point));
    if (z.dtype != quant) return s.error(std::string("zero point has dtype ") + dtype_name(z.dtype) + ", expected " + dtype_name(quant));
    const bool per_tensor = scale.num_elements() == 1 && q.block_size == 0;
    if (per_tensor ? z.shape.num_elements() != 1 : dims_of(z) != dims_of(s.reg(in.c)))
      return s.error("zero point and scale shapes differ");
  }
  if (q.options != 0 && !(quantize && q.options == int32_t(kernels::kCastNoSaturate)))
    return s.error("options #" + std::to_string(q.options) + " are not defined here");
  if (q.block_size < 0) return s.error("block size is negative");
  if (!(scale.num_elements() == 1 && q.block_size == 0)) {
    if (q.axis < 0 || q.axis >= x.rank) return s.error("axis " + std::to_string(q.axis) + " out of range for rank " + std::to_string(x.rank));
    Dims want;
    if (q.block_size == 0) {
      want = {x.dims[q.axis]};
    } else {
      want = dims_of(s.reg(in.b));
      want[size_t(q.axis)] = (x.dims[q.axis] + q.block_size - 1) / q.block_size;
    }
    if (dims_of(s.reg(in.c)) != want)
      return s.error("scale shape " + dims_str(dims_of(s.reg(in.c))) + " does not fit " + dims_str(dims_of(s.reg(in.b))) +
                     " along axis " + std::to_string(q.axis) + ", expected " + dims_str(want));
  }
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_quant(const Frame& fr, uint64_t w, const uint64_t* next, bool quantize) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::QuantAttrs q = exec_record<isa::QuantAttrs>(fr, AIVM_FIELD_D(w));
  kernels::QuantLayout l = quant_layout(fr.shape(b), fr.shape(c), q);
  const void* zp = q.zero_point == isa::kNoRegister ? nullptr : fr.data[q.zero_point];
  DType xt = fr.f->registers[b].dtype, st = fr.f->registers[c].dtype, yt = fr.f->registers[a].dtype;
  if (quantize)
    kernels::quantize(xt, st, yt, l, fr.data[b], fr.data[c], zp, fr.data[a], uint32_t(q.options), fr.pool);
  else
    kernels::dequantize(xt, st, yt, l, fr.data[b], fr.data[c], zp, fr.data[a], fr.pool);
  return next;
}

}  // namespace

aivm_status_t verify_QUANTIZE(const Site& s, const isa::Instr& in) { return verify_quant(s, in, true); }
const uint64_t* exec_QUANTIZE(const Frame& fr, uint64_t w, const uint64_t* next) { return exec_quant(fr, w, next, true); }
aivm_status_t verify_DEQUANTIZE(const Site& s, const isa::Instr& in) { return verify_quant(s, in, false); }
const uint64_t* exec_DEQUANTIZE(const Frame& fr, uint64_t w, const uint64_t* next) {
  return exec_quant(fr, w, next, false);
}

}  // namespace aivm::vm
