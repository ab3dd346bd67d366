// Every opcode's two halves, declared from the one table (isa/opcodes.def):
//
//   verify_NAME  proves at load time what exec_NAME relies on (dtypes, shapes, records, ...);
//   exec_NAME    runs one verified instruction and returns the next instruction pointer
//                (nullptr to leave the function). It never re-checks what verify_NAME proved.
//
// Handlers live with their family in vm/src/ops/*.cc. Adding an opcode means a row in
// opcodes.def and these two functions; the interpreter and verifier pick them up.
#pragma once

#include <cstdint>
#include <cstring>

#include "aivm.h"
#include "isa/attrs.h"
#include "isa/decode.h"
#include "kernels/common.h"
#include "vm/src/program.h"

namespace aivm::vm {

struct Site;

// What one run may change besides register data: the loop budget LOOP spends, and the error
// a handler that fails at run time leaves (it then returns nullptr to leave the function).
struct RunState {
  int64_t loop_budget = 0;           // back edges left for this run
  aivm_status_t error = nullptr;     // set at most once, by the failing handler
};

// What a handler sees: the function (register table, attributes), the per-register data
// pointers of the running session, the intra-op thread pool (may be null) and the run state.
struct Frame {
  const Function* f;
  uint8_t* const* data;
  kernels::ThreadPool* pool;
  RunState* run;

  float* f32(uint32_t r) const { return reinterpret_cast<float*>(data[r]); }
  const kernels::Shape& shape(uint32_t r) const { return f->registers[r].shape; }
};

// Attribute record |index| as layout T (ok because verified: the length matches T).
template <typename T>
inline T exec_record(const Frame& fr, uint32_t index) {
  T out;
  std::memcpy(&out, fr.f->record(index), sizeof(T));
  return out;
}

inline kernels::Activation kernel_activation(const isa::ActivationAttrs& a) {
  return {isa::Activation(a.kind), isa::bits_float(a.p0_bits), isa::bits_float(a.p1_bits)};
}

// Load-time work after verification: packs each CONV's constant weights for this CPU and f's
// shapes into buffers appended to |storage|, and points f->prepared at them; an instruction
// whose prepared weights already have the layout its shapes need keeps them (a dynamic
// function's later specialisations share the first one's) (vm/src/ops/window.cc).
void prepare_conv_weights(Function* f, std::vector<std::vector<float>>* storage);

#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM)                   \
  aivm_status_t verify_##NAME(const Site& site, const isa::Instr& in); \
  const uint64_t* exec_##NAME(const Frame& fr, uint64_t w, const uint64_t* next);
#include "isa/opcodes.def"
#undef AIVM_OP

}  // namespace aivm::vm
