// Shape inference: runs each op's rule in layout order (which is a topological order for
// structured control flow: an arm's blocks come after the block that branches to them, and a
// loop-carried value's first definition, in the preheader, comes before the body reads it).
//
// A branch whose condition folds to a constant (an ONNX If on a shape test, say) only reaches
// its live arm: the dead arm is not inferred and is emptied, since its shapes may well
// disagree with the live one's (that is why the model branches).
#include "compiler/ops/op_util.h"
#include "compiler/passes/passes.h"

namespace aivm::compiler {
namespace {

// Marks the successors of block |bi| reachable; a Branch on a constant reaches one arm, and
// becomes a Jump to it. A loop's entry test that is constantly false keeps its body: the body
// still defines the loop's collected rows (an empty [0, ...] each), so it is inferred though
// never run.
void reach_successors(Function& f, size_t bi, const std::vector<bool>& loop_head, std::vector<bool>& reachable) {
  Terminator& t = f.blocks[bi].term;
  auto reach = [&](int b) {
    if (b >= 0) reachable[size_t(b)] = true;
  };
  switch (t.kind) {
    case Terminator::Return:
    case Terminator::Trap: break;
    case Terminator::Jump: reach(t.target); break;
    case Terminator::LoopBack: reach(int(bi) + 1); break;
    case Terminator::Branch:
      if (const Tensor* c = f.constant_of(t.cond)) {
        bool taken = c->num_elements() > 0 && c->float_at(0) != 0;
        if (!taken && loop_head[size_t(t.fallthrough)]) {
          reach(t.fallthrough);
          reach(t.target);
          break;
        }
        t = Terminator{Terminator::Jump, taken ? t.fallthrough : t.target, -1, kNoValue, t.loc};
        reach(t.target);
      } else {
        reach(t.fallthrough);
        reach(t.target);
      }
      break;
  }
}

// An unreachable block keeps only a forward way out, so layout and jump rules still hold.
void empty_block(Block& b, int next) {
  b.instrs.clear();
  if (b.term.kind == Terminator::Branch || b.term.kind == Terminator::LoopBack)
    b.term = Terminator{Terminator::Jump, next, -1, kNoValue, b.term.loc};
}

}  // namespace

void infer_shapes(Function& f) {
  std::vector<bool> reachable(f.blocks.size(), false), loop_head(f.blocks.size(), false);
  if (!reachable.empty()) reachable[0] = true;
  for (const Block& b : f.blocks)
    if (b.term.kind == Terminator::LoopBack) loop_head[size_t(b.term.target)] = true;
  for (size_t bi = 0; bi < f.blocks.size(); ++bi) {
    Block& block = f.blocks[bi];
    if (!reachable[bi]) {
      empty_block(block, int(bi) + 1);
      continue;
    }
    for (size_t ii = 0; ii < block.instrs.size(); ++ii) {
      insert_operand_casts(f, block.instrs, ii);  // may insert casts: block.instrs[ii] is then the first
      Instr& in = block.instrs[ii];
      const OpRule* rule = find_op_rule(in.op);
      if (!rule) throw CompileError(in.loc, "operator '" + in.op + "' is not supported");
      for (int v : in.inputs)
        if (v != kNoValue && !f.values[size_t(v)].shape_known && f.values[size_t(v)].input < 0)
          throw CompileError(in.loc, "input '" + f.values[size_t(v)].name + "' has no known shape");
      // A join value is written once per arm (or before a loop and at its latch): the
      // definitions must agree on what it is.
      std::vector<Value> before;
      for (int v : in.outputs) before.push_back(f.values[size_t(v)]);
      OpContext ctx(f, in);
      rule->infer(ctx);
      for (size_t i = 0; i < in.outputs.size(); ++i) {
        const Value& now = f.values[size_t(in.outputs[i])];
        if (before[i].shape_known && (before[i].shape != now.shape || before[i].dtype != now.dtype))
          throw CompileError(in.loc, "'" + now.name + "' gets different types or shapes from the arms of an 'if' or "
                                     "from one loop iteration to the next (" + dtype_name(before[i].dtype) + " " +
                                     dims_str(before[i].shape) + " vs " + dtype_name(now.dtype) + " " + dims_str(now.shape) +
                                     "); registers have static shapes");
      }
    }
    const Terminator& t = block.term;
    if (t.kind == Terminator::Branch && f.values[size_t(t.cond)].shape_known) {
      int64_t n = 1;
      for (int64_t d : f.values[size_t(t.cond)].shape) n *= d;
      if (n < 1) throw CompileError(t.loc, "the condition of 'if' is an empty tensor");
    }
    if (t.kind == Terminator::LoopBack) {
      const Value& c = f.values[size_t(t.cond)];
      int64_t n = 1;
      for (int64_t d : c.shape) n *= d;
      if (c.dtype != DType::I64 || n != 1)
        throw CompileError(t.loc, std::string("a loop's trip count must be one int64, not ") + dtype_name(c.dtype) + " " +
                                      dims_str(c.shape));
    }
    reach_successors(f, bi, loop_head, reachable);
  }
}

}  // namespace aivm::compiler
