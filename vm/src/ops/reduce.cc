// Reductions: reduce_sum .. reduce_sumsq over an axis mask, argmax / argmin along one axis
// (opcodes.def notes *15, *16). The output may keep the reduced axes as 1 or drop them: the
// bytes are the same, so the verifier accepts either shape.
#include "kernels/reduce/reduce.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

aivm_status_t require_reduced_shape(const Site& s, uint32_t a, uint32_t b, uint32_t mask) {
  Dims x = dims_of(s.reg(b)), y = dims_of(s.reg(a));
  if (unknown_shape(s, a)) {  // keepdims shows in the result's rank
    bool keep = mask == 0 || s.reg(a).shape.rank == s.reg(b).shape.rank;
    return require_shape(s, a, isa::reduced_dims(x, mask, keep));
  }
  if (y != isa::reduced_dims(x, mask, true) && y != isa::reduced_dims(x, mask, false))
    return s.error("output shape " + dims_str(y) + " is not " + dims_str(x) + " reduced (with or without keepdims)");
  return AIVM_OK;
}

aivm_status_t verify_reduce(const Site& s, const isa::Instr& in, kernels::ReduceOp op) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  DType t = s.reg(in.b).dtype;
  if (!kernels::reduce_supports(op, t))
    return s.error(std::string("this reduction does not take dtype ") + dtype_name(t));
  if (s.reg(in.a).dtype != t) return s.error("source and destination dtypes differ");
  int rank = s.reg(in.b).shape.rank;
  if (in.d >> rank != 0)
    return s.error("axis mask #" + std::to_string(in.d) + " names axes beyond rank " + std::to_string(rank));
  return require_reduced_shape(s, in.a, in.b, in.d);
}

const uint64_t* reduce(const Frame& fr, kernels::ReduceOp op, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), mask = AIVM_FIELD_D(w);
  kernels::reduce(op, fr.f->registers[b].dtype, fr.shape(b), mask, fr.data[b], fr.data[a], fr.pool);
  return next;
}

aivm_status_t verify_arg(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  if (!kernels::arg_reduce_supports(s.reg(in.b).dtype))
    return s.error(std::string("source has dtype ") + dtype_name(s.reg(in.b).dtype) + ", expected a float or integer");
  if (s.reg(in.a).dtype != DType::I64) return s.error("destination must be i64");
  uint32_t axis = in.d & 7, select_last = in.d >> 3;
  const kernels::Shape& x = s.reg(in.b).shape;
  if (select_last > 1) return s.error("immediate #" + std::to_string(in.d) + " is not axis | select_last << 3");
  if (axis >= uint32_t(x.rank)) return s.error("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(x.rank));
  if (x.dims[axis] == 0) return s.error("the axis is empty: there is no index to return");
  return require_reduced_shape(s, in.a, in.b, 1u << axis);
}

const uint64_t* arg(const Frame& fr, bool is_max, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w), axis = d & 7;
  const kernels::Shape& x = fr.shape(b);
  int64_t outer = 1, inner = 1;
  for (uint32_t k = 0; k < axis; ++k) outer *= x.dims[k];
  for (int k = int(axis) + 1; k < x.rank; ++k) inner *= x.dims[k];
  kernels::arg_reduce(is_max, (d >> 3) != 0, fr.f->registers[b].dtype, outer, x.dims[axis], inner, fr.data[b],
                      reinterpret_cast<int64_t*>(fr.data[a]), fr.pool);
  return next;
}

}  // namespace

#define AIVM_REDUCE(NAME, KIND)                                                                           \
  aivm_status_t verify_##NAME(const Site& s, const isa::Instr& in) {                                     \
    return verify_reduce(s, in, kernels::ReduceOp::KIND);                                                \
  }                                                                                                      \
  const uint64_t* exec_##NAME(const Frame& fr, uint64_t w, const uint64_t* next) {                       \
    return reduce(fr, kernels::ReduceOp::KIND, w, next);                                                 \
  }
AIVM_REDUCE(REDUCE_SUM, Sum)
AIVM_REDUCE(REDUCE_MEAN, Mean)
AIVM_REDUCE(REDUCE_MAX, Max)
AIVM_REDUCE(REDUCE_MIN, Min)
AIVM_REDUCE(REDUCE_PROD, Prod)
AIVM_REDUCE(REDUCE_L1, L1)
AIVM_REDUCE(REDUCE_L2, L2)
AIVM_REDUCE(REDUCE_LOGSUM, LogSum)
AIVM_REDUCE(REDUCE_LOGSUMEXP, LogSumExp)
AIVM_REDUCE(REDUCE_SUMSQ, SumSquare)
#undef AIVM_REDUCE

aivm_status_t verify_ARGMAX(const Site& s, const isa::Instr& in) { return verify_arg(s, in); }
const uint64_t* exec_ARGMAX(const Frame& fr, uint64_t w, const uint64_t* next) { return arg(fr, true, w, next); }
aivm_status_t verify_ARGMIN(const Site& s, const isa::Instr& in) { return verify_arg(s, in); }
const uint64_t* exec_ARGMIN(const Frame& fr, uint64_t w, const uint64_t* next) { return arg(fr, false, w, next); }

}  // namespace aivm::vm
