// The stack program: what every front-end (ONNX import, .aivs assembly) emits and the
// stack->register lowering consumes.
//
// Semantics, in the manner of WebAssembly:
//   - locals 0..inputs.size()-1 hold the program inputs on entry; further locals start empty;
//   - an Op pops num_inputs operands (the first input deepest) and pushes num_outputs results;
//   - PushNone pushes the "absent optional input" marker (ONNX's empty input name);
//   - control flow is structured: If pops a condition, Else and End close the arms; both arms
//     of an If must leave the same stack depth (checked at the join);
//   - Loop pops a trip count (a one-element i64 tensor; <= 0 runs no iteration) and runs its
//     body, up to the matching End, that many times. Locals carry values from one iteration
//     to the next and out of the loop. LoopIndex pushes the innermost loop's iteration number
//     (i64 scalar, from 0). BreakUnless pops a condition and leaves the loop when it is zero;
//     it must come before any LocalSet, If or Loop of the body, at the body's own level (the
//     top-of-loop test of a while loop). The body leaves the stack as it found it plus
//     Loop.num_outputs values on top: these are collected, iteration i into row i of a
//     [trip count, ...] tensor each, pushed when the loop ends (scan outputs; the trip count
//     must then be a compile-time constant, and a BreakUnless that fires fails the run);
//   - when the program ends, the stack holds exactly the outputs, first output deepest.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "compiler/ir/diagnostics.h"
#include "format/dtype.h"

namespace aivm::compiler {

// A constant tensor: raw little-endian element bytes, row-major.
struct Tensor {
  DType dtype = DType::Undefined;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t num_elements() const;
  const float* f32() const { return reinterpret_cast<const float*>(data.data()); }
  // Element i converted to int64 / double, whatever the dtype (for shape-like constants).
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
};

// An operator attribute, as ONNX defines them.
using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>, Tensor>;
using AttrMap = std::map<std::string, AttrValue>;

// Signature entry. A dim < 0 is symbolic; dim_names[i] names it ("" when not symbolic).
struct ValueSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;
};

enum class StackOpKind : uint8_t {
  PushConst,  // push constants[index]
  PushNone,   // push the absent-input marker
  LocalGet,   // push locals[index]
  LocalSet,   // pop into locals[index]
  Op,         // operator |name| with attrs
  If,         // pop condition; run the then-arm when it is non-zero
  Else,
  End,        // closes an If or a Loop
  Loop,       // pop the trip count; num_outputs = values collected per iteration
  BreakUnless,  // pop a condition; leave the innermost loop when it is zero
  LoopIndex,  // push the innermost loop's iteration number
};

struct StackOp {
  StackOpKind kind = StackOpKind::Op;
  int64_t index = 0;     // PushConst, LocalGet, LocalSet
  std::string name;      // Op: operator name as ONNX spells it ("Conv", "Relu", "Gemm")
  int num_inputs = 0;    // Op: operands popped (absent optionals count, as PushNone)
  int num_outputs = 1;   // Op: results pushed; Loop: values collected per iteration
  AttrMap attrs;         // Op: attributes
  SourceLoc loc;
};

struct StackProgram {
  std::string source;              // file it came from
  std::vector<ValueSpec> inputs;   // bound to locals 0..inputs.size()-1
  std::vector<ValueSpec> outputs;  // names (and dtype/shape when the front-end knows them)
  std::vector<Tensor> constants;
  std::vector<std::string> constant_names;  // parallel to constants, may be ""
  std::vector<std::string> local_names;     // one per local, inputs first
  std::vector<StackOp> code;
};

}  // namespace aivm::compiler
