// The compiler pipeline: front-end, lowering, passes, emission.
#include "compiler/compile.h"

#include <algorithm>
#include <cstring>

#include "compiler/asm/stack_asm.h"
#include "compiler/emit/emit_bundle.h"
#include "compiler/ir/register_ir.h"
#include "compiler/onnx/onnx_import.h"
#include "compiler/passes/passes.h"
#include "compiler/symbolic.h"
#include "isa/attrs.h"
#include "isa/decode.h"
#include "kernels/config/gemm_config.h"

namespace aivm::compiler {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Turns each bound input into an ordinary local set from a constant at the start: the
// remaining inputs keep locals 0..m-1 (the stack program's contract), bound ones move after them.
StackProgram bind_inputs(const StackProgram& program, const std::map<std::string, Tensor>& bound) {
  if (bound.empty()) return program;
  for (const auto& [name, t] : bound)
    if (std::none_of(program.inputs.begin(), program.inputs.end(), [&](const ValueSpec& v) { return v.name == name; }))
      throw CompileError(program.source + ": --bind names '" + name + "', which is not an input");
  StackProgram p = program;
  size_t n_locals = std::max(program.local_names.size(), program.inputs.size());
  std::vector<int64_t> new_index(n_locals);
  std::vector<size_t> order;  // old local indices in their new order
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < program.inputs.size(); ++i)
      if ((bound.count(program.inputs[i].name) != 0) == (pass == 1)) order.push_back(i);
  for (size_t i = program.inputs.size(); i < n_locals; ++i) order.push_back(i);
  p.inputs.clear();
  p.local_names.assign(n_locals, "");
  for (size_t k = 0; k < order.size(); ++k) {
    new_index[order[k]] = int64_t(k);
    if (order[k] < program.local_names.size()) p.local_names[k] = program.local_names[order[k]];
  }
  std::vector<StackOp> prologue;
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    const ValueSpec& in = program.inputs[i];
    auto it = bound.find(in.name);
    if (it == bound.end()) {
      p.inputs.push_back(in);
      continue;
    }
    if (it->second.dtype != in.dtype)
      throw CompileError(program.source + ": --bind gives input '" + in.name + "' dtype " + dtype_name(it->second.dtype) +
                         ", the model says " + dtype_name(in.dtype));
    StackOp push, set;
    push.kind = StackOpKind::PushConst;
    push.index = int64_t(p.constants.size());
    set.kind = StackOpKind::LocalSet;
    set.index = new_index[i];
    p.constants.push_back(it->second);
    p.constant_names.push_back(in.name);
    prologue.push_back(push);
    prologue.push_back(set);
  }
  for (StackOp& op : p.code)
    if (op.kind == StackOpKind::LocalGet || op.kind == StackOpKind::LocalSet)
      if (op.index >= 0 && size_t(op.index) < n_locals) op.index = new_index[size_t(op.index)];
  p.code.insert(p.code.begin(), prologue.begin(), prologue.end());
  return p;
}

// Applies --shape overrides; dims left symbolic are compiled by compile_symbolic.
StackProgram with_concrete_inputs(const StackProgram& program, const CompileOptions& options) {
  StackProgram p = program;
  for (const auto& [name, shape] : options.input_shapes) {
    auto it = std::find_if(p.inputs.begin(), p.inputs.end(), [&](const ValueSpec& v) { return v.name == name; });
    if (it == p.inputs.end()) throw CompileError(p.source + ": --shape names '" + name + "', which is not an input");
    if (it->shape.size() != shape.size())
      throw CompileError(p.source + ": --shape gives input '" + name + "' rank " + std::to_string(shape.size()) +
                         ", the model says " + std::to_string(it->shape.size()));
    for (size_t i = 0; i < shape.size(); ++i)
      if (it->shape[i] >= 0 && it->shape[i] != shape[i])
        throw CompileError(p.source + ": --shape changes static dimension " + std::to_string(i) + " of input '" + name + "'");
    it->shape = shape;
    it->dim_names.clear();
  }
  return p;
}

bool has_packed_gemm(const format::FunctionDesc& fn) {
  for (uint64_t w : fn.code) {
    isa::Instr in = isa::decode(w);
    if (in.op != isa::Opcode::GEMM) continue;
    isa::GemmAttrs g;
    std::memcpy(&g, fn.attrs.data() + fn.attr_offsets[in.d], sizeof(g));
    if (g.packed_b) return true;
  }
  return false;
}

// The GEMM configuration to pre-pack weights for, or null for the portable layout.
const kernels::GemmConfig* pack_config(const std::string& target) {
  if (target == "portable") return nullptr;
  if (target == "native") return &kernels::gemm_config();
  size_t n;
  const kernels::GemmVariant* variants = kernels::gemm_variants(&n);
  for (size_t i = 0; i < n; ++i)
    if (target == variants[i].config.isa) return &variants[i].config;
  throw CompileError("unknown --target '" + target + "' (expected native, portable or a GEMM ISA such as avx2)");
}

// Compiles |program|, whose input shapes are all concrete. |symbolic|: they stand for symbolic
// dims (sentinel values), and the VM will infer the shapes again per input shape.
format::BundleDesc compile_static(const StackProgram& program, const CompileOptions& options, CompileReport* report,
                                  bool symbolic = false) {
  Function f = lower_stack_program(program);
  f.pack_for = pack_config(options.target);
  infer_shapes(f);
  CompileReport r;
  if (options.fuse) {
    r.forwarded_copies = forward_copies(f);
    r.channel_affine_convs = fuse_channel_affine(f);
    r.residual_adds = fuse_residual_adds(f);
    r.fused_activations = fuse_activations(f);
    // In a symbolic function the VM binds the dims left to inference (-1) at the first
    // instruction writing the register: a conv writing a slice would bind its own channels.
    if (!symbolic) r.concats_in_place = concat_in_place(f);
  }
  r.dead_instructions = eliminate_dead_code(f);

  format::BundleDesc desc;
  desc.producer = "aivmc 0.1.0";
  desc.source = base_name(program.source);
  desc.functions.push_back(emit_function(f, &desc.constants, &desc.inputs, &desc.outputs));
  if (f.pack_for && has_packed_gemm(desc.functions[0])) {
    desc.target_isa = f.pack_for->packed_b_layout;
    desc.packed_weights = true;
  }
  const format::FunctionDesc& fn = desc.functions[0];
  r.instructions = fn.code.size();
  r.registers = fn.registers.size();
  r.arena_bytes = fn.arena_bytes;
  r.arena_lower_bound = fn.arena_lower_bound;
  if (report) *report = r;
  return desc;
}

}  // namespace

format::BundleDesc compile_program(const StackProgram& source, const CompileOptions& options, CompileReport* report) {
  StackProgram program = with_concrete_inputs(bind_inputs(source, options.bound_inputs), options);
  std::vector<std::string> symbols = symbolic_dims(program);
  if (symbols.empty()) return compile_static(program, options, report);
  format::BundleDesc desc[2];
  for (int which = 0; which < 2; ++which) {
    try {
      desc[which] =
          compile_static(with_sentinels(program, symbols, which), options, which == 0 ? report : nullptr, true);
    } catch (const CompileError& e) {
      std::string bound;
      for (size_t k = 0; k < symbols.size(); ++k)
        bound += (k ? ", " : "") + symbols[k] + "=" + std::to_string(symbol_sentinel(k, which));
      throw CompileError(std::string(e.what()) + " (compiling the symbolic dims as " + bound +
                         "; pin them with --shape NAME=D0,D1,... if the model needs particular values)");
    }
  }
  format::BundleDesc out = merge_symbolic(desc[0], desc[1], symbols, program);
  if (report) report->arena_bytes = report->arena_lower_bound = 0;  // planned per input shape
  return out;
}

format::BundleDesc compile_file(const std::string& path, const CompileOptions& options, CompileReport* report) {
  if (ends_with(path, ".onnx")) return compile_program(import_onnx_file(path), options, report);
  if (ends_with(path, ".aivs")) return compile_program(parse_stack_asm_file(path), options, report);
  throw CompileError(path + ": unknown model format (expected .onnx or .aivs)");
}

}  // namespace aivm::compiler
