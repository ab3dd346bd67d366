// The interpreter's dispatch loop. One case per opcode, expanded from isa/opcodes.def; each
// calls its handler (vm/src/ops/*.cc), which returns the next instruction pointer or nullptr
// to leave (HALT, or a run-time error recorded in the frame's run state). With AIVM_USE_COMPUTED_GOTO the cases are labels reached through a table
// (threaded code); otherwise the same body compiles as a switch.
#include "vm/src/interp.h"

#include <array>

#include "isa/decode.h"

namespace aivm::vm {

#if defined(AIVM_USE_COMPUTED_GOTO) && defined(__GNUC__)
#define AIVM_COMPUTED_GOTO_ACTIVE 1
#endif

aivm_status_t execute(const Frame& fr) {
  const uint64_t* ip = fr.f->code;
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
#define vmbreak \
  w = *ip++;    \
  goto* kLabels[kSlot[AIVM_OPCODE(w)]]
#define vmdefault op_unhandled:
#else
#define vmdispatch(x) switch (x)
#define vmcase(NAME) case uint8_t(isa::Opcode::NAME):
#define vmbreak goto next
#define vmdefault default:
next:
#endif

  w = *ip++;
  vmdispatch(AIVM_OPCODE(w)) {
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) \
  vmcase(NAME) {                                     \
    ip = exec_##NAME(fr, w, ip);                     \
    if (!ip) return fr.run->error;                   \
    vmbreak;                                         \
  }
#include "isa/opcodes.def"
#undef AIVM_OP
    vmdefault return fr.run->error;  // unreachable once verified; leaving is the safe answer
  }
}

}  // namespace aivm::vm
