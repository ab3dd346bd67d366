// Elementwise families (opcodes.def *3, *E1..*E3, *E7): unary, activation, clip, broadcasting
// binary and the n-ary fold. Which dtypes a kind takes is the kernels' *_supports() rule, the
// same one the compiler applies, so a bundle aivmc accepts always verifies.
#include "kernels/elementwise/elementwise.h"
#include "vm/src/ops/elementwise_verify.h"

namespace aivm::vm {

//===----------------------------------------------------------------------===//
// UNARY A, B, _, #kind
//===----------------------------------------------------------------------===//

aivm_status_t verify_UNARY(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_kind(s, in.d, int32_t(isa::UnaryKind::kCount), isa::unary_kind_name, "unary"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.b, "B", in.a, "A"));
  DType t = s.reg(in.a).dtype;
  if (!kernels::unary_supports(isa::UnaryKind(in.d), t))
    return unsupported_dtype(s, isa::unary_kind_name(int32_t(in.d)), t);
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_UNARY(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::unary(isa::UnaryKind(AIVM_FIELD_D(w)), fr.f->registers[a].dtype, fr.shape(b).num_elements(), fr.data[b],
                 fr.data[a], fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// ACT A, B, _, @rec (isa::ActivationAttrs)
//===----------------------------------------------------------------------===//

aivm_status_t verify_ACT(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_f32(s, in.b, "B"));
  isa::ActivationAttrs act;
  AIVM_RETURN_IF_ERROR(read_record(s, in.d, &act));
  AIVM_RETURN_IF_ERROR(check_activation(s, act));
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_ACT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  auto act = exec_record<isa::ActivationAttrs>(fr, AIVM_FIELD_D(w));
  kernels::activation_f32(kernel_activation(act), fr.shape(b).num_elements(), fr.f32(b), fr.f32(a), fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// CLIP A, B, C(lo), D(hi)
//===----------------------------------------------------------------------===//

aivm_status_t verify_CLIP(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.b, "B", in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.c, "C", in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.d, "D", in.a, "A"));
  if (!kernels::clip_supports(s.reg(in.a).dtype)) return unsupported_dtype(s, "clip", s.reg(in.a).dtype);
  for (auto [r, name] : {std::pair{in.c, "C"}, {in.d, "D"}})
    if (s.reg(r).shape.num_elements() != 1)
      return s.error(std::string("bound ") + name + "=r" + std::to_string(r) + " has shape " +
                     dims_str(dims_of(s.reg(r))) + ", expected one element");
  return require_shape(s, in.a, dims_of(s.reg(in.b)));
}

const uint64_t* exec_CLIP(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  kernels::clip(fr.f->registers[a].dtype, fr.shape(b).num_elements(), fr.data[b], fr.data[AIVM_FIELD_C(w)],
                fr.data[AIVM_FIELD_D(w)], fr.data[a], fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// BINARY A, B, C, #kind
//===----------------------------------------------------------------------===//

aivm_status_t verify_BINARY(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  AIVM_RETURN_IF_ERROR(require_kind(s, in.d, int32_t(isa::BinaryKind::kCount), isa::binary_kind_name, "binary"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.b, "B", in.a, "A"));
  AIVM_RETURN_IF_ERROR(require_same_dtype(s, in.c, "C", in.a, "A"));
  DType t = s.reg(in.a).dtype;
  if (!kernels::binary_supports(isa::BinaryKind(in.d), t))
    return unsupported_dtype(s, isa::binary_kind_name(int32_t(in.d)), t);
  return require_broadcast(s, in.a, {in.b, in.c});
}

const uint64_t* exec_BINARY(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w);
  kernels::binary(isa::BinaryKind(AIVM_FIELD_D(w)), fr.f->registers[a].dtype, fr.shape(a), fr.shape(b), fr.data[b],
                  fr.shape(c), fr.data[c], fr.data[a], fr.pool);
  return next;
}

//===----------------------------------------------------------------------===//
// NARY A, _, _, @rec (isa::NaryAttrs, then the operand registers)
//===----------------------------------------------------------------------===//

aivm_status_t verify_NARY(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  uint32_t words = s.f.record_size(in.d);
  if (words < 3 || words > 1 + uint32_t(isa::kMaxNaryInputs))
    return s.error("record @" + std::to_string(in.d) + " has " + std::to_string(words) + " words, expected [kind, r_1.." +
                   "r_n] with 2 <= n <= " + std::to_string(isa::kMaxNaryInputs));
  const int32_t* rec = s.f.record(in.d);
  AIVM_RETURN_IF_ERROR(require_kind(s, uint32_t(rec[0]), int32_t(isa::NaryKind::kCount), isa::nary_kind_name, "nary"));
  DType t = s.reg(in.a).dtype;
  if (!kernels::nary_supports(isa::NaryKind(rec[0]), t)) return unsupported_dtype(s, isa::nary_kind_name(rec[0]), t);
  std::vector<uint32_t> regs;
  for (uint32_t i = 1; i < words; ++i) {
    if (rec[i] < 0 || size_t(rec[i]) >= s.f.registers.size())
      return s.error("record @" + std::to_string(in.d) + " operand " + std::to_string(i - 1) + " register " +
                     std::to_string(rec[i]) + " out of range (< " + std::to_string(s.f.registers.size()) + ")");
    AIVM_RETURN_IF_ERROR(require_same_dtype(s, uint32_t(rec[i]), "operand", in.a, "A"));
    regs.push_back(uint32_t(rec[i]));
  }
  return require_broadcast(s, in.a, regs);
}

const uint64_t* exec_NARY(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), index = AIVM_FIELD_D(w);
  const int32_t* rec = fr.f->record(index);
  int n = int(fr.f->record_size(index)) - 1;  // ok because verified: 2 <= n <= kMaxNaryInputs
  kernels::Shape shapes[isa::kMaxNaryInputs];
  const void* data[isa::kMaxNaryInputs];
  for (int i = 0; i < n; ++i) {
    shapes[i] = fr.shape(uint32_t(rec[i + 1]));
    data[i] = fr.data[rec[i + 1]];
  }
  kernels::nary(isa::NaryKind(rec[0]), fr.f->registers[a].dtype, fr.shape(a), n, shapes, data, fr.data[a], fr.pool);
  return next;
}

}  // namespace aivm::vm
