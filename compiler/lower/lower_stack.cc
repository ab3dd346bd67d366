// Stack -> register lowering.
//
// Assumes: a StackProgram from any front-end (structured If/Else/End, locals 0..n-1 = inputs).
// Guarantees: a Function whose blocks are laid out in structural order (an If's condition
// block, then-arm blocks, else-arm blocks, join block), every operand a Value id, and every
// join resolved by aivm.Mov copies at the end of each arm. Errors name the op's location.
#include <string>

#include "compiler/ir/register_ir.h"

namespace aivm::compiler {
namespace {

// The abstract machine state: what each stack slot and local holds.
struct State {
  std::vector<int> stack;
  std::vector<int> locals;  // kNoValue = never set on this path
};

class Lowering {
 public:
  explicit Lowering(const StackProgram& p) : p_(p) {}

  Function run() {
    f_.source = p_.source;
    f_.constants = p_.constants;
    f_.constant_names = p_.constant_names;
    f_.input_specs = p_.inputs;
    State st;
    st.locals.assign(p_.local_names.size() > p_.inputs.size() ? p_.local_names.size() : p_.inputs.size(), kNoValue);
    for (size_t i = 0; i < p_.inputs.size(); ++i) {
      int v = f_.new_value(p_.inputs[i].name);
      f_.values[size_t(v)].input = int(i);
      f_.values[size_t(v)].dtype = p_.inputs[i].dtype;
      f_.values[size_t(v)].shape = p_.inputs[i].shape;
      f_.inputs.push_back(v);
      st.locals[i] = v;
    }
    // Constants become values once each, on first use.
    const_values_.assign(p_.constants.size(), kNoValue);
    cur_ = new_block();
    size_t pc = 0;
    lower_sequence(&pc, &st, /*in_arm=*/false);
    if (st.stack.size() != p_.outputs.size())
      throw CompileError(end_loc(), "program ends with " + std::to_string(st.stack.size()) + " values on the stack but declares " +
                                        std::to_string(p_.outputs.size()) + " outputs");
    for (size_t i = 0; i < p_.outputs.size(); ++i) {
      f_.output_names.push_back(p_.outputs[i].name);
      f_.outputs.push_back(st.stack[i]);
    }
    f_.blocks[size_t(cur_)].term.kind = Terminator::Return;
    return std::move(f_);
  }

 private:
  int new_block() {
    f_.blocks.emplace_back();
    return int(f_.blocks.size()) - 1;
  }

  SourceLoc end_loc() const {
    SourceLoc l;
    l.file = p_.source;
    return l;
  }

  int pop(State* st, const StackOp& op) {
    if (st->stack.empty()) throw CompileError(op.loc, "operand stack underflow");
    int v = st->stack.back();
    st->stack.pop_back();
    return v;
  }

  int local_index(const StackOp& op, const State& st) {
    if (op.index < 0 || size_t(op.index) >= st.locals.size())
      throw CompileError(op.loc, "local " + std::to_string(op.index) + " does not exist");
    return int(op.index);
  }

  int const_value(const StackOp& op) {
    if (op.index < 0 || size_t(op.index) >= p_.constants.size())
      throw CompileError(op.loc, "constant " + std::to_string(op.index) + " does not exist");
    int& v = const_values_[size_t(op.index)];
    if (v == kNoValue) {
      const Tensor& t = p_.constants[size_t(op.index)];
      std::string name = size_t(op.index) < p_.constant_names.size() ? p_.constant_names[size_t(op.index)] : "";
      v = f_.new_value(name.empty() ? "const" + std::to_string(op.index) : name);
      Value& val = f_.values[size_t(v)];
      val.constant = int(op.index);
      val.dtype = t.dtype;
      val.shape = t.shape;
      val.shape_known = true;
    }
    return v;
  }

  void lower_op(const StackOp& op, State* st) {
    Instr in;
    in.op = op.name;
    in.attrs = op.attrs;
    in.loc = op.loc;
    in.inputs.resize(size_t(op.num_inputs));
    for (int i = op.num_inputs - 1; i >= 0; --i) in.inputs[size_t(i)] = pop(st, op);
    for (int i = 0; i < op.num_outputs; ++i) {
      std::string name = op.loc.node.empty() ? op.name : op.loc.node;
      int v = f_.new_value(op.num_outputs > 1 ? name + ":" + std::to_string(i) : name);
      in.outputs.push_back(v);
      st->stack.push_back(v);
    }
    f_.blocks[size_t(cur_)].instrs.push_back(std::move(in));
  }

  // Lowers ops from *pc until the end of the program or, inside an arm, until Else/End
  // (left unconsumed for the caller).
  void lower_sequence(size_t* pc, State* st, bool in_arm) {
    while (*pc < p_.code.size()) {
      const StackOp& op = p_.code[*pc];
      switch (op.kind) {
        case StackOpKind::PushConst: st->stack.push_back(const_value(op)); break;
        case StackOpKind::PushNone: st->stack.push_back(kNoValue); break;
        case StackOpKind::LocalGet: {
          int v = st->locals[size_t(local_index(op, *st))];
          if (v == kNoValue) throw CompileError(op.loc, "local " + std::to_string(op.index) + " is read before it is set");
          st->stack.push_back(v);
          break;
        }
        case StackOpKind::LocalSet: {
          int i = local_index(op, *st);
          st->locals[size_t(i)] = pop(st, op);
          break;
        }
        case StackOpKind::Op: lower_op(op, st); break;
        case StackOpKind::If: lower_if(pc, st); continue;  // lower_if advances pc past End
        case StackOpKind::Else:
        case StackOpKind::End:
          if (!in_arm) throw CompileError(op.loc, "'else' or 'end' without a matching 'if'");
          return;
      }
      ++*pc;
    }
    if (in_arm) throw CompileError(end_loc(), "'if' without a matching 'end'");
  }

  // Merges the two arms' values: equal values pass through, different ones get a join value
  // written by a copy at the end of each arm.
  int merge(int then_v, int else_v, int then_block, int else_block, const SourceLoc& loc) {
    if (then_v == else_v) return then_v;
    if (then_v == kNoValue || else_v == kNoValue) return kNoValue;  // undefined on one path
    int j = f_.new_value(f_.values[size_t(then_v)].name + ".join");
    auto copy = [&](int block, int src) {
      Instr mov;
      mov.op = kMovOp;
      mov.inputs = {src};
      mov.outputs = {j};
      mov.loc = loc;
      f_.blocks[size_t(block)].instrs.push_back(std::move(mov));
    };
    copy(then_block, then_v);
    copy(else_block, else_v);
    return j;
  }

  void lower_if(size_t* pc, State* st) {
    const StackOp& if_op = p_.code[*pc];
    int cond = pop(st, if_op);
    if (cond == kNoValue) throw CompileError(if_op.loc, "'if' condition is an absent value");
    int cond_block = cur_;
    State then_st = *st;
    cur_ = new_block();
    int then_entry = cur_;
    ++*pc;
    lower_sequence(pc, &then_st, true);
    int then_exit = cur_;

    State else_st = *st;
    cur_ = new_block();
    int else_entry = cur_;
    if (p_.code[*pc].kind == StackOpKind::Else) {
      ++*pc;
      lower_sequence(pc, &else_st, true);
      if (p_.code[*pc].kind != StackOpKind::End) throw CompileError(p_.code[*pc].loc, "second 'else' in one 'if'");
    }
    int else_exit = cur_;
    const SourceLoc& end = p_.code[*pc].loc;
    ++*pc;  // past End

    if (then_st.stack.size() != else_st.stack.size())
      throw CompileError(end, "arms of 'if' leave different stack depths (then: " + std::to_string(then_st.stack.size()) +
                                  ", else: " + std::to_string(else_st.stack.size()) + ")");
    State joined;
    for (size_t i = 0; i < then_st.stack.size(); ++i) {
      int v = merge(then_st.stack[i], else_st.stack[i], then_exit, else_exit, end);
      if (v == kNoValue && (then_st.stack[i] != kNoValue || else_st.stack[i] != kNoValue))
        throw CompileError(end, "stack slot " + std::to_string(i) + " is an absent value in only one arm of 'if'");
      joined.stack.push_back(v);
    }
    for (size_t i = 0; i < then_st.locals.size(); ++i)
      joined.locals.push_back(merge(then_st.locals[i], else_st.locals[i], then_exit, else_exit, end));

    cur_ = new_block();
    Terminator& br = f_.blocks[size_t(cond_block)].term;
    br.kind = Terminator::Branch;
    br.cond = cond;
    br.fallthrough = then_entry;
    br.target = else_entry;
    br.loc = if_op.loc;
    f_.blocks[size_t(then_exit)].term = Terminator{Terminator::Jump, cur_, -1, kNoValue, end};
    f_.blocks[size_t(else_exit)].term = Terminator{Terminator::Jump, cur_, -1, kNoValue, end};
    *st = std::move(joined);
  }

  const StackProgram& p_;
  Function f_;
  std::vector<int> const_values_;
  int cur_ = 0;
};

}  // namespace

Function lower_stack_program(const StackProgram& program) { return Lowering(program).run(); }

}  // namespace aivm::compiler
