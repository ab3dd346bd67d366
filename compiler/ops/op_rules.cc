// The operator table's shared half: OpContext, and the lookup over every family's rows.
#include "compiler/ops/op_rules.h"

namespace aivm::compiler {

//===----------------------------------------------------------------------===//
// OpContext
//===----------------------------------------------------------------------===//

const Value& OpContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required");
  return f_.values[size_t(in_.inputs[i])];
}

const Tensor* OpContext::constant_input(size_t i) const { return has_input(i) ? f_.constant_of(in_.inputs[i]) : nullptr; }

Value& OpContext::output(size_t i) { return f_.values[size_t(in_.outputs[i])]; }

int OpContext::opset() const { return int(attr_int("__opset", 17)); }

int64_t OpContext::attr_int(const std::string& name, int64_t def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  fail("attribute '" + name + "' must be an integer");
}

float OpContext::attr_float(const std::string& name, float def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return float(*v);
  fail("attribute '" + name + "' must be a float");
}

std::string OpContext::attr_string(const std::string& name, const std::string& def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  fail("attribute '" + name + "' must be a string");
}

std::vector<int64_t> OpContext::attr_ints(const std::string& name, const std::vector<int64_t>& def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  fail("attribute '" + name + "' must be a list of integers");
}

std::vector<float> OpContext::attr_floats(const std::string& name, const std::vector<float>& def) const {
  auto it = in_.attrs.find(name);
  if (it == in_.attrs.end()) return def;
  if (auto* v = std::get_if<std::vector<float>>(&it->second)) return *v;
  fail("attribute '" + name + "' must be a list of floats");
}

void OpContext::require_inputs(size_t min, size_t max) const {
  if (in_.inputs.size() < min || in_.inputs.size() > max)
    fail("takes " + std::to_string(min) + (min == max ? "" : ".." + std::to_string(max)) + " inputs, got " +
         std::to_string(in_.inputs.size()));
  for (size_t i = 0; i < min; ++i) input(i);
}

void OpContext::require_dtype(size_t i, DType dtype) const {
  if (input(i).dtype != dtype)
    fail(std::string("input ") + std::to_string(i) + " has dtype " + dtype_name(input(i).dtype) + "; only " +
         dtype_name(dtype) + " is supported");
}

void OpContext::set_output(size_t i, DType dtype, std::vector<int64_t> shape) {
  if (i >= in_.outputs.size()) return;
  Value& v = output(i);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
}

void OpContext::set_constant_output(size_t i, Tensor value) {
  if (i >= in_.outputs.size()) return;
  Value& v = output(i);
  v.dtype = value.dtype;
  v.shape = value.shape;
  v.shape_known = true;
  v.constant = int(f_.constants.size());
  f_.constants.push_back(std::move(value));
  f_.constant_names.push_back(v.name);
}

//===----------------------------------------------------------------------===//
// Lookup
//===----------------------------------------------------------------------===//

const OpRule* find_op_rule(const std::string& op) {
  for (auto family : {elementwise_op_rules(), shape_op_rules(), linear_op_rules(), window_op_rules(), data_op_rules(),
                      reduce_op_rules(), control_op_rules(), norm_op_rules(), resample_op_rules(),
                      scatter_op_rules(), axis_op_rules(), data_dependent_op_rules()})
    for (const OpRule& r : family)
      if (op == r.name) return &r;
  return nullptr;
}

}  // namespace aivm::compiler
