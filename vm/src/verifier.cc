// Bytecode verifier: generic operand rules from the opcode table, then one rule per opcode.
#include "vm/src/verifier.h"

#include <string>

#include "vm/src/op_handlers.h"
#include "vm/src/verify_util.h"

namespace aivm::vm {
namespace {

// One rule per opcode, from the table: vm/src/ops/*.cc define verify_NAME.
aivm_status_t verify_op(const Site& s, const isa::Instr& in) {
  switch (in.op) {
#define AIVM_OP(NAME, CODE, FMT, KA, KB, KC, KD, SEM) \
  case isa::Opcode::NAME:                            \
    return verify_##NAME(s, in);
#include "isa/opcodes.def"
#undef AIVM_OP
  }
  return s.error("opcode has no verifier rule");  // unreachable: op_info() was checked first
}

// Checks each field against its operand kind from the opcode table.
aivm_status_t verify_operands(const Site& s, const isa::OpInfo& info, uint64_t word, const isa::Instr& in) {
  static const char* kFieldNames[] = {"A", "B", "C", "D"};
  uint32_t fields[4] = {in.a, in.b, in.c, in.d};
  int nfields = info.format == isa::Format::AJ ? 2 : 4;
  for (int i = 0; i < nfields; ++i) {
    isa::OperandKind kind = info.kinds[i];
    uint64_t v = (info.format == isa::Format::AJ && i == 1) ? in.j : fields[i];
    std::string field = kFieldNames[i];
    switch (kind) {
      case isa::OperandKind::Unused:
        if (v != 0) return s.error("unused field " + field + " must be zero, is " + std::to_string(v));
        break;
      case isa::OperandKind::Register:
        if (v >= s.f.registers.size())
          return s.error("register " + field + "=r" + std::to_string(v) + " out of range (< " +
                         std::to_string(s.f.registers.size()) + ")");
        break;
      case isa::OperandKind::Attr:
        if (v + 1 >= s.f.attr_begin.size())
          return s.error("attribute record " + field + "=@" + std::to_string(v) + " out of range (< " +
                         std::to_string(s.f.attr_begin.size() - 1) + ")");
        break;
      case isa::OperandKind::Jump:
        if (v >= s.f.code_size)
          return s.error("jump target " + std::to_string(v) + " out of range (< " + std::to_string(s.f.code_size) + ")");
        // Until loops arrive (with a trip-count bound), control only moves forward, so every
        // verified function terminates: a hostile bundle cannot hang the caller.
        if (v <= s.pc)
          return s.error("jump target " + std::to_string(v) + " is not after the jump (backward jumps are not allowed)");
        break;
      case isa::OperandKind::Immediate:
        break;  // range is the opcode rule's business
    }
  }
  (void)word;
  return AIVM_OK;
}

}  // namespace

aivm_status_t verify_function(const Function& f, size_t index) {
  if (f.code_size == 0)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu] has no instructions", index);
  for (size_t pc = 0; pc < f.code_size; ++pc) {
    uint64_t word = f.code[pc];
    const isa::OpInfo* info = isa::op_info(AIVM_OPCODE(word));
    if (!info)
      return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu].code[%zu]: undefined opcode 0x%02x", index, pc,
                         unsigned(AIVM_OPCODE(word)));
    Site site{f, index, pc, info->mnemonic};
    isa::Instr in = isa::decode(word);
    AIVM_RETURN_IF_ERROR(verify_operands(site, *info, word, in));
    AIVM_RETURN_IF_ERROR(verify_op(site, in));
  }
  // The interpreter has no end-of-code check: the last instruction must leave the function or jump.
  isa::Opcode last = isa::Opcode(AIVM_OPCODE(f.code[f.code_size - 1]));
  if (last != isa::Opcode::HALT && last != isa::Opcode::JMP)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu]: control can fall off the end (last op is not halt or jmp)",
                       index);
  return AIVM_OK;
}

}  // namespace aivm::vm
