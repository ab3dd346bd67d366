// aivm ISA: the opcode tables, expanded from opcodes.def.
#include "isa/isa.h"

#include <cstring>

namespace aivm::isa {
namespace {

constexpr OperandKind kind_of(char c) {
  return c == 'R' ? OperandKind::Register
         : c == 'P' ? OperandKind::Attr
         : c == 'I' ? OperandKind::Immediate
         : c == 'J' ? OperandKind::Jump
                    : OperandKind::Unused;
}

#define AIVM_KIND(K) kind_of(#K[0])
constexpr OpInfo kTable[] = {
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) \
  {Opcode::NAME, #NAME, Format::FMT, {AIVM_KIND(KA), AIVM_KIND(KB), AIVM_KIND(KC), AIVM_KIND(KD)}, SEM},
#include "isa/opcodes.def"
#undef AIVM_OP
};
#undef AIVM_KIND

// Mnemonics are the row names in lower case; built once.
struct Mnemonics {
  char names[sizeof(kTable) / sizeof(kTable[0])][16];
  const OpInfo* by_code[256];
  OpInfo rows[sizeof(kTable) / sizeof(kTable[0])];
  Mnemonics() : by_code{} {
    for (size_t i = 0; i < sizeof(kTable) / sizeof(kTable[0]); ++i) {
      rows[i] = kTable[i];
      size_t n = 0;
      for (const char* p = kTable[i].mnemonic; *p && n + 1 < sizeof(names[i]); ++p, ++n)
        names[i][n] = (*p >= 'A' && *p <= 'Z') ? char(*p - 'A' + 'a') : *p;
      names[i][n] = 0;
      rows[i].mnemonic = names[i];
      by_code[uint8_t(rows[i].opcode)] = &rows[i];
    }
  }
};

const Mnemonics& mnemonics() {
  static const Mnemonics m;
  return m;
}

}  // namespace

const OpInfo* op_info(uint8_t code) { return mnemonics().by_code[code]; }

const OpInfo* op_table(size_t* out_count) {
  *out_count = sizeof(kTable) / sizeof(kTable[0]);
  return mnemonics().rows;
}

const OpInfo* op_info_by_mnemonic(const char* name) {
  size_t n;
  const OpInfo* rows = op_table(&n);
  for (size_t i = 0; i < n; ++i)
    if (std::strcmp(rows[i].mnemonic, name) == 0) return &rows[i];
  return nullptr;
}

}  // namespace aivm::isa
