// The interpreter's dispatch loop. One function, one case per opcode; every case is a short
// call into vm/src/ops.cc. With AIVM_USE_COMPUTED_GOTO the cases are labels reached through a
// 256-entry table (threaded code); otherwise the same body compiles as a switch.
#include "vm/src/interp.h"

#include <array>

#include "isa/decode.h"

namespace aivm::vm {

#if defined(AIVM_USE_COMPUTED_GOTO) && defined(__GNUC__)
#define AIVM_COMPUTED_GOTO_ACTIVE 1
#endif

void execute(const Frame& fr) {
  const uint64_t* code = fr.f->code;
  const uint64_t* ip = code;
  uint64_t w;

#ifdef AIVM_COMPUTED_GOTO_ACTIVE
  // Labels in table order, slot 0 for reserved opcode numbers (which the verifier guarantees
  // never run). kSlot maps an opcode byte to its label slot.
  static void* const kLabels[] = {
      &&op_unhandled,
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) &&op_##NAME,
#include "isa/opcodes.def"
#undef AIVM_OP
  };
  static constexpr auto kSlot = [] {
    std::array<uint8_t, 256> slot{};
    uint8_t next = 1;
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) slot[CODE] = next++;
#include "isa/opcodes.def"
#undef AIVM_OP
    return slot;
  }();
#define vmdispatch(x) goto* kLabels[kSlot[x]];
#define vmcase(NAME) op_##NAME:
#define vmbreak      \
  w = *ip++;         \
  goto* kLabels[kSlot[AIVM_OPCODE(w)]]
#else
#define vmdispatch(x) switch (x)
#define vmcase(NAME) case uint8_t(isa::Opcode::NAME):
#define vmbreak goto next
#endif

#define A AIVM_FIELD_A(w)
#define B AIVM_FIELD_B(w)
#define C AIVM_FIELD_C(w)
#define D AIVM_FIELD_D(w)

#ifndef AIVM_COMPUTED_GOTO_ACTIVE
next:
#endif
  w = *ip++;
  vmdispatch(AIVM_OPCODE(w)) {
    vmcase(NOP) { vmbreak; }
    vmcase(HALT) { return; }
    vmcase(JMP) {
      ip = code + AIVM_FIELD_J(w);  // ok because verified: target < code size
      vmbreak;
    }
    vmcase(JMPZ) {
      if (op_is_zero(fr, A)) ip = code + AIVM_FIELD_J(w);
      vmbreak;
    }
    vmcase(MOV) {
      op_mov(fr, A, B);
      vmbreak;
    }
    vmcase(RELU) vmcase(SIGMOID) vmcase(TANH) vmcase(EXP) vmcase(NEG) {
      op_unary(fr, isa::Opcode(AIVM_OPCODE(w)), A, B);
      vmbreak;
    }
    vmcase(ADD) vmcase(SUB) vmcase(MUL) vmcase(DIV) {
      op_binary(fr, isa::Opcode(AIVM_OPCODE(w)), A, B, C);
      vmbreak;
    }
    vmcase(SOFTMAX) {
      op_softmax(fr, A, B, D);
      vmbreak;
    }
    vmcase(MATMUL) {
      op_matmul(fr, A, B, C);
      vmbreak;
    }
    vmcase(GEMM) {
      op_gemm(fr, A, B, C, D);
      vmbreak;
    }
    vmcase(CONV) {
      op_conv(fr, A, B, C, D);
      vmbreak;
    }
    vmcase(MAXPOOL) {
      op_maxpool(fr, A, B, D);
      vmbreak;
    }
#ifdef AIVM_COMPUTED_GOTO_ACTIVE
  op_unhandled:
#else
    default:
#endif
      return;  // unreachable once verified; leaving is the safe answer
  }
#undef A
#undef B
#undef C
#undef D
}

}  // namespace aivm::vm
