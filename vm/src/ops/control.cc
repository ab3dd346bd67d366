// Control and data movement: nop, halt, jmp, jmpz, mov.
#include <cstring>

#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {

aivm_status_t verify_NOP(const Site&, const isa::Instr&) { return AIVM_OK; }
const uint64_t* exec_NOP(const Frame&, uint64_t, const uint64_t* next) { return next; }

aivm_status_t verify_HALT(const Site&, const isa::Instr&) { return AIVM_OK; }
const uint64_t* exec_HALT(const Frame&, uint64_t, const uint64_t*) { return nullptr; }

aivm_status_t verify_JMP(const Site&, const isa::Instr&) { return AIVM_OK; }  // target checked by operand kind
const uint64_t* exec_JMP(const Frame& fr, uint64_t w, const uint64_t*) {
  return fr.f->code + AIVM_FIELD_J(w);  // ok because verified: target < code size
}

aivm_status_t verify_JMPZ(const Site& s, const isa::Instr& in) {
  if (s.reg(in.a).bytes == 0) return s.error("condition r" + std::to_string(in.a) + " is empty");
  return AIVM_OK;
}

// Zero iff the first element is zero, whatever the dtype (-0.0f counts as zero too).
const uint64_t* exec_JMPZ(const Frame& fr, uint64_t w, const uint64_t* next) {
  const RegisterInfo& r = fr.f->registers[AIVM_FIELD_A(w)];
  const uint8_t* p = fr.data[AIVM_FIELD_A(w)];
  bool zero = true;
  if (r.dtype == DType::F32) {
    float v;
    std::memcpy(&v, p, 4);
    zero = v == 0.f;
  } else {
    for (size_t i = 0; i < dtype_size(r.dtype); ++i) zero = zero && p[i] == 0;
  }
  return zero ? fr.f->code + AIVM_FIELD_J(w) : next;
}

aivm_status_t verify_MOV(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  if (s.reg(in.a).dtype != s.reg(in.b).dtype || s.reg(in.a).bytes != s.reg(in.b).bytes)
    return s.error("source r" + std::to_string(in.b) + " and destination r" + std::to_string(in.a) +
                   " differ in dtype or size");
  return AIVM_OK;
}

const uint64_t* exec_MOV(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w);
  // Empty tensors may sit at a null arena (a function whose arena is empty).
  if (fr.data[a] != fr.data[b] && fr.f->registers[a].bytes) std::memmove(fr.data[a], fr.data[b], fr.f->registers[a].bytes);
  return next;
}

}  // namespace aivm::vm
