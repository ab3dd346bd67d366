// Index-driven data movement: SCATTER_ELEMENTS, SCATTER_ND, GATHER_ND (opcodes.def notes
// *S1..*S3). The verifier proves the shapes, dtypes and record; the indices are data, checked
// by the kernels (kernels/transform/scatter.h) so no index writes or reads out of bounds.
#include "kernels/transform/scatter.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

aivm_status_t require_indices(const Site& s, uint32_t r) {
  DType t = s.reg(r).dtype;
  if (t != DType::I32 && t != DType::I64)
    return s.error("indices r" + std::to_string(r) + " have dtype " + dtype_name(t) + ", expected i32 or i64");
  return AIVM_OK;
}

// Destination, data and record shared by both scatters; |*upd| receives the updates register.
aivm_status_t verify_scatter_common(const Site& s, const isa::Instr& in, isa::ScatterAttrs* rec, uint32_t* upd) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_indices(s, in.c));
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, rec));
  if (rec->updates < 0 || size_t(rec->updates) >= s.f.registers.size())
    return s.error("updates register " + std::to_string(rec->updates) + " out of range");
  *upd = uint32_t(rec->updates);
  DType t = s.reg(in.b).dtype;
  if (s.reg(in.a).dtype != t || s.reg(*upd).dtype != t) return s.error("data, updates and result must share a dtype");
  if (rec->reduction < 0 || rec->reduction >= int32_t(kernels::ScatterReduce::kCount))
    return s.error("reduction " + std::to_string(rec->reduction) + " is not defined");
  if (!kernels::scatter_supports(kernels::ScatterReduce(rec->reduction), t))
    return s.error(std::string("the reduction does not take dtype ") + dtype_name(t));
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

bool is_i64(const Frame& fr, uint32_t r) { return fr.f->registers[r].dtype == DType::I64; }

}  // namespace

aivm_status_t verify_SCATTER_ELEMENTS(const Site& s, const isa::Instr& in) {
  isa::ScatterAttrs rec;
  uint32_t upd;
  AIVM_RETURN_IF_ERROR(verify_scatter_common(s, in, &rec, &upd));
  const kernels::Shape &x = s.reg(in.b).shape, &idx = s.reg(in.c).shape;
  if (rec.axis < 0 || rec.axis >= x.rank) return s.error("axis " + std::to_string(rec.axis) + " out of range");
  if (idx.rank != x.rank) return s.error("indices must have the data's rank");
  for (int k = 0; k < x.rank; ++k)
    if (k != rec.axis && idx.dims[k] > x.dims[k])
      return s.error("indices extent " + std::to_string(idx.dims[k]) + " exceeds the data's on axis " + std::to_string(k));
  return require_shape(s, upd, dims_of(s.reg(in.c)));
}

const uint64_t* exec_SCATTER_ELEMENTS(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::ScatterAttrs rec = exec_record<isa::ScatterAttrs>(fr, AIVM_FIELD_D(w));
  kernels::scatter_elements(fr.shape(b), fr.shape(c), rec.axis, fr.data[c], is_i64(fr, c), fr.data[rec.updates],
                            kernels::ScatterReduce(rec.reduction), fr.f->registers[a].dtype, fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_SCATTER_ND(const Site& s, const isa::Instr& in) {
  isa::ScatterAttrs rec;
  uint32_t upd;
  AIVM_RETURN_IF_ERROR(verify_scatter_common(s, in, &rec, &upd));
  if (rec.axis != 0) return s.error("axis must be 0");
  Dims x = dims_of(s.reg(in.b)), idx = dims_of(s.reg(in.c));
  if (idx.empty() || idx.back() < 1 || idx.back() > int64_t(x.size()))
    return s.error("indices " + dims_str(idx) + " must end in a tuple length 1.." + std::to_string(x.size()));
  Dims want(idx.begin(), idx.end() - 1);
  want.insert(want.end(), x.begin() + idx.back(), x.end());
  return require_shape(s, upd, want);
}

const uint64_t* exec_SCATTER_ND(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  isa::ScatterAttrs rec = exec_record<isa::ScatterAttrs>(fr, AIVM_FIELD_D(w));
  const kernels::Shape& idx = fr.shape(c);
  int k = int(idx.dims[idx.rank - 1]);
  int64_t rows = k ? idx.num_elements() / k : 0;
  kernels::scatter_nd(fr.shape(b), rows, k, fr.data[c], is_i64(fr, c), fr.data[rec.updates],
                      kernels::ScatterReduce(rec.reduction), fr.f->registers[a].dtype, fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_GATHER_ND(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_indices(s, in.c));
  if (s.reg(in.a).dtype != s.reg(in.b).dtype) return s.error("data and result must share a dtype");
  Dims x = dims_of(s.reg(in.b)), idx = dims_of(s.reg(in.c));
  const size_t bd = in.d;
  if (idx.empty() || bd >= idx.size() || bd >= x.size()) return s.error("batch_dims out of range");
  for (size_t k = 0; k < bd; ++k)
    if (idx[k] != x[k]) return s.error("indices and data disagree on batch axis " + std::to_string(k));
  if (idx.back() < 1 || bd + size_t(idx.back()) > x.size())
    return s.error("index tuples of length " + std::to_string(idx.back()) + " do not fit the data " + dims_str(x));
  Dims want(idx.begin(), idx.end() - 1);
  want.insert(want.end(), x.begin() + long(bd) + idx.back(), x.end());
  return require_shape(s, in.a, want);
}

const uint64_t* exec_GATHER_ND(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  const int bd = int(AIVM_FIELD_D(w));
  const kernels::Shape &x = fr.shape(b), &idx = fr.shape(c);
  const int k = int(idx.dims[idx.rank - 1]);
  int64_t batch = 1, rows = 1, slice = 1;
  for (int i = 0; i < bd; ++i) batch *= x.dims[i];
  for (int i = bd; i < idx.rank - 1; ++i) rows *= idx.dims[i];
  for (int i = bd + k; i < x.rank; ++i) slice *= x.dims[i];
  kernels::gather_nd(x, bd, batch, rows, k, fr.data[c], is_i64(fr, c), slice, dtype_size(fr.f->registers[a].dtype),
                     fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_ONE_HOT(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  if (!kernels::one_hot_index_supported(s.reg(in.b).dtype)) return s.error("indices must be i32, i64 or f32");
  if (s.reg(in.c).dtype != s.reg(in.a).dtype || s.reg(in.c).shape.num_elements() != 2)
    return s.error("values must hold [off, on] in the result's dtype");
  Dims idx = dims_of(s.reg(in.b)), y = dims_of(s.reg(in.a));
  if (in.d > idx.size() || y.size() != idx.size() + 1) return s.error("axis or result rank out of range");
  Dims want = idx;
  want.insert(want.begin() + long(in.d), y[in.d]);
  return require_shape(s, in.a, want);
}

const uint64_t* exec_ONE_HOT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w), axis = AIVM_FIELD_D(w);
  const kernels::Shape& y = fr.shape(a);
  int64_t outer = 1, inner = 1;
  for (uint32_t k = 0; k < axis; ++k) outer *= y.dims[k];
  for (int k = int(axis) + 1; k < y.rank; ++k) inner *= y.dims[k];
  kernels::one_hot(outer, y.dims[axis], inner, fr.data[b], fr.f->registers[b].dtype, fr.data[c],
                   dtype_size(fr.f->registers[a].dtype), fr.data[a]);
  return next;
}

}  // namespace aivm::vm
