// Bytecode verifier: generic operand rules from the opcode table, then one rule per opcode.
#include "vm/src/verifier.h"

#include <string>
#include <vector>

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
        // Control only moves forward except at a LOOP's back edge (see check_loops).
        if (info.opcode == isa::Opcode::LOOP ? v > s.pc : v <= s.pc)
          return s.error("jump target " + std::to_string(v) + (info.opcode == isa::Opcode::LOOP
                                                                  ? " of a loop is after the loop instruction"
                                                                  : " is not after the jump (only loop jumps back)"));
        break;
      case isa::OperandKind::Immediate:
        break;  // range is the opcode rule's business
    }
  }
  (void)word;
  return AIVM_OK;
}

//===----------------------------------------------------------------------===//
// Loops: the termination rule (docs/design.md, "Loops")
//===----------------------------------------------------------------------===//

struct LoopSpan {
  size_t head, latch;  // body = code[head .. latch], the LOOP at latch
  uint32_t counter;
};

bool overlaps(const RegisterInfo& x, const RegisterInfo& y) {
  if (x.is_constant || y.is_constant || !x.bytes || !y.bytes) return false;
  return x.arena_offset < y.arena_offset + y.bytes && y.arena_offset < x.arena_offset + x.bytes;
}

// Instructions whose field A is a register they write (JMPZ only reads its A).
bool writes_field_a(const isa::OpInfo& info) {
  return info.kinds[0] == isa::OperandKind::Register && info.opcode != isa::Opcode::JMPZ;
}

// With every other jump forward, a run can only repeat code through LOOP back edges. Bodies
// nest properly, and nothing in a body but its own LOOP writes the counter, so each back edge
// strictly decrements a counter that the body cannot reset: the loop ends. The run's loop
// budget (exec_LOOP) then bounds the total work, counters near 2^63 included.
aivm_status_t check_loops(const Function& f, size_t index) {
  std::vector<LoopSpan> loops;
  for (size_t pc = 0; pc < f.code_size; ++pc) {
    isa::Instr in = isa::decode(f.code[pc]);
    if (in.op == isa::Opcode::LOOP) loops.push_back({size_t(in.j), pc, in.a});
  }
  for (size_t i = 0; i < loops.size(); ++i) {
    const LoopSpan& l = loops[i];
    for (size_t k = 0; k < i; ++k) {
      const LoopSpan& o = loops[k];  // o.latch < l.latch
      if (o.latch >= l.head && o.head < l.head)
        return make_status(AIVM_STATUS_INVALID_BUNDLE,
                           "functions[%zu].code[%zu] (loop): body [%zu, %zu] overlaps the loop at %zu without nesting",
                           index, l.latch, l.head, l.latch, o.latch);
    }
    const RegisterInfo& counter = f.registers[l.counter];
    for (size_t pc = l.head; pc < l.latch; ++pc) {
      uint64_t w = f.code[pc];
      const isa::OpInfo* info = isa::op_info(AIVM_OPCODE(w));
      if (!writes_field_a(*info)) continue;
      uint32_t dst = AIVM_FIELD_A(w);
      if (dst == l.counter || overlaps(f.registers[dst], counter))
        return make_status(AIVM_STATUS_INVALID_BUNDLE,
                           "functions[%zu].code[%zu] (%s): writes r%u, which holds the counter r%u of the loop at %zu",
                           index, pc, info->mnemonic, dst, l.counter, l.latch);
    }
  }
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
  AIVM_RETURN_IF_ERROR(check_loops(f, index));
  // The interpreter has no end-of-code check: the last instruction must leave the function or jump.
  isa::Opcode last = isa::Opcode(AIVM_OPCODE(f.code[f.code_size - 1]));
  if (last != isa::Opcode::HALT && last != isa::Opcode::JMP && last != isa::Opcode::TRAP)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu]: control can fall off the end (last op is not halt, jmp or trap)",
                       index);
  return AIVM_OK;
}

}  // namespace aivm::vm
