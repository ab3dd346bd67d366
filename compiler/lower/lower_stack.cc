// Stack -> register lowering.
//
// Assumes: a StackProgram from any front-end (structured If/Else/End and Loop/End, locals
// 0..n-1 = inputs).
// Guarantees: a Function whose blocks are laid out in structural order (an If's condition
// block, then-arm blocks, else-arm blocks, join block; a loop's preheader, body blocks, latch,
// exit), every operand a Value id, every join resolved by aivm.Mov copies at the end of each
// arm, and every loop-carried local by a copy into its loop value in the preheader and at the
// latch. Errors name the op's location.
#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "compiler/ir/register_ir.h"
#include "isa/attrs.h"

namespace aivm::compiler {
namespace {

// The abstract machine state: what each stack slot and local holds.
struct State {
  std::vector<int> stack;
  std::vector<int> locals;  // kNoValue = never set on this path
};

// The loop being lowered, innermost last.
struct LoopFrame {
  int index = kNoValue;          // the iteration number, when the body or a collection reads it
  std::vector<int> breaks;       // blocks whose Branch target is the loop's break destination
  bool body_changed_state = false;  // a LocalSet, If or Loop was lowered in this body
  size_t entry_depth = 0;
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
          note_state_change();
          break;
        }
        case StackOpKind::Op: lower_op(op, st); break;
        case StackOpKind::If:
          note_state_change();
          lower_if(pc, st);
          continue;  // lower_if advances pc past End
        case StackOpKind::Loop:
          note_state_change();
          lower_loop(pc, st);
          continue;  // lower_loop advances pc past End
        case StackOpKind::BreakUnless: lower_break(op, st); break;
        case StackOpKind::LoopIndex:
          if (loops_.empty()) throw CompileError(op.loc, "'loop.index' outside a loop");
          st->stack.push_back(loops_.back().index);
          break;
        case StackOpKind::Else:
        case StackOpKind::End:
          if (!in_arm) throw CompileError(op.loc, "'else' or 'end' without a matching 'if' or 'loop'");
          return;
      }
      ++*pc;
    }
    if (in_arm) throw CompileError(end_loc(), "'if' or 'loop' without a matching 'end'");
  }

  void note_state_change() {
    for (LoopFrame& l : loops_) l.body_changed_state = true;
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

  //===--------------------------------------------------------------------===//
  // Loops
  //===--------------------------------------------------------------------===//

  Instr& emit(const std::string& op, std::vector<int> inputs, std::vector<int> outputs, const SourceLoc& loc) {
    Instr in;
    in.op = op;
    in.inputs = std::move(inputs);
    in.outputs = std::move(outputs);
    in.loc = loc;
    f_.blocks[size_t(cur_)].instrs.push_back(std::move(in));
    return f_.blocks[size_t(cur_)].instrs.back();
  }

  int copy_into(int dst, int src, const SourceLoc& loc) {
    emit(kMovOp, {src}, {dst}, loc);
    return dst;
  }

  // A fresh i64 scalar constant (the loop's 0 and 1).
  int i64_constant(int64_t v, const std::string& name) {
    Tensor t;
    t.dtype = DType::I64;
    t.data.resize(8);
    std::memcpy(t.data.data(), &v, 8);
    f_.constants.push_back(std::move(t));
    f_.constant_names.push_back(name);
    int id = f_.new_value(name);
    Value& val = f_.values[size_t(id)];
    val.constant = int(f_.constants.size()) - 1;
    val.dtype = DType::I64;
    val.shape_known = true;
    return id;
  }

  // What a loop body (from |pc| to its End) does: which locals it sets, at any depth, and
  // whether it reads its own iteration number.
  void scan_body(size_t pc, std::set<size_t>* sets, bool* reads_index) {
    std::vector<StackOpKind> open;  // the If/Loop blocks entered inside the body
    for (; pc < p_.code.size(); ++pc) {
      const StackOp& op = p_.code[pc];
      if (op.kind == StackOpKind::If || op.kind == StackOpKind::Loop) open.push_back(op.kind);
      if (op.kind == StackOpKind::End) {
        if (open.empty()) return;
        open.pop_back();
      }
      if (op.kind == StackOpKind::LocalSet && op.index >= 0) sets->insert(size_t(op.index));
      if (op.kind == StackOpKind::LoopIndex && std::count(open.begin(), open.end(), StackOpKind::Loop) == 0)
        *reads_index = true;
    }
  }

  void lower_break(const StackOp& op, State* st) {
    if (loops_.empty()) throw CompileError(op.loc, "'break_unless' outside a loop");
    LoopFrame& l = loops_.back();
    int cond = pop(st, op);
    if (cond == kNoValue) throw CompileError(op.loc, "'break_unless' condition is an absent value");
    // At the top of the body every carried local still holds its loop value, so leaving here
    // needs no copies.
    if (l.body_changed_state || st->stack.size() != l.entry_depth)
      throw CompileError(op.loc, "'break_unless' must come first in the loop body, before any local.set, if or loop "
                                 "and with nothing else on the stack");
    int from = cur_;
    l.breaks.push_back(from);
    cur_ = new_block();
    f_.blocks[size_t(from)].term = Terminator{Terminator::Branch, -1, cur_, cond, op.loc};
  }

  // A loop as it is being lowered: what the preheader set up and the latch and exit need.
  struct LoopParts {
    int trips = kNoValue, counter = kNoValue, positive = kNoValue;
    std::vector<std::pair<size_t, int>> carried;  // (local, loop value)
    int preheader = -1, head = -1;
  };

  void lower_loop(size_t* pc, State* st) {
    const StackOp& loop_op = p_.code[*pc];
    const SourceLoc loc = loop_op.loc;
    const int collected = loop_op.num_outputs;
    if (collected < 0) throw CompileError(loc, "'loop' collects a negative number of values");
    LoopParts parts;
    parts.trips = pop(st, loop_op);
    if (parts.trips == kNoValue) throw CompileError(loc, "'loop' trip count is an absent value");
    std::set<size_t> sets;
    bool reads_index = false;
    scan_body(*pc + 1, &sets, &reads_index);
    LoopFrame frame = loop_preheader(sets, reads_index || collected > 0, loc, st, &parts);

    loops_.push_back(frame);
    State body = *st;
    ++*pc;
    lower_sequence(pc, &body, /*in_arm=*/true);
    if (p_.code[*pc].kind != StackOpKind::End) throw CompileError(p_.code[*pc].loc, "'else' inside a loop, outside any 'if'");
    const SourceLoc end = p_.code[*pc].loc;
    ++*pc;
    frame = std::move(loops_.back());
    loops_.pop_back();

    // The body leaves the stack it found, plus the collected values.
    if (body.stack.size() != st->stack.size() + size_t(collected) ||
        !std::equal(st->stack.begin(), st->stack.end(), body.stack.begin()))
      throw CompileError(end, "loop body must leave the stack as it found it plus " + std::to_string(collected) +
                                  " collected value(s); it leaves " + std::to_string(body.stack.size()) +
                                  " values over an entry depth of " + std::to_string(st->stack.size()));
    std::vector<int> results = loop_latch(body, frame, parts, collected, end);
    loop_exit(frame, parts, collected > 0, loc, end);

    // After the loop, carried locals hold their loop values; body-only locals are unset.
    for (size_t i : sets)
      if (i < st->locals.size() && std::none_of(parts.carried.begin(), parts.carried.end(),
                                                [&](const auto& c) { return c.first == i; }))
        st->locals[i] = kNoValue;
    for (int r : results) st->stack.push_back(r);
  }

  // The counter, the carried locals' loop values (locals the body sets that hold a value
  // already; the others are body temporaries) and the iteration number. Starts the head block.
  LoopFrame loop_preheader(const std::set<size_t>& sets, bool needs_index, const SourceLoc& loc, State* st,
                           LoopParts* parts) {
    parts->counter = copy_into(f_.new_value("loop.counter"), parts->trips, loc);
    parts->positive = f_.new_value("loop.entered");
    emit("Greater", {parts->trips, i64_constant(0, "loop.zero")}, {parts->positive}, loc);
    for (size_t i : sets) {
      if (i >= st->locals.size() || st->locals[i] == kNoValue) continue;
      int v = copy_into(f_.new_value(f_.values[size_t(st->locals[i])].name + ".loop"), st->locals[i], loc);
      st->locals[i] = v;
      parts->carried.push_back({i, v});
    }
    LoopFrame frame;
    frame.entry_depth = st->stack.size();
    if (needs_index) frame.index = copy_into(f_.new_value("loop.index"), i64_constant(0, "loop.zero"), loc);
    parts->preheader = cur_;
    parts->head = cur_ = new_block();
    return frame;
  }

  // Collects the values on top of the body's stack into their rows, then writes the carried
  // locals back as one parallel copy (a source that is itself a loop value being overwritten
  // is saved first), then steps the iteration number; ends in the back edge. Returns the
  // collected values.
  std::vector<int> loop_latch(const State& body, const LoopFrame& frame, const LoopParts& parts, int collected,
                              const SourceLoc& end) {
    std::vector<int> results;
    size_t base = body.stack.size() - size_t(collected);
    for (int k = 0; k < collected; ++k) {
      int v = body.stack[base + size_t(k)];
      if (v == kNoValue) throw CompileError(end, "loop collects an absent value");
      int rows = f_.new_value(f_.values[size_t(v)].name + ".collected");
      emit("aivm.StoreAt", {v, frame.index, parts.trips}, {rows}, end);
      results.push_back(rows);
    }
    std::set<int> loop_values;
    for (auto [i, v] : parts.carried) loop_values.insert(v);
    std::vector<std::pair<int, int>> copies;  // (loop value, source)
    for (auto [i, v] : parts.carried) {
      int src = body.locals[i];
      if (src == v) continue;
      if (src == kNoValue) throw CompileError(end, "local " + std::to_string(i) + " is unset at the end of the loop body");
      if (loop_values.count(src)) src = copy_into(f_.new_value(f_.values[size_t(src)].name + ".saved"), src, end);
      copies.push_back({v, src});
    }
    for (auto [v, src] : copies) copy_into(v, src, end);
    if (frame.index != kNoValue) {
      int next = f_.new_value("loop.index.next");
      emit("Add", {frame.index, i64_constant(1, "loop.one")}, {next}, end);
      copy_into(frame.index, next, end);
    }
    f_.blocks[size_t(cur_)].term = Terminator{Terminator::LoopBack, parts.head, -1, parts.counter, end};
    return results;
  }

  // The exit block, where the skip (trip count <= 0) and every break land. A break skips the
  // rows still unwritten: with collected values it lands on a trap instead, since their
  // extent is static.
  void loop_exit(const LoopFrame& frame, const LoopParts& parts, bool collects, const SourceLoc& loc,
                 const SourceLoc& end) {
    int exit = cur_ = new_block();
    int break_to = exit;
    if (collects && !frame.breaks.empty()) {
      int trap = new_block();
      f_.blocks[size_t(trap)].term = Terminator{Terminator::Trap, int(isa::TrapKind::LoopEndedEarly), -1, kNoValue, end};
      int after = cur_ = new_block();
      f_.blocks[size_t(exit)].term = Terminator{Terminator::Jump, after, -1, kNoValue, end};
      break_to = trap;
    }
    for (int b : frame.breaks) f_.blocks[size_t(b)].term.target = break_to;
    f_.blocks[size_t(parts.preheader)].term = Terminator{Terminator::Branch, exit, parts.head, parts.positive, loc};
  }

  const StackProgram& p_;
  Function f_;
  std::vector<int> const_values_;
  std::vector<LoopFrame> loops_;
  int cur_ = 0;
};

}  // namespace

Function lower_stack_program(const StackProgram& program) { return Lowering(program).run(); }

}  // namespace aivm::compiler
