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

// Opcode defined and operand fields valid for their kinds, at |pc|; fills |site_info|.
aivm_status_t verify_word(const Function& f, size_t index, size_t pc, const isa::OpInfo** out_info, isa::Instr* out) {
  uint64_t word = f.code[pc];
  const isa::OpInfo* info = isa::op_info(AIVM_OPCODE(word));
  if (!info)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu].code[%zu]: undefined opcode 0x%02x", index, pc,
                       unsigned(AIVM_OPCODE(word)));
  *out_info = info;
  *out = isa::decode(word);
  return verify_operands(Site{f, index, pc, info->mnemonic}, *info, word, *out);
}

aivm_status_t verify_ending(const Function& f, size_t index) {
  if (f.code_size == 0) return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu] has no instructions", index);
  // The interpreter has no end-of-code check: the last instruction must leave the function or jump.
  isa::Opcode last = isa::Opcode(AIVM_OPCODE(f.code[f.code_size - 1]));
  if (last != isa::Opcode::HALT && last != isa::Opcode::JMP && last != isa::Opcode::TRAP)
    return make_status(AIVM_STATUS_INVALID_BUNDLE, "functions[%zu]: control can fall off the end (last op is not halt, jmp or trap)",
                       index);
  return AIVM_OK;
}

bool checked_bytes(DType dtype, const Dims& dims, uint64_t* bytes) {
  uint64_t n = dtype_size(dtype);
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > (uint64_t(1) << 48) / uint64_t(d))) return false;
    n *= uint64_t(d);
  }
  *bytes = n;
  return true;
}

}  // namespace

//===----------------------------------------------------------------------===//
// Shape inference for specialisation (verify_util.h Inference)
//===----------------------------------------------------------------------===//

aivm_status_t bind_shape(const Site& s, uint32_t r, const Dims& expected) {
  RegisterInfo& reg = (*s.infer->regs)[r];
  uint8_t unknown = s.infer->unknown[r];
  bool fits = expected.size() == size_t(reg.shape.rank);
  for (size_t k = 0; fits && k < expected.size(); ++k)
    fits = expected[k] >= 0 && ((unknown >> k & 1) || expected[k] == reg.shape.dims[k]);
  uint64_t bytes = 0;
  if (!fits || !checked_bytes(reg.dtype, expected, &bytes)) {
    Dims partial = dims_of(reg);
    std::string shown = "[";
    for (size_t k = 0; k < partial.size(); ++k) shown += (k ? "," : "") + ((unknown >> k & 1) ? std::string("?") : std::to_string(partial[k]));
    return s.error("r" + std::to_string(r) + " has shape " + shown + "], the op gives " + dims_str(expected));
  }
  for (size_t k = 0; k < expected.size(); ++k) reg.shape.dims[k] = expected[k];
  reg.bytes = bytes;
  s.infer->unknown[r] = 0;
  return AIVM_OK;
}

aivm_status_t bind_by_count(const Site& s, uint32_t r, int64_t count) {
  const RegisterInfo& reg = s.reg(r);
  uint8_t unknown = s.infer->unknown[r];
  int64_t known = 1;
  int axis = -1;
  for (int k = 0; k < reg.shape.rank; ++k) {
    if (unknown >> k & 1) {
      if (axis >= 0) return s.error("r" + std::to_string(r) + " has more than one inferred dim: its shape cannot follow from an element count");
      axis = k;
    } else if (__builtin_mul_overflow(known, reg.shape.dims[k], &known)) {
      return s.error("r" + std::to_string(r) + "'s element count overflows");
    }
  }
  if (known <= 0 || count % known != 0)
    return s.error("r" + std::to_string(r) + ": " + std::to_string(count) + " elements do not fill its static dims");
  Dims d = dims_of(reg);
  d[size_t(axis)] = count / known;
  return bind_shape(s, r, d);
}

aivm_status_t infer_function_shapes(Function* f, Inference* infer) {
  AIVM_RETURN_IF_ERROR(verify_ending(*f, 0));
  for (size_t pc = 0; pc < f->code_size; ++pc) {
    const isa::OpInfo* info = nullptr;
    isa::Instr in;
    AIVM_RETURN_IF_ERROR(verify_word(*f, 0, pc, &info, &in));
    Site site{*f, 0, pc, info->mnemonic, infer};
    aivm_status_t st = verify_op(site, in);
    if (st == AIVM_OK) continue;
    // Say which shape inference could not find, when an operand's shape was still unknown.
    uint32_t fields[4] = {in.a, in.b, in.c, in.d};
    for (int i = 0; i < (info->format == isa::Format::AJ ? 1 : 4); ++i) {
      if (info->kinds[i] != isa::OperandKind::Register || !infer->unknown[fields[i]]) continue;
      std::string msg = aivm_status_message(st);
      aivm_status_free(st);
      return make_status(AIVM_STATUS_INVALID_BUNDLE, "%s (r%u's shape depends on the input shapes and could not be inferred here)",
                         msg.c_str(), fields[i]);
    }
    return st;
  }
  for (size_t r = 0; r < infer->unknown.size(); ++r)
    if (infer->unknown[r])
      return make_status(AIVM_STATUS_INVALID_BUNDLE,
                         "functions[0].registers[%zu]: no instruction determines its shape at these input shapes", r);
  return AIVM_OK;
}

// Every word's opcode and operands; with |rules|, each opcode's rule too.
static aivm_status_t verify_words(const Function& f, size_t index, bool rules) {
  AIVM_RETURN_IF_ERROR(verify_ending(f, index));
  for (size_t pc = 0; pc < f.code_size; ++pc) {
    const isa::OpInfo* info = nullptr;
    isa::Instr in;
    AIVM_RETURN_IF_ERROR(verify_word(f, index, pc, &info, &in));
    if (rules) AIVM_RETURN_IF_ERROR(verify_op(Site{f, index, pc, info->mnemonic}, in));
  }
  return AIVM_OK;
}

aivm_status_t verify_function_structure(const Function& f, size_t index) { return verify_words(f, index, false); }

aivm_status_t verify_function(const Function& f, size_t index) {
  AIVM_RETURN_IF_ERROR(verify_words(f, index, true));
  return check_loops(f, index);
}

}  // namespace aivm::vm
