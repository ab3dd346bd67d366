// softmax along one axis.
#include "kernels/softmax/softmax.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {

aivm_status_t verify_SOFTMAX(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  AIVM_RETURN_IF_ERROR(require_shape(s, in.a, dims_of(s.reg(in.b))));
  if (in.d >= uint32_t(s.reg(in.b).shape.rank))
    return s.error("axis #" + std::to_string(in.d) + " out of range for rank " + std::to_string(s.reg(in.b).shape.rank));
  return AIVM_OK;
}

const uint64_t* exec_SOFTMAX(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), axis = AIVM_FIELD_D(w);
  const kernels::Shape& s = fr.shape(b);
  int64_t outer = 1, inner = 1;
  for (uint32_t i = 0; i < axis; ++i) outer *= s.dims[i];
  for (int i = int(axis) + 1; i < s.rank; ++i) inner *= s.dims[i];
  kernels::softmax_f32(outer, s.dims[axis], inner, fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

}  // namespace aivm::vm
