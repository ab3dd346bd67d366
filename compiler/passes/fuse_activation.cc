// Activation fusion: Conv/Gemm/2-D MatMul followed by an activation (or by x * Sigmoid(x), SiLU)
// becomes one superinstruction whose epilogue applies the activation in the kernel's store,
// saving passes over memory.
#include <algorithm>

#include "compiler/passes/passes.h"
#include "isa/isa.h"

namespace aivm::compiler {

std::vector<int> use_counts(const Function& f) {
  std::vector<int> uses(f.values.size(), 0);
  for (const Block& b : f.blocks) {
    for (const Instr& in : b.instrs)
      for (int v : in.inputs)
        if (v != kNoValue) ++uses[size_t(v)];
    if (b.term.kind == Terminator::Branch || b.term.kind == Terminator::LoopBack) ++uses[size_t(b.term.cond)];
  }
  for (int v : f.outputs) ++uses[size_t(v)];
  return uses;
}

void erase_tombstones(Block& b) {
  b.instrs.erase(std::remove_if(b.instrs.begin(), b.instrs.end(), [](const Instr& in) { return in.op.empty(); }),
                 b.instrs.end());
}

namespace {

float attr_or(const Instr& in, const char* name, float def) {
  auto it = in.attrs.find(name);
  if (it == in.attrs.end()) return def;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  return def;
}

// The fused form of |act|, or false if it cannot be folded (e.g. Clip bounds not constant).
bool activation_of(const Function& f, const Instr& act, int64_t* kind, float* p0, float* p1) {
  *p0 = *p1 = 0.f;
  if (act.op == "Relu") *kind = int64_t(isa::Activation::Relu);
  else if (act.op == "Sigmoid") *kind = int64_t(isa::Activation::Sigmoid);
  else if (act.op == "Tanh") *kind = int64_t(isa::Activation::Tanh);
  else if (act.op == "HardSwish") *kind = int64_t(isa::Activation::HardSwish);
  else if (act.op == "LeakyRelu") {
    *kind = int64_t(isa::Activation::LeakyRelu);
    *p0 = attr_or(act, "alpha", 0.01f);
  } else if (act.op == "HardSigmoid") {
    *kind = int64_t(isa::Activation::HardSigmoid);
    *p0 = attr_or(act, "alpha", 0.2f);
    *p1 = attr_or(act, "beta", 0.5f);
  }
  else if (act.op == "Clip") {
    *kind = int64_t(isa::Activation::Clip);
    *p0 = -3.4028235e38f;
    *p1 = 3.4028235e38f;
    // Opset >= 11 takes min/max as inputs, earlier opsets as attributes.
    for (size_t i = 1; i < act.inputs.size(); ++i) {
      if (act.inputs[i] == kNoValue) continue;
      const Tensor* t = f.constant_of(act.inputs[i]);
      if (!t || t->num_elements() != 1) return false;
      (i == 1 ? *p0 : *p1) = float(t->float_at(0));
    }
    auto get = [&](const char* name, float* out) {
      auto it = act.attrs.find(name);
      if (it != act.attrs.end())
        if (auto* v = std::get_if<float>(&it->second)) *out = *v;
    };
    get("min", p0);
    get("max", p1);
  } else {
    return false;
  }
  return true;
}

}  // namespace

int fuse_activations(Function& f) {
  std::vector<int> uses = use_counts(f);
  int fused = 0;
  for (Block& b : f.blocks) {
    // Producer of each value within this block.
    std::vector<int> producer(f.values.size(), -1);
    for (size_t i = 0; i < b.instrs.size(); ++i) {
      Instr& act = b.instrs[i];
      for (int v : act.outputs) producer[size_t(v)] = int(i);
      if (act.inputs.empty() || act.inputs[0] == kNoValue) continue;
      int src = act.inputs[0];
      int64_t kind;
      float p0, p1;
      Instr* sigmoid = nullptr;  // x * Sigmoid(x): the Sigmoid folded in with the Mul as SiLU
      if (act.op == "Mul" && act.inputs.size() == 2 && act.inputs[1] != kNoValue) {
        for (int side = 0; side < 2 && !sigmoid; ++side) {
          int s = act.inputs[size_t(side)], x = act.inputs[size_t(1 - side)];
          int ps = producer[size_t(s)];
          if (ps < 0 || uses[size_t(s)] != 1 || uses[size_t(x)] != 2) continue;
          Instr& cand = b.instrs[size_t(ps)];
          if (cand.op == "Sigmoid" && cand.inputs.size() == 1 && cand.inputs[0] == x) {
            sigmoid = &cand;
            src = x;
          }
        }
        if (!sigmoid) continue;
        kind = int64_t(isa::Activation::Swish);
        p0 = 1.f;
        p1 = 0.f;
      } else {
        if (uses[size_t(src)] != 1 || !activation_of(f, act, &kind, &p0, &p1)) continue;
      }
      int p = producer[size_t(src)];
      if (p < 0) continue;
      Instr& prod = b.instrs[size_t(p)];
      // A 2-D MatMul is selected as a GEMM (compiler/ops/linear.cc), so it takes an epilogue too.
      bool gemm_matmul = prod.op == "MatMul" && f.values[size_t(prod.inputs[0])].shape.size() == 2 &&
                         f.values[size_t(prod.inputs[1])].shape.size() == 2;
      if ((prod.op != "Conv" && prod.op != "Gemm" && !gemm_matmul) || prod.attrs.count("__act")) continue;
      prod.attrs["__act"] = kind;
      prod.attrs["__act_p0"] = p0;
      prod.attrs["__act_p1"] = p1;
      if (sigmoid) {
        prod.loc.node += "+" + (sigmoid->loc.node.empty() ? sigmoid->op : sigmoid->loc.node);
        sigmoid->op.clear();  // tombstone: its only use was the Mul
      }
      prod.loc.node += "+" + (act.loc.node.empty() ? act.op : act.loc.node);
      // The producer now writes the activation's result; the activation disappears.
      f.values[size_t(act.outputs[0])].shape_known = true;
      prod.outputs[0] = act.outputs[0];
      producer[size_t(act.outputs[0])] = p;
      act.op.clear();  // tombstone, swept below
      ++fused;
    }
    erase_tombstones(b);
  }
  return fused;
}

int eliminate_dead_code(Function& f) {
  int removed = 0;
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<int> uses = use_counts(f);
    for (Block& b : f.blocks) {
      auto dead = [&](const Instr& in) {
        for (int v : in.outputs)
          if (uses[size_t(v)] > 0) return false;
        return true;
      };
      size_t before = b.instrs.size();
      b.instrs.erase(std::remove_if(b.instrs.begin(), b.instrs.end(), dead), b.instrs.end());
      if (b.instrs.size() != before) {
        removed += int(before - b.instrs.size());
        changed = true;
      }
    }
  }
  return removed;
}

}  // namespace aivm::compiler
