// Emission: IR blocks -> 64-bit instruction words, one register per used value, constants
// into the bundle's segment, arena offsets from the memory plan.
#include "compiler/emit/emit_bundle.h"

#include <algorithm>

#include "compiler/ops/op_rules.h"
#include "compiler/regalloc/memory_plan.h"
#include "isa/isa.h"

namespace aivm::compiler {
namespace {

class Emitter {
 public:
  Emitter(Function& f, std::vector<format::ConstantDesc>* constants) : f_(f), constants_(constants) {}

  format::FunctionDesc run(std::vector<format::TensorSpecDesc>* inputs, std::vector<format::TensorSpecDesc>* outputs) {
    reg_of_.assign(f_.values.size(), -1);
    first_.assign(f_.values.size(), -1);
    last_.assign(f_.values.size(), -1);
    // Inputs are live from before the first instruction.
    for (int v : f_.inputs) touch(v, 0);
    int pos = 0;
    std::vector<size_t> block_start(f_.blocks.size());
    std::vector<int> block_pos(f_.blocks.size());  // live-range position of the block's start
    std::vector<LoopSpan> loops;
    std::vector<std::pair<size_t, int>> jump_fixups;  // (word index, target block)
    for (size_t bi = 0; bi < f_.blocks.size(); ++bi) {
      const Block& b = f_.blocks[bi];
      block_start[bi] = out_.code.size();
      block_pos[bi] = pos + 1;
      for (const Instr& in : b.instrs) emit_instr(in, ++pos);
      const Terminator& t = b.term;
      switch (t.kind) {
        case Terminator::Return:
          push_word(isa::encode_abcd(isa::Opcode::HALT, 0, 0, 0, 0), "return");
          break;
        case Terminator::Jump:
          if (size_t(t.target) != bi + 1) {  // falling through needs no jump
            jump_fixups.push_back({out_.code.size(), t.target});
            push_word(isa::encode_aj(isa::Opcode::JMP, 0, 0), t.loc.node);
          }
          break;
        case Terminator::Branch: {
          touch(t.cond, ++pos);
          jump_fixups.push_back({out_.code.size(), t.target});
          push_word(isa::encode_aj(isa::Opcode::JMPZ, uint32_t(reg(t.cond)), 0), t.loc.node);
          break;
        }
        case Terminator::LoopBack:
          touch(t.cond, ++pos);
          loops.push_back({block_pos[size_t(t.target)], pos});
          jump_fixups.push_back({out_.code.size(), t.target});
          push_word(isa::encode_aj(isa::Opcode::LOOP, uint32_t(reg(t.cond)), 0), t.loc.node);
          break;
        case Terminator::Trap:
          push_word(isa::encode_abcd(isa::Opcode::TRAP, 0, 0, 0, uint32_t(t.target)), t.loc.node);
          break;
      }
    }
    for (auto [word, block] : jump_fixups) {
      uint64_t w = out_.code[word];
      out_.code[word] = isa::encode_aj(isa::Opcode(w & 0xff), uint32_t((w >> 8) & isa::kFieldMax), block_start[size_t(block)]);
    }
    // Outputs stay live to the end.
    for (int v : f_.outputs) touch(v, pos + 1);
    plan(pos + 1, loops);
    signature(inputs, outputs);
    return std::move(out_);
  }

 private:
  // Keeps the per-value tables as long as the value list, which selection may extend.
  void grow() {
    reg_of_.resize(f_.values.size(), -1);
    first_.resize(f_.values.size(), -1);
    last_.resize(f_.values.size(), -1);
  }

  // Register of value |v|, created on first use. Constants become constant registers.
  int reg(int v) {
    if (reg_of_[size_t(v)] >= 0) return reg_of_[size_t(v)];
    const Value& val = f_.values[size_t(v)];
    if (out_.registers.size() > isa::kFieldMax)
      throw CompileError("function needs too many registers (limit " + std::to_string(isa::kFieldMax + 1) + ")");
    format::RegisterDesc r;
    r.dtype = val.dtype;
    r.shape = val.shape;
    if (val.constant >= 0) {
      r.storage = format::StorageKind::Constant;
      r.offset = constants_->size();
      const Tensor& t = f_.constants[size_t(val.constant)];
      constants_->push_back({val.name, t.data});
    }
    reg_of_[size_t(v)] = int(out_.registers.size());
    out_.registers.push_back(r);
    return reg_of_[size_t(v)];
  }

  // Extends |v|'s live range to |pos|, creating its register on first sight.
  void touch(int v, int pos) {
    if (v == kNoValue) return;
    reg(v);
    if (first_[size_t(v)] < 0 || pos < first_[size_t(v)]) first_[size_t(v)] = pos;
    last_[size_t(v)] = std::max(last_[size_t(v)], pos);
  }

  void push_word(uint64_t w, const std::string& debug) {
    out_.code.push_back(w);
    out_.debug_names.push_back(debug);
  }

  void emit_instr(const Instr& in, int pos) {
    // Folded at compile time: consumers read the constants directly.
    if (std::all_of(in.outputs.begin(), in.outputs.end(), [&](int v) { return f_.values[size_t(v)].constant >= 0; }))
      return;
    const OpRule* rule = find_op_rule(in.op);
    if (!rule) throw CompileError(in.loc, "operator '" + in.op + "' is not supported");
    Selection s;
    Instr copy = in;  // rules take a mutable context; selection may add values (packed weights)
    OpContext ctx(f_, copy);
    rule->select(ctx, &s);
    grow();
    // Only operands the instruction names get registers: a Reshape's target shape, say, was
    // consumed at compile time and never reaches the bundle.
    for (int v : s.values) touch(v, pos);
    uint32_t fields[4] = {0, 0, 0, 0};
    const isa::OpInfo* info = isa::op_info(uint8_t(s.opcode));
    size_t next_value = 0;
    for (int i = 0; i < 4; ++i) {
      switch (info->kinds[i]) {
        case isa::OperandKind::Register: fields[i] = uint32_t(reg(s.values[next_value++])); break;
        case isa::OperandKind::Immediate: fields[i] = uint32_t(s.immediate); break;
        case isa::OperandKind::Attr: fields[i] = record(s, pos); break;
        default: break;
      }
    }
    push_word(isa::encode_abcd(s.opcode, fields[0], fields[1], fields[2], fields[3]), in.loc.node);
  }

  uint32_t record(Selection& s, int pos) {
    for (auto [word, v] : s.record_regs) {
      touch(v, pos);
      s.record[size_t(word)] = int32_t(reg(v));
    }
    if (out_.attr_offsets.size() > isa::kFieldMax)
      throw CompileError("function needs too many attribute records (limit " + std::to_string(isa::kFieldMax + 1) + ")");
    out_.attr_offsets.push_back(uint32_t(out_.attrs.size()));
    out_.attrs.insert(out_.attrs.end(), s.record.begin(), s.record.end());
    return uint32_t(out_.attr_offsets.size() - 1);
  }

  void plan(int end, const std::vector<LoopSpan>& loops) {
    std::vector<Lifetime> lifetimes;
    std::vector<size_t> regs;
    // Inputs live to the end: the API promises runs on the inputs as set, so a second run
    // without new inputs must not see them overwritten by the first.
    std::vector<bool> is_input(f_.values.size());
    for (int v : f_.inputs) is_input[size_t(v)] = true;
    for (size_t v = 0; v < f_.values.size(); ++v) {
      int r = reg_of_[v];
      if (r < 0 || out_.registers[size_t(r)].storage != format::StorageKind::Arena) continue;
      uint64_t bytes = dtype_size(f_.values[v].dtype);
      for (int64_t d : f_.values[v].shape) bytes *= uint64_t(d);
      lifetimes.push_back({bytes, first_[v], is_input[v] ? end : std::min(last_[v], end)});
      regs.push_back(size_t(r));
    }
    extend_across_loops(&lifetimes, loops);
    MemoryPlan p = plan_memory(lifetimes);
    // The intervals go into the bundle too: a function with symbolic dims is planned again by
    // the VM for each input shape (the writer keeps them only for such functions).
    out_.live_first.assign(out_.registers.size(), 0);
    out_.live_last.assign(out_.registers.size(), 0);
    for (size_t i = 0; i < regs.size(); ++i) {
      out_.registers[regs[i]].offset = p.offsets[i];
      out_.live_first[regs[i]] = uint32_t(lifetimes[i].first);
      out_.live_last[regs[i]] = uint32_t(lifetimes[i].last);
    }
    out_.arena_bytes = p.arena_bytes;
    out_.arena_lower_bound = p.lower_bound;
  }

  void signature(std::vector<format::TensorSpecDesc>* inputs, std::vector<format::TensorSpecDesc>* outputs) {
    for (size_t i = 0; i < f_.inputs.size(); ++i) {
      const Value& v = f_.values[size_t(f_.inputs[i])];
      inputs->push_back({f_.input_specs[i].name, v.dtype, v.shape, f_.input_specs[i].dim_names, uint32_t(reg(f_.inputs[i]))});
    }
    for (size_t i = 0; i < f_.outputs.size(); ++i) {
      const Value& v = f_.values[size_t(f_.outputs[i])];
      outputs->push_back({f_.output_names[i], v.dtype, v.shape, {}, uint32_t(reg(f_.outputs[i]))});
    }
  }

  Function& f_;
  std::vector<format::ConstantDesc>* constants_;
  format::FunctionDesc out_;
  std::vector<int> reg_of_, first_, last_;
};

}  // namespace

format::FunctionDesc emit_function(Function& f, std::vector<format::ConstantDesc>* constants,
                                   std::vector<format::TensorSpecDesc>* inputs,
                                   std::vector<format::TensorSpecDesc>* outputs) {
  return Emitter(f, constants).run(inputs, outputs);
}

}  // namespace aivm::compiler
