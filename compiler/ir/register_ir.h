// The register IR: what the stack->register lowering produces and the passes transform.
//
// Every value pushed in the stack program becomes a Value (a virtual register). Instructions
// still name operators as ONNX does ("Conv", "Gemm"); instruction selection into ISA opcodes
// happens at emission (compiler/emit). Control flow is basic blocks ending in a terminator.
// Values merged at an If's join are written by "aivm.Mov" in each arm (phi resolved by copies),
// so such a value has one definition per arm; a loop-carried value likewise has one before the
// loop and one at its latch. Every other value has exactly one.
//
// A loop is laid out as: preheader (ends in a Branch that skips the loop when the trip count
// is <= 0), the body's blocks from the head, the latch block ending in LoopBack (the only
// backward edge; its fallthrough is the exit), then the exit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/stack_program.h"
#include "kernels/config/gemm_config.h"

namespace aivm::compiler {

inline constexpr int kNoValue = -1;
inline constexpr const char* kMovOp = "aivm.Mov";

struct Value {
  std::string name;                     // for messages and debug names
  DType dtype = DType::Undefined;       // set by shape inference (or known up front)
  std::vector<int64_t> shape;           // static dims after shape inference
  bool shape_known = false;
  int constant = -1;                    // index into Function::constants, or -1
  int input = -1;                       // index into Function::inputs, or -1
};

struct Instr {
  std::string op;
  std::vector<int> inputs;   // value ids; kNoValue for an absent optional input
  std::vector<int> outputs;  // value ids
  AttrMap attrs;
  SourceLoc loc;
};

struct Terminator {
  enum Kind : uint8_t { Return, Jump, Branch, LoopBack, Trap } kind = Return;
  int target = -1;         // Jump: block id; Branch: the block run when cond is zero;
                           // LoopBack: the loop's head; Trap: the isa::TrapKind
  int fallthrough = -1;    // Branch: the block run when cond is non-zero
  int cond = kNoValue;     // Branch; LoopBack: the counter (iterations left, i64)
  SourceLoc loc;
};

struct Block {
  std::vector<Instr> instrs;
  Terminator term;
};

struct Function {
  std::string source;
  std::vector<Value> values;
  std::vector<Tensor> constants;
  std::vector<std::string> constant_names;
  std::vector<ValueSpec> input_specs;
  std::vector<int> inputs;                // value ids, parallel to input_specs
  std::vector<std::string> output_names;
  std::vector<int> outputs;               // value ids at Return, parallel to output_names
  std::vector<Block> blocks;              // blocks[0] is the entry; laid out in this order
  // GEMM configuration constant weights are pre-packed for, or null for the portable layout.
  const kernels::GemmConfig* pack_for = nullptr;

  int new_value(const std::string& name) {
    Value v;
    v.name = name;
    values.push_back(std::move(v));
    return int(values.size()) - 1;
  }
  const Tensor* constant_of(int value) const {
    return value >= 0 && values[size_t(value)].constant >= 0 ? &constants[size_t(values[size_t(value)].constant)] : nullptr;
  }
};

// Lowers a stack program into register IR: basic blocks, an abstract operand stack, and
// copies at joins. Throws CompileError at the op where the stack underflows or arms of an If
// disagree in depth.
Function lower_stack_program(const StackProgram& program);

}  // namespace aivm::compiler
