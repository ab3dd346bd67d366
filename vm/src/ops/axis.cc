// Along one axis: topk (selection with indices), cumsum and cumprod (running totals), dft
// (opcodes.def notes *A1..*A4).
#include "kernels/cumulative/cumulative.h"
#include "kernels/spectral/dft.h"
#include "kernels/topk/topk.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

// Extents of x viewed as [outer, x.dims[axis], inner].
void split_at(const kernels::Shape& x, int axis, int64_t* outer, int64_t* inner) {
  *outer = *inner = 1;
  for (int k = 0; k < axis; ++k) *outer *= x.dims[k];
  for (int k = axis + 1; k < x.rank; ++k) *inner *= x.dims[k];
}

aivm_status_t require_axis_dtype(const Site& s, uint32_t r) {
  DType t = s.reg(r).dtype;
  if (!kernels::topk_supports(t) || !kernels::cumulative_supports(t))
    return s.error(std::string("source has dtype ") + dtype_name(t) + ", expected a float or integer");
  return AIVM_OK;
}

//===----------------------------------------------------------------------===//
// cumsum, cumprod
//===----------------------------------------------------------------------===//

aivm_status_t verify_cumulative(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_axis_dtype(s, in.b));
  if (s.reg(in.a).dtype != s.reg(in.b).dtype) return s.error("source and destination dtypes differ");
  uint32_t axis = in.d & 7;
  if (in.d >> 5 != 0) return s.error("immediate #" + std::to_string(in.d) + " is not axis | exclusive << 3 | reverse << 4");
  if (axis >= uint32_t(s.reg(in.b).shape.rank))
    return s.error("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(s.reg(in.b).shape.rank));
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* cumulative(const Frame& fr, kernels::CumulativeOp op, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  const kernels::Shape& x = fr.shape(b);
  kernels::CumulativeParams p;
  p.op = op;
  p.exclusive = (d >> 3 & 1) != 0;
  p.reverse = (d >> 4 & 1) != 0;
  p.n = x.dims[d & 7];
  split_at(x, int(d & 7), &p.outer, &p.inner);
  kernels::cumulative(p, fr.f->registers[b].dtype, fr.data[b], fr.data[a], fr.pool);
  return next;
}

}  // namespace

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

aivm_status_t verify_TOPK(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_writable(s, in.c));
  AIVM_RETURN_IF_ERROR(require_axis_dtype(s, in.b));
  if (in.a == in.c) return s.error("values and indices must be two registers");
  if (s.reg(in.a).dtype != s.reg(in.b).dtype) return s.error("source and values dtypes differ");
  if (s.reg(in.c).dtype != DType::I64) return s.error("indices must be i64");
  isa::TopKAttrs t;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &t));
  Dims want = dims_of(s.reg(in.b));
  if (t.axis < 0 || size_t(t.axis) >= want.size())
    return s.error("axis " + std::to_string(t.axis) + " out of range for rank " + std::to_string(want.size()));
  if (t.k < 0 || t.k > want[size_t(t.axis)])
    return s.error("k = " + std::to_string(t.k) + " outside [0, " + std::to_string(want[size_t(t.axis)]) + "]");
  if (t.largest != 0 && t.largest != 1) return s.error("largest must be 0 or 1");
  want[size_t(t.axis)] = t.k;
  AIVM_RETURN_IF_ERROR(require_shape(s, in.a, want));
  return require_shape(s, in.c, want);
}

const uint64_t* exec_TOPK(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  auto t = exec_record<isa::TopKAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape& x = fr.shape(b);
  int64_t outer, inner;
  split_at(x, t.axis, &outer, &inner);
  kernels::topk(t.largest != 0, fr.f->registers[b].dtype, outer, x.dims[t.axis], inner, t.k, fr.data[b], fr.data[a],
                reinterpret_cast<int64_t*>(fr.data[c]), fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// dft
//===----------------------------------------------------------------------===//

namespace {

// The kernel's view of B under record |d| (verified: axis < rank - 1, last extent 1 or 2).
kernels::DftParams dft_params(const kernels::Shape& x, const isa::DftAttrs& d) {
  return kernels::dft_view(x, d.axis, d.length, d.inverse != 0, d.onesided != 0);
}

}  // namespace

aivm_status_t verify_DFT(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  isa::DftAttrs d;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &d));
  Dims want = dims_of(s.reg(in.b));
  int rank = int(want.size());
  if (rank < 2 || (want[size_t(rank - 1)] != 1 && want[size_t(rank - 1)] != 2))
    return s.error("source must be [.., 1] (real) or [.., 2] (complex), got " + dims_str(want));
  if (d.axis < 0 || d.axis >= rank - 1)
    return s.error("axis " + std::to_string(d.axis) + " must be in [0, " + std::to_string(rank - 1) + ")");
  if (d.length < 1) return s.error("length " + std::to_string(d.length) + " must be >= 1");
  if ((d.inverse != 0 && d.inverse != 1) || (d.onesided != 0 && d.onesided != 1))
    return s.error("inverse and onesided must be 0 or 1");
  // An empty line would make inner 0 and the kernel divide by it; ONNX has no such signal.
  for (int64_t e : want)
    if (e == 0) return s.error("source has an empty axis");
  kernels::DftParams p = dft_params(s.reg(in.b).shape, d);
  want[size_t(d.axis)] = p.n_out();
  want[size_t(rank - 1)] = p.c_out();
  return require_shape(s, in.a, want);
}

const uint64_t* exec_DFT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  auto d = exec_record<isa::DftAttrs>(fr, AIVM_FIELD_D(w));
  kernels::dft_f32(dft_params(fr.shape(b), d), fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

aivm_status_t verify_CUMSUM(const Site& s, const isa::Instr& in) { return verify_cumulative(s, in); }
const uint64_t* exec_CUMSUM(const Frame& fr, uint64_t w, const uint64_t* next) {
  return cumulative(fr, kernels::CumulativeOp::Sum, w, next);
}
aivm_status_t verify_CUMPROD(const Site& s, const isa::Instr& in) { return verify_cumulative(s, in); }
const uint64_t* exec_CUMPROD(const Frame& fr, uint64_t w, const uint64_t* next) {
  return cumulative(fr, kernels::CumulativeOp::Prod, w, next);
}

}  // namespace aivm::vm
