// CAST (opcodes.def *E4): elementwise dtype conversion; the destination register's dtype is
// the target.
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

}  // namespace aivm::vm
