// LAYERNORM: normalisation over the trailing axes (opcodes.def *N1).
#include "kernels/norm/layernorm.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

// Elements per normalised row: the product of |x|'s dims from |axis| on.
int64_t row_length(const kernels::Shape& x, int axis) {
  int64_t n = 1;
  for (int k = axis; k < x.rank; ++k) n *= x.dims[k];
  return n;
}

aivm_status_t require_row_param(const Site& s, uint32_t r, const char* field, int64_t n) {
  AIVM_RETURN_IF_ERROR(require_f32(s, r, field));
  if (s.reg(r).shape.num_elements() != n)
    return s.error(std::string(field) + "=r" + std::to_string(r) + " holds " +
                   std::to_string(s.reg(r).shape.num_elements()) + " elements, the row has " + std::to_string(n));
  return AIVM_OK;
}

}  // namespace

aivm_status_t verify_LAYERNORM(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  AIVM_RETURN_IF_ERROR(require_shape(s, in.a, dims_of(s.reg(in.b))));
  isa::LayerNormAttrs l;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &l));
  const kernels::Shape& x = s.reg(in.b).shape;
  if (l.axis < 0 || l.axis >= x.rank)
    return s.error("axis " + std::to_string(l.axis) + " out of range for rank " + std::to_string(x.rank));
  const bool has_bias = l.bias != isa::kNoRegister;
  if (has_bias && (l.bias < 0 || size_t(l.bias) >= s.f.registers.size()))
    return s.error("bias register " + std::to_string(l.bias) + " out of range (< " +
                   std::to_string(s.f.registers.size()) + ")");
  const int64_t n = row_length(x, l.axis);
  AIVM_RETURN_IF_ERROR(require_row_param(s, in.c, "scale", n));
  if (has_bias) AIVM_RETURN_IF_ERROR(require_row_param(s, uint32_t(l.bias), "bias", n));
  return AIVM_OK;
}

const uint64_t* exec_LAYERNORM(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::LayerNormAttrs l = exec_record<isa::LayerNormAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape& x = fr.shape(b);
  const int64_t n = row_length(x, l.axis);
  const int64_t rows = n == 0 ? 0 : x.num_elements() / n;
  const float* bias = l.bias == isa::kNoRegister ? nullptr : fr.f32(uint32_t(l.bias));
  kernels::layernorm_f32(rows, n, fr.f32(b), fr.f32(c), bias, isa::bits_float(l.epsilon_bits), fr.f32(a), fr.pool);
  return next;
}

}  // namespace aivm::vm
