// Shape inference: runs each op's rule in layout order (which is a topological order for
// structured control flow: an arm's blocks come after the block that branches to them).
#include "compiler/ops/op_rules.h"
#include "compiler/passes/passes.h"

namespace aivm::compiler {

void infer_shapes(Function& f) {
  for (Block& block : f.blocks) {
    for (Instr& in : block.instrs) {
      const OpRule* rule = find_op_rule(in.op);
      if (!rule) throw CompileError(in.loc, "operator '" + in.op + "' is not supported");
      for (int v : in.inputs)
        if (v != kNoValue && !f.values[size_t(v)].shape_known && f.values[size_t(v)].input < 0)
          throw CompileError(in.loc, "input '" + f.values[size_t(v)].name + "' has no known shape");
      // A join value is written once per arm: both arms must agree on what it is.
      std::vector<Value> before;
      for (int v : in.outputs) before.push_back(f.values[size_t(v)]);
      OpContext ctx(f, in);
      rule->infer(ctx);
      for (size_t i = 0; i < in.outputs.size(); ++i) {
        const Value& now = f.values[size_t(in.outputs[i])];
        if (before[i].shape_known && (before[i].shape != now.shape || before[i].dtype != now.dtype))
          throw CompileError(in.loc, "the arms of an 'if' give '" + now.name + "' different types or shapes");
      }
    }
    const Terminator& t = block.term;
    if (t.kind == Terminator::Branch && f.values[size_t(t.cond)].shape_known) {
      int64_t n = 1;
      for (int64_t d : f.values[size_t(t.cond)].shape) n *= d;
      if (n < 1) throw CompileError(t.loc, "the condition of 'if' is an empty tensor");
    }
  }
}

}  // namespace aivm::compiler
