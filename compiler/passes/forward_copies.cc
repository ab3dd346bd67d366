// Copy forwarding: an op whose instruction would be a MOV between values of one dtype and
// shape (Identity; a Pad of all-zero pads, which PyTorch exports before each DenseNet
// transition pool; a Concat of one input, which starts each DenseNet block; a Reshape to the
// same shape) moves nothing. Its uses read its input instead, and eliminate_dead_code drops
// it: a pass over memory and a tensor's worth of arena less. The op's own selection rule says
// whether it is such a copy, so no op's rules are repeated here.
#include <string>
#include <vector>

#include "compiler/ops/op_rules.h"
#include "compiler/passes/passes.h"

namespace aivm::compiler {
namespace {

// Ops whose selection may be a plain MOV and adds no values (weight packing does).
bool may_be_copy(const std::string& op) {
  return op == "Identity" || op == "Pad" || op == "Concat" || op == "Reshape" || op == "Flatten" ||
         op == "Squeeze" || op == "Unsqueeze";
}

}  // namespace

int forward_copies(Function& f) {
  // With control flow a value may be defined on two paths or updated by a loop: a use of the
  // copy and a use of its input could then see different values. Straight-line code only.
  if (f.blocks.size() != 1) return 0;
  std::vector<bool> is_output(f.values.size(), false);
  for (int v : f.outputs) is_output[size_t(v)] = true;
  std::vector<int> source(f.values.size(), kNoValue);  // the value a copy forwards to
  auto resolve = [&](int v) {
    while (v != kNoValue && source[size_t(v)] != kNoValue) v = source[size_t(v)];
    return v;
  };
  int forwarded = 0;
  for (Instr& in : f.blocks[0].instrs) {
    for (int& v : in.inputs) v = resolve(v);
    if (!may_be_copy(in.op) || in.outputs.size() != 1 || in.inputs.empty() || in.inputs[0] == kNoValue) continue;
    const int out = in.outputs[0], src = in.inputs[0];
    const Value &o = f.values[size_t(out)], &s = f.values[size_t(src)];
    // A function output keeps a register of its own (the caller reads it; an input's must not
    // double as an output's); a folded constant has no instruction to drop.
    if (is_output[size_t(out)] || o.constant >= 0 || o.dtype != s.dtype || o.shape != s.shape) continue;
    const OpRule* rule = find_op_rule(in.op);
    if (!rule) continue;
    Selection sel;
    Instr copy = in;
    OpContext ctx(f, copy);
    rule->select(ctx, &sel);
    if (sel.opcode != isa::Opcode::MOV || sel.values.size() != 2 || sel.values[1] != src) continue;
    source[size_t(out)] = src;
    ++forwarded;
  }
  Block& b = f.blocks[0];
  if (b.term.cond != kNoValue) b.term.cond = resolve(b.term.cond);
  return forwarded;
}

}  // namespace aivm::compiler
