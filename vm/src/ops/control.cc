// Control and data movement: nop, halt, jmp, jmpz, mov, and the loop family: loop (the only
// backward jump), trap (a run-time failure) and store_at (a scan output's slice at a run-time
// index).
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
  // A reshape whose result has one inferred dim (Flatten, Reshape [N, -1]): from the count.
  if (unknown_shape(s, in.a) && !unknown_shape(s, in.b))
    AIVM_RETURN_IF_ERROR(bind_by_count(s, in.a, s.reg(in.b).shape.num_elements()));
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

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

namespace aivm::vm {

// The termination rule's structural half (nesting, who writes the counter) needs the whole
// function and lives in verifier.cc; this is the counter's own contract.
aivm_status_t verify_LOOP(const Site& s, const isa::Instr& in) {
  const RegisterInfo& c = s.reg(in.a);
  if (c.dtype != DType::I64 || c.bytes != sizeof(int64_t) || c.is_constant)
    return s.error("counter r" + std::to_string(in.a) + " must be a one-element i64 arena register");
  return AIVM_OK;
}

const uint64_t* exec_LOOP(const Frame& fr, uint64_t w, const uint64_t* next) {
  int64_t* counter = reinterpret_cast<int64_t*>(fr.data[AIVM_FIELD_A(w)]);
  if (*counter <= 1) {  // done; a hostile INT64_MIN must not be decremented (overflow)
    *counter = 0;
    return next;
  }
  --*counter;
  if (fr.run->loop_budget-- <= 0) {
    fr.run->error = make_status(AIVM_STATUS_RESOURCE_EXHAUSTED,
                                "the run took more loop iterations than the session allows (max_loop_iterations)");
    return nullptr;
  }
  return fr.f->code + AIVM_FIELD_J(w);  // ok because verified: J <= pc
}

aivm_status_t verify_TRAP(const Site& s, const isa::Instr& in) {
  if (in.d >= uint32_t(isa::TrapKind::kCount)) return s.error("trap kind " + std::to_string(in.d) + " is not defined");
  return AIVM_OK;
}

const uint64_t* exec_TRAP(const Frame& fr, uint64_t w, const uint64_t*) {
  switch (isa::TrapKind(AIVM_FIELD_D(w))) {
    case isa::TrapKind::LoopEndedEarly:
    case isa::TrapKind::kCount:  // not reached: verified
      fr.run->error = make_status(AIVM_STATUS_OUT_OF_RANGE,
                                  "a loop with scan outputs stopped before its trip count (its condition "
                                  "became false); the outputs were compiled with a static extent");
      break;
  }
  return nullptr;
}

aivm_status_t verify_STORE_AT(const Site& s, const isa::Instr& in) {
  AIVM_RETURN_IF_ERROR(require_writable(s, in.a));
  const RegisterInfo &a = s.reg(in.a), &b = s.reg(in.b), &c = s.reg(in.c);
  if (a.dtype != b.dtype) return s.error("destination and source differ in dtype");
  if ((c.dtype != DType::I64 && c.dtype != DType::I32) || c.bytes != dtype_size(c.dtype))
    return s.error("index r" + std::to_string(in.c) + " must hold one i32 or i64");
  Dims slice = dims_of(b), whole = dims_of(a);
  if (in.d > slice.size() || whole.size() != slice.size() + 1)
    return s.error("axis " + std::to_string(in.d) + " does not insert one axis into " + dims_str(slice));
  Dims expected = slice;
  expected.insert(expected.begin() + in.d, whole[in.d]);
  return require_shape(s, in.a, expected);
}

const uint64_t* exec_STORE_AT(const Frame& fr, uint64_t w, const uint64_t* next) {
  uint32_t a = AIVM_FIELD_A(w), b = AIVM_FIELD_B(w), c = AIVM_FIELD_C(w), axis = AIVM_FIELD_D(w);
  const RegisterInfo& ri = fr.f->registers[c];
  int64_t index;
  if (ri.dtype == DType::I64) {
    std::memcpy(&index, fr.data[c], sizeof index);
  } else {
    int32_t i32;
    std::memcpy(&i32, fr.data[c], sizeof i32);
    index = i32;
  }
  const kernels::Shape& whole = fr.shape(a);
  int64_t n = whole.dims[axis];
  if (index < 0 || index >= n) {
    fr.run->error = make_status(AIVM_STATUS_OUT_OF_RANGE, "store_at: index %lld outside [0, %lld) on axis %u",
                                (long long)index, (long long)n, axis);
    return nullptr;
  }
  // The slice is |outer| runs of |inner| bytes; run o lands at A's row (o, index).
  uint64_t outer = 1;
  for (uint32_t k = 0; k < axis; ++k) outer *= uint64_t(whole.dims[k]);
  uint64_t inner = fr.f->registers[b].bytes / (outer ? outer : 1);
  for (uint64_t o = 0; o < outer && inner; ++o)
    std::memcpy(fr.data[a] + (o * uint64_t(n) + uint64_t(index)) * inner, fr.data[b] + o * inner, inner);
  return next;
}

}  // namespace aivm::vm
