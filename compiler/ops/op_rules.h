// One table row per ONNX operator the compiler accepts: how its output types and shapes follow
// from its inputs (shape inference) and which ISA instruction it becomes (selection).
// Adding an operator means adding a row here; nothing else switches on operator names.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ir/register_ir.h"
#include "isa/isa.h"

namespace aivm::compiler {

// What a rule sees of one instruction, with typed attribute access and error helpers.
class OpContext {
 public:
  OpContext(Function& f, Instr& in) : f_(f), in_(in) {}

  Function& function() { return f_; }
  Instr& instr() { return in_; }
  size_t num_inputs() const { return in_.inputs.size(); }
  bool has_input(size_t i) const { return i < in_.inputs.size() && in_.inputs[i] != kNoValue; }
  const Value& input(size_t i) const;          // throws if absent
  const Tensor* constant_input(size_t i) const;  // nullptr if absent or not constant
  Value& output(size_t i);
  int opset() const;  // default-domain opset the op was written against

  int64_t attr_int(const std::string& name, int64_t def) const;
  float attr_float(const std::string& name, float def) const;
  std::string attr_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& name, const std::vector<int64_t>& def) const;
  std::vector<float> attr_floats(const std::string& name, const std::vector<float>& def) const;
  bool has_attr(const std::string& name) const { return in_.attrs.count(name) != 0; }

  [[noreturn]] void fail(const std::string& what) const { throw CompileError(in_.loc, what); }
  void require_inputs(size_t min, size_t max) const;
  void require_dtype(size_t input, DType dtype) const;
  void set_output(size_t i, DType dtype, std::vector<int64_t> shape);
  // Makes output |i| a compile-time constant (e.g. Shape of a static tensor); an instruction
  // whose outputs are all constants emits nothing.
  void set_constant_output(size_t i, Tensor value);

 private:
  Function& f_;
  Instr& in_;
};

// Instruction selection output for one IR instruction.
struct Selection {
  isa::Opcode opcode;
  // Operand fields A..D as IR values (kNoValue where unused), or immediates/records below.
  std::vector<int> values;          // value ids for the register fields, in field order
  std::vector<int32_t> record;      // attribute record (for a P field), empty if none
  std::vector<std::pair<int, int>> record_regs;  // (record word, value id): words that name a register
  int32_t immediate = 0;            // for an I field
};

struct OpRule {
  const char* name;
  void (*infer)(OpContext& ctx);
  void (*select)(OpContext& ctx, Selection* out);
};

// Each family's rows (compiler/ops/<family>.cc).
std::span<const OpRule> elementwise_op_rules();
std::span<const OpRule> shape_op_rules();
std::span<const OpRule> linear_op_rules();
std::span<const OpRule> window_op_rules();
std::span<const OpRule> data_op_rules();    // compiler/ops/data.cc: layout and indexing
std::span<const OpRule> reduce_op_rules();  // compiler/ops/reduce.cc: reductions
std::span<const OpRule> control_op_rules();  // compiler/ops/control.cc: loop collection
std::span<const OpRule> norm_op_rules();    // compiler/ops/norm.cc: fused normalisation
std::span<const OpRule> resample_op_rules();  // compiler/ops/resample.cc: Resize, Upsample, GridSample
std::span<const OpRule> scatter_op_rules();   // compiler/ops/scatter.cc: Scatter*, GatherND
std::span<const OpRule> axis_op_rules();      // compiler/ops/axis.cc: TopK, CumSum, CumProd
std::span<const OpRule> data_dependent_op_rules();  // compiler/ops/data_dependent.cc: NonZero, Unique, Compress

// The rule for |op| (an ONNX op type or an aivm.* internal op), or nullptr.
const OpRule* find_op_rule(const std::string& op);

}  // namespace aivm::compiler
