// Data movement: transpose, concat, split, slice, gather, gather_elements, expand, tile, pad,
// trilu (opcodes.def notes *8..*14). Every op is dtype-generic: the verifier proves source and
// destination share a dtype, and the kernels (kernels/transform) move elements by size.
//
// What the verifiers prove, so the kernels index in bounds without checks: record lengths
// against the rank or arity they imply, every register a record names, every extent and
// every record index (slice starts and steps, pad offsets, transpose views). Gather indices are
// data: the kernels check each one at run time (out of range gives zeros, see transform.h).
#include "kernels/transform/transform.h"
#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

std::string reg_name(uint32_t r) { return "r" + std::to_string(r); }

aivm_status_t require_same_dtype(const Site& s, uint32_t dst, uint32_t src) {
  if (s.reg(dst).dtype != s.reg(src).dtype)
    return s.error(reg_name(dst) + " has dtype " + dtype_name(s.reg(dst).dtype) + ", " + reg_name(src) + " has " +
                   dtype_name(s.reg(src).dtype) + ": they must match");
  return AIVM_OK;
}

// Destination |a| of a move from |b|: writable, same dtype.
aivm_status_t require_move(const Site& s, uint32_t a, uint32_t b) {
  AIVM_RETURN_IF_ERROR(require_writable(s, a));
  return require_same_dtype(s, a, b);
}

aivm_status_t require_index_dtype(const Site& s, uint32_t r) {
  DType t = s.reg(r).dtype;
  if (t != DType::I32 && t != DType::I64)
    return s.error("indices " + reg_name(r) + " have dtype " + dtype_name(t) + ", expected i32 or i64");
  return AIVM_OK;
}

aivm_status_t require_same_rank(const Site& s, uint32_t a, uint32_t b) {
  if (s.reg(a).shape.rank != s.reg(b).shape.rank)
    return s.error(reg_name(a) + " has rank " + std::to_string(s.reg(a).shape.rank) + ", " + reg_name(b) + " has " +
                   std::to_string(s.reg(b).shape.rank) + ": they must match");
  return AIVM_OK;
}

// A variable-length record: header T, then |*tail_len| more words at |*tail|.
template <typename T>
aivm_status_t read_header(const Site& s, uint32_t index, T* hdr, const int32_t** tail, uint32_t* tail_len) {
  uint32_t n = s.f.record_size(index);
  if (n < isa::kAttrWords<T>)
    return s.error("attribute record @" + std::to_string(index) + " has " + std::to_string(n) +
                   " words, expected at least " + std::to_string(isa::kAttrWords<T>));
  std::memcpy(hdr, s.f.record(index), sizeof(T));
  *tail = s.f.record(index) + isa::kAttrWords<T>;
  *tail_len = n - isa::kAttrWords<T>;
  return AIVM_OK;
}

aivm_status_t require_tail(const Site& s, uint32_t index, uint32_t got, uint64_t want, const char* why) {
  if (got != want)
    return s.error("attribute record @" + std::to_string(index) + " has a tail of " + std::to_string(got) +
                   " words, expected " + std::to_string(want) + " (" + why + ")");
  return AIVM_OK;
}

size_t elem_size(const Frame& fr, uint32_t r) { return dtype_size(fr.f->registers[r].dtype); }
const int32_t* exec_tail(const Frame& fr, uint32_t index, uint32_t header_words) {
  return fr.f->record(index) + header_words;  // ok because verified: the tail has the layout's length
}

kernels::Shape shape_of(const int32_t* dims, int rank) {
  kernels::Shape s;
  s.rank = rank;
  for (int i = 0; i < rank; ++i) s.dims[i] = dims[i];
  return s;
}

// The output of GATHER / ARG ops: |x| with axis replaced by |mid|.
Dims replace_axis(const Dims& x, size_t axis, const Dims& mid) {
  Dims out(x.begin(), x.begin() + long(axis));
  out.insert(out.end(), mid.begin(), mid.end());
  out.insert(out.end(), x.begin() + long(axis) + 1, x.end());
  return out;
}

}  // namespace

//===----------------------------------------------------------------------===//
// TRANSPOSE
//===----------------------------------------------------------------------===//

aivm_status_t verify_TRANSPOSE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  isa::TransposeAttrs t{};
  const int32_t* tail = nullptr;
  uint32_t n = 0;
  AIVM_RETURN_IF_ERROR(read_header(s, in.d, &t, &tail, &n));
  if (t.rank < 0 || t.rank > kernels::kMaxRank)
    return s.error("view rank " + std::to_string(t.rank) + " out of range (0.." + std::to_string(kernels::kMaxRank) + ")");
  AIVM_RETURN_IF_ERROR(require_tail(s, in.d, n, 2 * uint64_t(t.rank), "dims and perm, one per view axis"));
  int64_t count = 1;
  bool seen[kernels::kMaxRank] = {};
  for (int i = 0; i < t.rank; ++i) {
    if (tail[i] < 0) return s.error("view dim #" + std::to_string(i) + " is negative");
    if (__builtin_mul_overflow(count, int64_t(tail[i]), &count)) return s.error("view element count overflows");
    int32_t p = tail[t.rank + i];
    if (p < 0 || p >= t.rank || seen[p]) return s.error("perm is not a permutation of 0.." + std::to_string(t.rank - 1));
    seen[p] = true;
  }
  if (unknown_shape(s, in.a)) AIVM_RETURN_IF_ERROR(bind_by_count(s, in.a, count));
  if (count != s.reg(in.b).shape.num_elements() || count != s.reg(in.a).shape.num_elements())
    return s.error("the view holds " + std::to_string(count) + " elements; source and destination must hold as many");
  return AIVM_OK;
}

const uint64_t* exec_TRANSPOSE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  int rank = exec_record<isa::TransposeAttrs>(fr, d).rank;
  const int32_t* tail = exec_tail(fr, d, isa::kAttrWords<isa::TransposeAttrs>);
  kernels::transpose(shape_of(tail, rank), tail + rank, elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

//===----------------------------------------------------------------------===//
// CONCAT, SPLIT
//===----------------------------------------------------------------------===//

namespace {

// The parts a record lists against the whole |whole|: registers in range, same dtype and rank,
// equal extents except along axis, whose extents sum to the whole's.
aivm_status_t verify_parts(const Site& s, uint32_t whole, uint32_t record, bool parts_written) {
  isa::AxisListAttrs h;
  const int32_t* tail;
  uint32_t n;
  AIVM_RETURN_IF_ERROR(read_header(s, record, &h, &tail, &n));
  if (n < 1) return s.error("the record lists no registers");
  const kernels::Shape& ws = s.reg(whole).shape;
  if (h.axis < 0 || h.axis >= ws.rank)
    return s.error("axis " + std::to_string(h.axis) + " out of range for rank " + std::to_string(ws.rank));
  int64_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (tail[i] < 0 || size_t(tail[i]) >= s.f.registers.size())
      return s.error("record register #" + std::to_string(i) + " = " + std::to_string(tail[i]) + " out of range (< " +
                     std::to_string(s.f.registers.size()) + ")");
    uint32_t r = uint32_t(tail[i]);
    if (parts_written) AIVM_RETURN_IF_ERROR(require_writable(s, r));
    AIVM_RETURN_IF_ERROR(require_same_dtype(s, whole, r));
    AIVM_RETURN_IF_ERROR(require_same_rank(s, whole, r));
    const kernels::Shape& ps = s.reg(r).shape;
    for (int k = 0; k < ws.rank; ++k)
      if (k != h.axis && ps.dims[k] != ws.dims[k])
        return s.error(reg_name(r) + " has shape " + dims_str(dims_of(s.reg(r))) + ", which differs from " +
                       dims_str(dims_of(s.reg(whole))) + " off axis " + std::to_string(h.axis));
    sum += ps.dims[h.axis];
    if (sum > ws.dims[h.axis]) break;
  }
  if (sum != ws.dims[h.axis])
    return s.error("the parts' extents along axis " + std::to_string(h.axis) + " do not sum to " +
                   std::to_string(ws.dims[h.axis]));
  return AIVM_OK;
}

}  // namespace

aivm_status_t verify_CONCAT(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  if (unknown_shape(s, in.a)) {
    // Specialising: the whole is the first part with the parts' extents summed along the axis.
    isa::AxisListAttrs h;
    const int32_t* tail;
    uint32_t n;
    AIVM_RETURN_IF_ERROR(read_header(s, in.d, &h, &tail, &n));
    if (n >= 1 && tail[0] >= 0 && size_t(tail[0]) < s.f.registers.size()) {
      Dims whole = dims_of(s.reg(uint32_t(tail[0])));
      if (h.axis >= 0 && size_t(h.axis) < whole.size()) {
        for (uint32_t i = 1; i < n; ++i) {
          if (tail[i] < 0 || size_t(tail[i]) >= s.f.registers.size()) break;
          const kernels::Shape& ps = s.reg(uint32_t(tail[i])).shape;
          if (ps.rank > h.axis) whole[size_t(h.axis)] += ps.dims[h.axis];
        }
        AIVM_RETURN_IF_ERROR(require_shape(s, in.a, whole));
      }
    }
  }
  return verify_parts(s, in.a, in.d, false);
}

namespace {

// A CONCAT's or SPLIT's parts (registers |regs|), gathered for the kernels that move them
// all at once; more than kernels::kMaxConcatParts go part by part.
struct Parts {
  kernels::Shape shapes[kernels::kMaxConcatParts];
  void* data[kernels::kMaxConcatParts];
  Parts(const Frame& fr, const int32_t* regs, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      shapes[i] = fr.shape(uint32_t(regs[i]));
      data[i] = fr.data[regs[i]];
    }
  }
};

}  // namespace

const uint64_t* exec_CONCAT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), d = AIVM_FIELD_D(w);
  int axis = exec_record<isa::AxisListAttrs>(fr, d).axis;
  const int32_t* regs = exec_tail(fr, d, isa::kAttrWords<isa::AxisListAttrs>);
  uint32_t n = fr.f->record_size(d) - isa::kAttrWords<isa::AxisListAttrs>;
  if (n <= uint32_t(kernels::kMaxConcatParts)) {  // all at once, across the pool's threads
    const Parts parts(fr, regs, n);
    kernels::concat(int(n), parts.shapes, parts.data, fr.shape(a), axis, elem_size(fr, a), fr.data[a], fr.pool);
    return next;
  }
  int64_t offset = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t r = uint32_t(regs[i]);
    kernels::concat_part(fr.shape(r), fr.shape(a), axis, offset, elem_size(fr, a), fr.data[r], fr.data[a]);
    offset += fr.shape(r).dims[axis];
  }
  return next;
}

aivm_status_t verify_SPLIT(const Site& s, const isa::Instr& in) { return verify_parts(s, in.b, in.d, true); }

const uint64_t* exec_SPLIT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  int axis = exec_record<isa::AxisListAttrs>(fr, d).axis;
  const int32_t* regs = exec_tail(fr, d, isa::kAttrWords<isa::AxisListAttrs>);
  uint32_t n = fr.f->record_size(d) - isa::kAttrWords<isa::AxisListAttrs>;
  if (n <= uint32_t(kernels::kMaxConcatParts)) {
    const Parts parts(fr, regs, n);
    kernels::split(fr.shape(b), fr.data[b], int(n), parts.shapes, parts.data, axis, elem_size(fr, b), fr.pool);
    return next;
  }
  int64_t offset = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t r = uint32_t(regs[i]);
    kernels::split_part(fr.shape(b), fr.shape(r), axis, offset, elem_size(fr, b), fr.data[b], fr.data[r]);
    offset += fr.shape(r).dims[axis];
  }
  return next;
}

//===----------------------------------------------------------------------===//
// SLICE
//===----------------------------------------------------------------------===//

aivm_status_t verify_SLICE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  AIVM_RETURN_IF_ERROR(require_same_rank(s, in.a, in.b));
  const kernels::Shape &x = s.reg(in.b).shape, &y = s.reg(in.a).shape;
  AIVM_RETURN_IF_ERROR(require_tail(s, in.d, s.f.record_size(in.d), 2 * uint64_t(x.rank), "(start, step) per axis"));
  const int32_t* rec = s.f.record(in.d);
  for (int k = 0; k < x.rank; ++k) {
    int64_t start = rec[2 * k], step = rec[2 * k + 1], n = y.dims[k], last;
    if (n == 0) continue;  // nothing read along this axis
    if (step == 0) return s.error("axis " + std::to_string(k) + " has step 0");
    if (__builtin_mul_overflow(n - 1, step, &last) || __builtin_add_overflow(last, start, &last) || start < 0 ||
        start >= x.dims[k] || last < 0 || last >= x.dims[k])
      return s.error("axis " + std::to_string(k) + ": " + std::to_string(n) + " elements from " + std::to_string(start) +
                     " by " + std::to_string(step) + " leave [0, " + std::to_string(x.dims[k]) + ")");
  }
  return AIVM_OK;
}

const uint64_t* exec_SLICE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  const int32_t* rec = fr.f->record(AIVM_FIELD_D(w));
  const kernels::Shape& x = fr.shape(b);
  int64_t start[kernels::kMaxRank], step[kernels::kMaxRank];
  for (int k = 0; k < x.rank; ++k) {
    start[k] = rec[2 * k];
    step[k] = rec[2 * k + 1];
  }
  kernels::slice(x, fr.shape(a), start, step, elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

//===----------------------------------------------------------------------===//
// GATHER, GATHER_ELEMENTS
//===----------------------------------------------------------------------===//

aivm_status_t verify_GATHER(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  AIVM_RETURN_IF_ERROR(require_index_dtype(s, in.c));
  Dims x = dims_of(s.reg(in.b));
  if (in.d >= x.size()) return s.error("axis #" + std::to_string(in.d) + " out of range for rank " + std::to_string(x.size()));
  return require_shape(s, in.a, replace_axis(x, in.d, dims_of(s.reg(in.c))));
}

const uint64_t* exec_GATHER(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w), axis = AIVM_FIELD_D(w);
  const kernels::Shape& x = fr.shape(b);
  int64_t outer = 1, inner = 1;
  for (uint32_t k = 0; k < axis; ++k) outer *= x.dims[k];
  for (int k = int(axis) + 1; k < x.rank; ++k) inner *= x.dims[k];
  kernels::gather(outer, x.dims[axis], inner, fr.data[c], fr.f->registers[c].dtype == DType::I64,
                  fr.shape(c).num_elements(), elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_GATHER_ELEMENTS(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  AIVM_RETURN_IF_ERROR(require_index_dtype(s, in.c));
  AIVM_RETURN_IF_ERROR(require_same_rank(s, in.c, in.b));
  const kernels::Shape &x = s.reg(in.b).shape, &idx = s.reg(in.c).shape;
  if (in.d >= uint32_t(x.rank)) return s.error("axis #" + std::to_string(in.d) + " out of range for rank " + std::to_string(x.rank));
  for (int k = 0; k < x.rank; ++k)
    if (k != int(in.d) && idx.dims[k] > x.dims[k])
      return s.error("indices extent " + std::to_string(idx.dims[k]) + " exceeds the data's " + std::to_string(x.dims[k]) +
                     " on axis " + std::to_string(k));
  return require_shape(s, in.a, dims_of(s.reg(in.c)));
}

const uint64_t* exec_GATHER_ELEMENTS(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  kernels::gather_elements(fr.shape(b), fr.shape(c), int(AIVM_FIELD_D(w)), fr.data[c],
                           fr.f->registers[c].dtype == DType::I64, elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

//===----------------------------------------------------------------------===//
// EXPAND, TILE
//===----------------------------------------------------------------------===//

aivm_status_t verify_EXPAND(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  Dims x = dims_of(s.reg(in.b)), y = dims_of(s.reg(in.a)), out;
  if (x.size() > y.size() || !isa::broadcast_shapes(x, y, &out) || out != y)
    return s.error(dims_str(x) + " does not broadcast to " + dims_str(y));
  return AIVM_OK;
}

const uint64_t* exec_EXPAND(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::expand(fr.shape(b), fr.shape(a), elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_TILE(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  AIVM_RETURN_IF_ERROR(require_same_rank(s, in.a, in.b));
  const kernels::Shape &x = s.reg(in.b).shape, &y = s.reg(in.a).shape;
  for (int k = 0; k < x.rank; ++k)
    if (x.dims[k] == 0 ? y.dims[k] != 0 : y.dims[k] % x.dims[k] != 0)
      return s.error("extent " + std::to_string(y.dims[k]) + " is not a multiple of " + std::to_string(x.dims[k]) +
                     " on axis " + std::to_string(k));
  return AIVM_OK;
}

const uint64_t* exec_TILE(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::tile(fr.shape(b), fr.shape(a), elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

//===----------------------------------------------------------------------===//
// PAD, TRILU
//===----------------------------------------------------------------------===//

aivm_status_t verify_PAD(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  AIVM_RETURN_IF_ERROR(require_same_rank(s, in.a, in.b));
  isa::PadAttrs p;
  const int32_t* begin;
  uint32_t n;
  AIVM_RETURN_IF_ERROR(read_header(s, in.d, &p, &begin, &n));
  const kernels::Shape &x = s.reg(in.b).shape, &y = s.reg(in.a).shape;
  AIVM_RETURN_IF_ERROR(require_tail(s, in.d, n, uint64_t(x.rank), "one begin offset per axis"));
  if (p.mode < 0 || p.mode > 3) return s.error("pad mode " + std::to_string(p.mode) + " is not defined");
  if (p.mode != 0 && x.num_elements() == 0 && y.num_elements() != 0)
    return s.error("reflect, edge and wrap padding need a non-empty source");
  return AIVM_OK;
}

const uint64_t* exec_PAD(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), d = AIVM_FIELD_D(w);
  isa::PadAttrs p = exec_record<isa::PadAttrs>(fr, d);
  const int32_t* rec = exec_tail(fr, d, isa::kAttrWords<isa::PadAttrs>);
  const kernels::Shape& x = fr.shape(b);
  int64_t begin[kernels::kMaxRank];
  for (int k = 0; k < x.rank; ++k) begin[k] = rec[k];
  uint8_t value[8];
  std::memcpy(value, &p.value_lo, 4);
  std::memcpy(value + 4, &p.value_hi, 4);
  kernels::pad(x, fr.shape(a), begin, kernels::PadMode(p.mode), value, elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

aivm_status_t verify_TRILU(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_move(s, in.a, in.b));
  isa::TriluAttrs t;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &t));
  if (t.upper != 0 && t.upper != 1) return s.error("upper must be 0 or 1");
  if (t.k_reg != isa::kNoRegister) {
    if (t.k_reg < 0 || size_t(t.k_reg) >= s.f.registers.size())
      return s.error("k register " + std::to_string(t.k_reg) + " out of range (< " + std::to_string(s.f.registers.size()) + ")");
    const RegisterInfo& k = s.reg(uint32_t(t.k_reg));
    if (k.dtype != DType::I64 || k.shape.num_elements() != 1) return s.error("k register must hold one i64");
  }
  if (s.reg(in.b).shape.rank < 2) return s.error("trilu needs rank >= 2");
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_TRILU(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  isa::TriluAttrs t = exec_record<isa::TriluAttrs>(fr, AIVM_FIELD_D(w));
  int64_t k = t.k;
  if (t.k_reg != isa::kNoRegister) std::memcpy(&k, fr.data[t.k_reg], 8);  // data: the kernel clamps it
  kernels::trilu(fr.shape(b), t.upper != 0, k, elem_size(fr, a), fr.data[b], fr.data[a]);
  return next;
}

}  // namespace aivm::vm
