// Helpers shared by the operator families' rules (compiler/ops/*.cc).
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "compiler/ops/op_rules.h"
#include "isa/attrs.h"
#include "isa/shape_rules.h"
#include "kernels/common.h"

namespace aivm::compiler {

inline std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

inline int64_t normalize_axis(const OpContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) ctx.fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Concat's axis, in [0, rank) of its inputs: one reading for its rule and for the passes.
inline int64_t concat_axis(const OpContext& ctx, int64_t rank) {
  return normalize_axis(ctx, ctx.attr_int("axis", 0), rank);
}

inline void require_single_output(OpContext& ctx) {
  if (ctx.instr().outputs.size() != 1) ctx.fail("only the first output is supported");
}

inline isa::ActivationAttrs fused_activation(const OpContext& ctx) {
  // Set by the fusion pass (compiler/passes/fuse_activation.cc) as reserved attributes.
  isa::ActivationAttrs a{};
  a.kind = int32_t(ctx.attr_int("__act", 0));
  a.p0_bits = isa::float_bits(ctx.attr_float("__act_p0", 0.f));
  a.p1_bits = isa::float_bits(ctx.attr_float("__act_p1", 0.f));
  return a;
}

template <typename T>
std::vector<int32_t> words_of(const T& rec) {
  std::vector<int32_t> w(isa::kAttrWords<T>);
  std::memcpy(w.data(), &rec, sizeof(T));
  return w;
}

// One f32 input, one output of the same shape (unary math, activations, softmax).
inline void infer_unary(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  require_single_output(ctx);
  ctx.require_dtype(0, DType::F32);
  ctx.set_output(0, ctx.input(0).dtype, ctx.input(0).shape);
}

// A new constant value holding |t|, for a selection that needs an operand the graph does not
// have (pre-packed weights, Compress's gather indices).
inline int add_constant_value(Function& f, const std::string& name, Tensor t) {
  int v = f.new_value(name);
  Value& val = f.values[size_t(v)];
  val.dtype = t.dtype;
  val.shape = t.shape;
  val.shape_known = true;
  val.constant = int(f.constants.size());
  f.constants.push_back(std::move(t));
  f.constant_names.push_back(name);
  return v;
}

// |d| as a kernel shape; a rank the VM cannot hold is a compile error.
inline kernels::Shape kshape(const OpContext& ctx, const std::vector<int64_t>& d) {
  if (d.size() > size_t(kernels::kMaxRank)) ctx.fail("rank " + std::to_string(d.size()) + " exceeds the VM's limit of 8");
  kernels::Shape s;
  s.rank = int(d.size());
  for (size_t i = 0; i < d.size(); ++i) s.dims[i] = d[i];
  return s;
}

}  // namespace aivm::compiler
