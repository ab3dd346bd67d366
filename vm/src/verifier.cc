// Bytecode verifier: generic operand rules from the opcode table, then one rule per opcode.
#include "vm/src/verifier.h"

#include <algorithm>
#include <map>
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

// Instructions whose field A is a register they write (JMPZ only reads its A).
bool writes_field_a(const isa::OpInfo& info) {
  return info.kinds[0] == isa::OperandKind::Register && info.opcode != isa::Opcode::JMPZ;
}

// Bodies must be disjoint or nested. Sorted by head (outer first on a tie), a body that starts
// inside the innermost open one must also end inside it. O(L log L).
aivm_status_t check_nesting(std::vector<LoopSpan> loops, size_t index) {
  std::sort(loops.begin(), loops.end(), [](const LoopSpan& a, const LoopSpan& b) {
    return a.head != b.head ? a.head < b.head : a.latch > b.latch;
  });
  std::vector<const LoopSpan*> open;
  for (const LoopSpan& l : loops) {
    while (!open.empty() && open.back()->latch < l.head) open.pop_back();
    if (!open.empty() && open.back()->latch < l.latch)
      return make_status(AIVM_STATUS_INVALID_BUNDLE,
                         "functions[%zu].code[%zu] (loop): body [%zu, %zu] overlaps the loop at %zu without nesting",
                         index, l.latch, l.head, l.latch, open.back()->latch);
    open.push_back(&l);
  }
  return AIVM_OK;
}

// With every other jump forward, a run can only repeat code through LOOP back edges. Bodies
// nest properly, and nothing in a body but its own LOOP writes the counter, so each back edge
// strictly decrements a counter that the body cannot reset: the loop ends. The run's loop
// budget (exec_LOOP) then bounds the total work, counters near 2^63 included.
//
// One sweep over the code keeps the counters of the loops whose bodies contain pc, by arena
// offset, so a hostile bundle of many deeply nested loops costs O(n log n), not O(n^2).
aivm_status_t check_loops(const Function& f, size_t index) {
  std::vector<LoopSpan> loops;
  for (size_t pc = 0; pc < f.code_size; ++pc)
    if (AIVM_OPCODE(f.code[pc]) == uint8_t(isa::Opcode::LOOP))
      loops.push_back({size_t(AIVM_FIELD_J(f.code[pc])), pc, AIVM_FIELD_A(f.code[pc])});
  if (loops.empty()) return AIVM_OK;
  AIVM_RETURN_IF_ERROR(check_nesting(loops, index));
  std::vector<size_t> by_head(loops.size());
  for (size_t i = 0; i < loops.size(); ++i) by_head[i] = i;
  std::sort(by_head.begin(), by_head.end(), [&](size_t a, size_t b) { return loops[a].head < loops[b].head; });
  std::multimap<uint64_t, size_t> active;  // counter's arena offset -> loop (counters are 8 bytes)
  std::vector<std::multimap<uint64_t, size_t>::iterator> where(loops.size());
  size_t next = 0, done = 0;  // loops entered (by head), loops left (loops[] is in latch order)
  for (size_t pc = 0; pc < f.code_size; ++pc) {
    for (; next < by_head.size() && loops[by_head[next]].head == pc; ++next)
      where[by_head[next]] = active.emplace(f.registers[loops[by_head[next]].counter].arena_offset, by_head[next]);
    uint64_t w = f.code[pc];
    const isa::OpInfo* info = isa::op_info(AIVM_OPCODE(w));
    const RegisterInfo* dst = writes_field_a(*info) ? &f.registers[AIVM_FIELD_A(w)] : nullptr;
    if (!active.empty() && dst && !dst->is_constant && dst->bytes) {
      // Counters whose 8 bytes meet [offset, offset + bytes), other than this LOOP's own.
      uint64_t lo = dst->arena_offset >= 7 ? dst->arena_offset - 7 : 0;
      for (auto it = active.lower_bound(lo); it != active.end() && it->first < dst->arena_offset + dst->bytes; ++it) {
        const LoopSpan& l = loops[it->second];
        if (l.latch == pc) continue;  // a LOOP decrements its own counter
        return make_status(AIVM_STATUS_INVALID_BUNDLE,
                           "functions[%zu].code[%zu] (%s): writes r%u, which holds the counter r%u of the loop at %zu",
                           index, pc, info->mnemonic, AIVM_FIELD_A(w), l.counter, l.latch);
      }
    }
    if (done < loops.size() && loops[done].latch == pc) active.erase(where[done++]);
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
