// Comparison and selection (opcodes.def *E5, *E6): COMPARE gives bool from two operands of one
// dtype; WHERE selects between two operands of any dtype by a bool condition.
#include "kernels/elementwise/elementwise.h"
#include "vm/src/ops/elementwise_verify.h"

namespace aivm::vm {

//===----------------------------------------------------------------------===//
// COMPARE A, B, C, #kind
//===----------------------------------------------------------------------===//

aivm_status_t verify_COMPARE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_kind(s, in.d, int32_t(isa::CompareKind::kCount), isa::compare_kind_name, "compare"));
  AIVM_RETURN_IF_ERROR(require_dtype(s, in.a, DType::Bool, "A"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.c, "C", in.b, "B"));
  DType t = s.reg(in.b).dtype;
  if (!kernels::compare_supports(isa::CompareKind(in.d), t))
    return unsupported_dtype(s, isa::compare_kind_name(int32_t(in.d)), t);
  return require_broadcast(s, in.a, {in.b, in.c});
}

const uint64_t* exec_COMPARE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  kernels::compare(isa::CompareKind(AIVM_FIELD_D(w)), fr.f->registers[b].dtype, fr.shape(a), fr.shape(b), fr.data[b],
                   fr.shape(c), fr.data[c], fr.data[a], fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// WHERE A, B(cond), C, D
//===----------------------------------------------------------------------===//

aivm_status_t verify_WHERE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_dtype(s, in.b, DType::Bool, "B"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.c, "C", in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.d, "D", in.a, "A"));
  size_t size = dtype_size(s.reg(in.a).dtype);
  if (size != 1 && size != 2 && size != 4 && size != 8)
    return unsupported_dtype(s, "where", s.reg(in.a).dtype);
  return require_broadcast(s, in.a, {in.b, in.c, in.d});
}

const uint64_t* exec_WHERE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w), d = AIVM_FIELD_D(w);
  kernels::where(dtype_size(fr.f->registers[a].dtype), fr.shape(a), fr.shape(b), fr.data[b], fr.shape(c), fr.data[c],
                 fr.shape(d), fr.data[d], fr.data[a], fr.pool);
  return next;
}

}  // namespace aivm::vm
