// Field extraction for 64-bit instruction words. Decoding never checks anything: the verifier
// proves the fields before the interpreter reads them with the same macros.
#pragma once

#include <cstdint>

#define AIVM_OPCODE(w) (static_cast<uint8_t>((w) & 0xffu))
#define AIVM_FIELD_A(w) (static_cast<uint32_t>(((w) >> 8) & 0x3fffu))
#define AIVM_FIELD_B(w) (static_cast<uint32_t>(((w) >> 22) & 0x3fffu))
#define AIVM_FIELD_C(w) (static_cast<uint32_t>(((w) >> 36) & 0x3fffu))
#define AIVM_FIELD_D(w) (static_cast<uint32_t>(((w) >> 50) & 0x3fffu))
#define AIVM_FIELD_J(w) (static_cast<uint64_t>((w) >> 22))

#include "isa/isa.h"

namespace aivm::isa {

// Splits a word into fields according to its opcode's format. An unknown opcode decodes as
// format ABCD; callers that care check op_info() first.
inline Instr decode(uint64_t word) {
  Instr in{};
  in.op = static_cast<Opcode>(AIVM_OPCODE(word));
  in.a = AIVM_FIELD_A(word);
  const OpInfo* info = op_info(AIVM_OPCODE(word));
  if (info && info->format == Format::AJ) {
    in.j = AIVM_FIELD_J(word);
  } else {
    in.b = AIVM_FIELD_B(word);
    in.c = AIVM_FIELD_C(word);
    in.d = AIVM_FIELD_D(word);
  }
  return in;
}

inline uint64_t encode(const Instr& in) {
  const OpInfo* info = op_info(uint8_t(in.op));
  if (info && info->format == Format::AJ) return encode_aj(in.op, in.a, in.j);
  return encode_abcd(in.op, in.a, in.b, in.c, in.d);
}

}  // namespace aivm::isa
